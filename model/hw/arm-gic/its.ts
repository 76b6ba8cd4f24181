import { match } from 'ts-pattern';
import { z } from 'zod';
import { hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import { dropped, fault, MEMTX_DECODE_ERROR, type Outcome } from '../../types/outcome.ts';
import type { Access } from '../../types/page-map.ts';
import { parseWith } from '../../types/validate.ts';
import { qemuPieces } from '../qemu-access.ts';

/** Offset of GITS_TRANSLATER from the ITS base (LINUX include/linux/irqchip/arm-gic-v3.h). */
export const GITS_TRANSLATER = 0x10040n;
/** The translation frame is the ITS's second 64 KiB page (QEMU arm_gicv3_its_common.h ITS_TRANS_SIZE). */
export const ITS_TRANS_FRAME_OFFSET = 0x10000n;
export const ITS_TRANS_SIZE = 0x10000n;
/** First LPI INTID (GICv3: LPIs start at 8192; QEMU intid_in_lpi_range). */
export const GICV3_LPI_INTID_START = 8192;
/** Doorbell value meaning "no doorbell" in a virtual ITE (QEMU valid_doorbell). */
export const INTID_SPURIOUS = 1023;

const Lpi = z.number().int().min(GICV3_LPI_INTID_START).max(0xffffffff);

/**
 * An Interrupt Translation Entry. Only MAPTI/MAPI/VMAPTI create ITEs, and they refuse a physical
 * INTID outside the LPI range and a doorbell that is neither 1023 nor an LPI (QEMU process_mapti,
 * process_vmapti, valid_doorbell), so the schema refuses them too. The vINTID is checked at
 * translation time (QEMU process_its_cmd_virt), so any value is accepted here.
 */
export const IteSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('physical'), intid: Lpi, icid: z.number().int().min(0) }),
  z.object({
    type: z.literal('virtual'),
    vintid: z.number().int().min(0).max(0xffffffff),
    vpeid: z.number().int().min(0),
    doorbell: z.union([z.literal(INTID_SPURIOUS), Lpi]),
  }),
]);
export type Ite = z.infer<typeof IteSchema>;

/** A valid DTE: `size` is DTE.Size (EventID bits - 1): EventIDs < 2^(size+1) are in range. */
export const DteSchema = z.object({
  size: z.number().int().min(0).max(31),
  itt: z.map(z.number().int().min(0).max(0xffffffff), IteSchema),
});
export type Dte = z.infer<typeof DteSchema>;

/**
 * One GICv3/v4 ITS. Absent map keys are invalid table entries (DTE/CTE/VTE.Valid = 0). Tables are
 * the result of ITS commands (MAPD, MAPC, MAPTI, VMAPP, VMAPTI), not of direct writes (docs/hardware.md#arm-gicv3-its).
 */
export const ItsConfigSchema = z.object({
  /** ITS base (control frame); the translation frame follows at +0x10000. 64 KiB aligned. */
  base: z.bigint().min(0n).multipleOf(0x10000n),
  /** GITS_CTLR.Enabled. */
  enabled: z.boolean(),
  /** Number of DeviceIDs the Device table covers (QEMU s->dt.num_entries). */
  dtEntries: z.number().int().min(0),
  deviceTable: z.map(z.number().int().min(0), DteSchema),
  /** ICID → CTE. */
  collections: z.map(z.number().int().min(0), z.object({ rdbase: z.number().int().min(0) })),
  /** vPEID → VTE (GICv4). `vptsize`: vINTIDs < 2^(vptsize+1). */
  vpes: z.map(
    z.number().int().min(0),
    z.object({ rdbase: z.number().int().min(0), vptsize: z.number().int().min(0).max(31) }),
  ),
  /** Number of redistributors: a CTE or VTE whose RDbase is not below it is ignored (QEMU lookup_cte / lookup_vte). Absent: not checked. */
  redistributors: z.number().int().min(1).optional(),
  /** GITS_TYPER.Virtual (GICv4): without it a virtual ITE is ignored (QEMU do_process_its_cmd). Absent: supported. */
  virtual: z.boolean().optional(),
});
export type ItsConfig = z.infer<typeof ItsConfigSchema>;

export const parseItsConfig = (input: unknown) => parseWith(ItsConfigSchema, input);

/** Physical address of this ITS's GITS_TRANSLATER doorbell. */
export const itsDoorbell = (its: ItsConfig): bigint => its.base + GITS_TRANSLATER;

