import type { FaultCause } from '../../types/outcome.ts';

/**
 * SMMUv3 event record types the model can produce. Codes are the event numbers of the SMMUv3
 * architecture as Linux spells them (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h EVT_ID_*).
 */

/** StreamID outside the Stream table (EVT_ID_BAD_STREAMID_CONFIG). */
export const C_BAD_STREAMID = { name: 'C_BAD_STREAMID', code: 0x02 } as const satisfies FaultCause;
/** STE fetched but not valid (STE.V = 0) or malformed (EVT_ID_BAD_STE_CONFIG). */
export const C_BAD_STE = { name: 'C_BAD_STE', code: 0x04 } as const satisfies FaultCause;
/** Non-substream traffic disabled by the STE (EVT_ID_STREAM_DISABLED_FAULT). */
export const F_STREAM_DISABLED = { name: 'F_STREAM_DISABLED', code: 0x06 } as const satisfies FaultCause;
/**
 * An ATS Translated transaction on a stream whose STE does not enable ATS (STE.EATS = 0b00): SMMUv3
 * event F_TRANSL_FORBIDDEN (Linux's first arm-smmu-v3 driver, ARM_SMMU_EVT_F_TRANSL_FORBIDDEN 0x07).
 */
export const F_TRANSL_FORBIDDEN = { name: 'F_TRANSL_FORBIDDEN', code: 0x07 } as const satisfies FaultCause;
/** No valid leaf for the input address at stage 1 or stage 2 (EVT_ID_TRANSLATION_FAULT). */
export const F_TRANSLATION = { name: 'F_TRANSLATION', code: 0x10 } as const satisfies FaultCause;
/** Leaf found but it does not allow this access (EVT_ID_PERMISSION_FAULT). */
export const F_PERMISSION = { name: 'F_PERMISSION', code: 0x13 } as const satisfies FaultCause;
/**
 * STE.Config = 0b000 (abort): the transaction is terminated and NO event is recorded
 * (QEMU hw/arm/smmuv3.c decode_ste cfg->aborted → SMMU_TRANS_ABORT, no event). Model-named; code 0
 * is not an event number and only marks "no event record".
 */
export const STE_ABORT = { name: 'STE_ABORT', code: 0x00 } as const satisfies FaultCause;

export const SMMUV3_CAUSES = [
  C_BAD_STREAMID,
  C_BAD_STE,
  F_STREAM_DISABLED,
  F_TRANSL_FORBIDDEN,
  F_TRANSLATION,
  F_PERMISSION,
  STE_ABORT,
] as const;
