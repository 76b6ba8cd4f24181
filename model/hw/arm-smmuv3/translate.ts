import { match } from 'ts-pattern';
import { hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import type { FaultCause, Outcome } from '../../types/outcome.ts';
import { type Access, lookupPage, type PageMap } from '../../types/page-map.ts';
import {
  C_BAD_STE,
  C_BAD_STREAMID,
  F_PERMISSION,
  F_TRANSL_FORBIDDEN,
  F_TRANSLATION,
  STE_ABORT,
} from './causes.ts';
import type { SmmuConfig } from './config.ts';

export type SmmuFault = Extract<Outcome, { kind: 'fault' }>;
export type SmmuResult = { kind: 'ok'; pa: bigint } | SmmuFault;

const BLOCK = 'arm-smmuv3';
const REF_TRANSLATE = 'QEMU hw/arm/smmuv3.c smmuv3_translate';
const REF_DECODE_STE = 'QEMU hw/arm/smmuv3.c decode_ste';
const REF_PTW = 'QEMU hw/arm/smmu-common.c smmu_ptw';

const smmuFault = (cause: FaultCause): SmmuFault => ({
  kind: 'fault',
  arch: 'smmuv3',
  cause: cause.name,
  code: cause.code,
});

/** One stage's leaf lookup; a missing leaf is F_TRANSLATION, a forbidden access F_PERMISSION. */
const walkStage = (stage: 1 | 2, map: PageMap, addr: bigint, access: Access, trace: Trace): SmmuResult => {
  const r = lookupPage(map, addr, access);
  hop(trace, {
    block: BLOCK,
    step: `stage${stage}-walk`,
    ref: REF_PTW,
    facts: { stage, input: hex(addr), result: r.kind, ...(r.kind === 'ok' ? { output: hex(r.pa) } : {}) },
  });
  return match(r)
    .with({ kind: 'ok' }, (ok): SmmuResult => ({ kind: 'ok', pa: ok.pa }))
    .with({ kind: 'not-mapped' }, () => smmuFault(F_TRANSLATION))
    .with({ kind: 'no-permission' }, () => smmuFault(F_PERMISSION))
    .exhaustive();
};

/**
 * Translates one transaction of StreamID `sid` at input address `addr`. There is no MSI special
 * case: a doorbell write is ordinary DMA and must be mapped like any other target
 * (QEMU smmuv3_translate). SubstreamIDs/PASIDs are not modelled (one CD per STE). An ATS Translated
 * transaction passes a bypass STE unchanged and is refused by a translating one (the model's STEs do
 * not enable ATS: STE.EATS = 0b00).
 */
export const smmuTranslate = (
  smmu: SmmuConfig,
  sid: number,
  addr: bigint,
  access: Access,
  trace: Trace,
  translated = false,
): SmmuResult => {
  // 1. Find the STE for the StreamID; outside the Stream table → C_BAD_STREAMID (QEMU smmu_find_ste).
  const ste = smmu.streams.get(sid);
  hop(trace, {
    block: BLOCK,
    step: 'find-ste',
    ref: 'QEMU hw/arm/smmuv3.c smmu_find_ste',
    facts: { sid, found: ste !== undefined, ...(ste !== undefined ? { config: ste.config } : {}) },
  });
  if (ste === undefined) return smmuFault(C_BAD_STREAMID);

  // 2. An ATS Translated transaction needs STE.EATS on a translating STE.
  if (translated && (ste.config === 's1' || ste.config === 's2' || ste.config === 'nested')) {
    hop(trace, {
      block: BLOCK,
      step: 'translated-forbidden',
      ref: 'SMMUv3 F_TRANSL_FORBIDDEN',
      facts: { sid },
    });
    return smmuFault(F_TRANSL_FORBIDDEN);
  }
  // 3. Decode STE.V / STE.Config (QEMU decode_ste), then 4. walk the enabled stages in order.
  return match(ste)
    .with({ config: 'invalid' }, () => {
      hop(trace, { block: BLOCK, step: 'ste-invalid', ref: REF_DECODE_STE, facts: { sid } });
      return smmuFault(C_BAD_STE);
    })
    .with({ config: 'abort' }, () => {
      hop(trace, { block: BLOCK, step: 'ste-abort', ref: REF_DECODE_STE, facts: { sid } });
      return smmuFault(STE_ABORT);
    })
    .with({ config: 'bypass' }, (): SmmuResult => {
      hop(trace, { block: BLOCK, step: 'ste-bypass', ref: REF_TRANSLATE, facts: { sid, pa: hex(addr) } });
      return { kind: 'ok', pa: addr };
    })
    .with({ config: 's1' }, (s) => walkStage(1, s.s1, addr, access, trace))
    .with({ config: 's2' }, (s) => walkStage(2, s.s2, addr, access, trace))
    .with({ config: 'nested' }, (s) => {
      // Stage 1 gives an IPA, which stage 2 then translates (simplification: the stage-1 table
      // walk's own accesses are not themselves translated by stage 2; only the output address is).
      const ipa = walkStage(1, s.s1, addr, access, trace);
      return ipa.kind === 'ok' ? walkStage(2, s.s2, ipa.pa, access, trace) : ipa;
    })
    .exhaustive();
};