/** True when `pa` lies in this ITS's translation frame (base+0x10000 .. base+0x1FFFF). */
export const inItsTranslationFrame = (its: ItsConfig, pa: bigint): boolean =>
  pa >= its.base + ITS_TRANS_FRAME_OFFSET && pa < its.base + ITS_TRANS_FRAME_OFFSET + ITS_TRANS_SIZE;

const BLOCK = 'arm-gic-its';
const REF_WRITE = 'QEMU hw/intc/arm_gicv3_its.c gicv3_its_translation_write';
const REF_LOOKUP_ITE = 'QEMU hw/intc/arm_gicv3_its.c lookup_ite';
const REF_PHYS = 'QEMU hw/intc/arm_gicv3_its.c process_its_cmd_phys';
const REF_VIRT = 'QEMU hw/intc/arm_gicv3_its.c process_its_cmd_virt';
const REF_OPS = 'QEMU hw/intc/arm_gicv3_its.c gicv3_its_translation_ops (.valid 2..4 bytes)';
const REF_READ = 'QEMU hw/intc/arm_gicv3_its.c gicv3_its_translation_read';
const REF_CMD = 'QEMU hw/intc/arm_gicv3_its.c do_process_its_cmd';

/** A CTE or VTE whose RDbase names no redistributor is ignored (QEMU lookup_cte / lookup_vte); records the hop. */
const rdbaseOutOfRange = (its: ItsConfig, rdbase: number, lookup: string, trace: Trace): boolean => {
  if (its.redistributors === undefined || rdbase < its.redistributors) return false;
  hop(trace, {
    block: BLOCK,
    step: 'rdbase-out-of-range',
    ref: `QEMU hw/intc/arm_gicv3_its.c ${lookup}`,
    facts: { rdbase, redistributors: its.redistributors },
  });
  return true;
};

/**
 * A write of `data` reaching physical address `pa`, from a device whose DeviceID the interconnect
 * supplies as a sideband signal (`deviceId`); it is never derived from the address or the data
 * (QEMU: attrs.requester_id; docs/hardware.md#arm-gicv3-its). Returns undefined when `pa` is not in this ITS's
 * translation frame. Every unmapped or invalid case completes the write with no interrupt.
 * The translation frame takes 2- to 4-byte accesses (QEMU gicv3_its_translation_ops .valid): a wider
 * access arrives as 4-byte pieces and only the one at GITS_TRANSLATER counts; a 1-byte piece is a
 * decode error (model/hw/qemu-access.ts). Reads return zero (gicv3_its_translation_read).
 * Simplifications: a decode error in any piece aborts the whole access; vPE residency and the GICv4
 * doorbell LPI are not modelled (the vLPI is recorded for the vPE wherever it runs).
 */
export const itsWrite = (
  its: ItsConfig,
  deviceId: number,
  pa: bigint,
  data: number,
  trace: Trace,
  size = 4,
  access: Access = 'write',
): Outcome | undefined => {
  if (!inItsTranslationFrame(its, pa)) return undefined;

  // 0. Access size (2 to 4 bytes per piece) and direction: reads return zero.
  const pieces = qemuPieces(pa, size, data, 4);
  if (pieces.some((p) => p.size < 2)) {
    hop(trace, { block: BLOCK, step: 'decode-error', ref: REF_OPS, facts: { pa: hex(pa), size } });
    return fault('bus', MEMTX_DECODE_ERROR);
  }
  if (access !== 'write') {
    hop(trace, { block: BLOCK, step: 'read-zero', ref: REF_READ, facts: { pa: hex(pa), access } });
    return dropped('its-read-zero');
  }
  const piece = pieces.find((p) => p.addr === itsDoorbell(its));

  // 1. Only GITS_TRANSLATER does anything; the rest of the frame is RES0, writes ignored.
  if (piece === undefined) {
    hop(trace, {
      block: BLOCK,
      step: 'not-translater',
      ref: REF_WRITE,
      facts: { pa: hex(pa), translater: hex(itsDoorbell(its)) },
    });
    return dropped('its-translater-not-register');
  }
  // 2. Writes are ignored while GITS_CTLR.Enabled = 0.
  if (!its.enabled) {
    hop(trace, { block: BLOCK, step: 'its-disabled', ref: REF_WRITE, facts: { base: hex(its.base) } });
    return dropped('its-disabled');
  }
  // 3. EventID = write data; DeviceID = sideband (do_process_its_cmd(devid = requester_id, eventid = data)).
  const eventId = piece.data;
  hop(trace, {
    block: BLOCK,
    step: 'translater-write',
    ref: REF_WRITE,
    facts: { deviceId, eventId, deviceIdSource: 'sideband' },
  });

  // 4. Device table: DeviceID in range and DTE valid (QEMU lookup_ite → get_dte).
  if (deviceId >= its.dtEntries) {
    hop(trace, {
      block: BLOCK,
      step: 'deviceid-out-of-range',
      ref: REF_LOOKUP_ITE,
      facts: { deviceId, dtEntries: its.dtEntries },
    });
    return dropped('its-deviceid-out-of-range');
  }
  const dte = its.deviceTable.get(deviceId);
  if (dte === undefined) {
    hop(trace, { block: BLOCK, step: 'unmapped-deviceid', ref: REF_LOOKUP_ITE, facts: { deviceId } });
    return dropped('its-unmapped-deviceid');
  }
  // 5. ITT: EventID < 2^(DTE.Size+1) and ITE valid (QEMU lookup_ite → get_ite).
  const numEvents = 2 ** (dte.size + 1);
  if (eventId >= numEvents) {
    hop(trace, {
      block: BLOCK,
      step: 'eventid-out-of-range',
      ref: REF_LOOKUP_ITE,
      facts: { deviceId, eventId, numEvents },
    });
    return dropped('its-eventid-out-of-range');
  }
  const ite = dte.itt.get(eventId);
  if (ite === undefined) {
    hop(trace, { block: BLOCK, step: 'unmapped-eventid', ref: REF_LOOKUP_ITE, facts: { deviceId, eventId } });
    return dropped('its-unmapped-eventid');
  }

  return match(ite)
    .with({ type: 'physical' }, (p): Outcome => {
      // 6p. Collection table: CTE valid → LPI pending at that redistributor (QEMU lookup_cte).
      const cte = its.collections.get(p.icid);
      if (cte === undefined) {
        hop(trace, { block: BLOCK, step: 'unmapped-collection', ref: REF_PHYS, facts: { icid: p.icid } });
        return dropped('its-unmapped-collection');
      }
      if (rdbaseOutOfRange(its, cte.rdbase, 'lookup_cte', trace)) return dropped('its-rdbase-out-of-range');
      hop(trace, {
        block: BLOCK,
        step: 'lpi-pending',
        ref: 'QEMU hw/intc/arm_gicv3_redist.c gicv3_redist_process_lpi',
        facts: { deviceId, eventId, intid: p.intid, icid: p.icid, rdbase: cte.rdbase },
      });
      return { kind: 'interrupt', controller: 'its-lpi', target: `rd${cte.rdbase}`, identity: p.intid };
    })
    .with({ type: 'virtual' }, (v): Outcome => {
      // 6v. A virtual ITE needs GITS_TYPER.Virtual; then the vPE table: VTE valid and RDbase in range
      //     (QEMU lookup_vte), then vINTID an LPI below 2^(vptsize+1).
      if (its.virtual === false) {
        hop(trace, { block: BLOCK, step: 'virtual-unsupported', ref: REF_CMD, facts: { deviceId, eventId } });
        return dropped('its-virtual-unsupported');
      }
      const vte = its.vpes.get(v.vpeid);
      if (vte === undefined) {
        hop(trace, { block: BLOCK, step: 'unmapped-vpe', ref: REF_VIRT, facts: { vpeid: v.vpeid } });
        return dropped('its-unmapped-vpe');
      }
      if (rdbaseOutOfRange(its, vte.rdbase, 'lookup_vte', trace)) return dropped('its-rdbase-out-of-range');
      const vptLimit = 2 ** (vte.vptsize + 1);
      if (v.vintid < GICV3_LPI_INTID_START || v.vintid >= vptLimit) {
        hop(trace, {
          block: BLOCK,
          step: 'vintid-out-of-range',
          ref: REF_VIRT,
          facts: { vintid: v.vintid, vptLimit },
        });
        return dropped('its-vintid-out-of-range');
      }
      hop(trace, {
        block: BLOCK,
        step: 'vlpi-pending',
        ref: 'QEMU hw/intc/arm_gicv3_redist.c gicv3_redist_process_vlpi',
        facts: {
          deviceId,
          eventId,
          vintid: v.vintid,
          vpeid: v.vpeid,
          rdbase: vte.rdbase,
          doorbell: v.doorbell,
        },
      });
      return {
        kind: 'interrupt',
        controller: 'its-vlpi',
        target: `vpe${v.vpeid}@rd${vte.rdbase}`,
        identity: v.vintid,
      };
    })
    .exhaustive();
};
