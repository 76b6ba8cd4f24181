import { match } from 'ts-pattern';
import { z } from 'zod';
import { bits, hex } from '../../types/addr.ts';
import { type Hop, hop, type Trace } from '../../types/hop.ts';
import { type FaultCause, type Outcome, tracedFault, unrecorded } from '../../types/outcome.ts';
import { parseWith } from '../../types/validate.ts';
import type { Write } from '../../types/write.ts';
import { decodeAmdIrte } from './amd-irte.ts';
import {
  AMDVI_IR_DEST_MODE,
  AMDVI_IR_GUEST_MODE,
  AMDVI_IR_INT_TYPE_RESERVED,
  AMDVI_IR_INTCTL_RESERVED,
  AMDVI_IR_NOT_ALLOWED,
  AMDVI_IR_NOT_SUPPORTED,
  AMDVI_IR_TARGET_ABORT,
} from './causes.ts';
import { DELIVERY_MODE, deliveryModeOf, lapicAccept, lapicFromCompat } from './window.ts';

const BLOCK = 'amd-ir';
const REF_MSI = 'QEMU hw/i386/amd_iommu.c amdvi_int_remap_msi';
const REF_INTCTL = 'QEMU hw/i386/amd_iommu.c __amdvi_int_remap_msi';
const REF_LEGACY = 'QEMU hw/i386/amd_iommu.c amdvi_int_remap_legacy';

/** IntCtl values of DTE bits 189:188 (QEMU AMDVI_IR_INTCTL_ABORT/PASS/REMAP; 3 is reserved). */
export const AMDVI_IR_INTCTL = { ABORT: 0, PASS: 1, REMAP: 2, RESERVED: 3 } as const;

/** Index into the per-device interrupt table: MSI data[10:0] (QEMU AMDVI_IRTE_OFFSET 0x7ff). */
export const AMDVI_IRTE_OFFSET = 0x7ff;

/** IRTE fields the decision depends on (QEMU union irte / struct irte_ga). */
export const AmdIrteSchema = z.object({
  /** RemapEn (QEMU `valid`). */
  remapEn: z.boolean(),
  vector: z.number().int().min(0).max(0xff),
  /** 8-bit, or 32-bit with x2APIC (XTSup); the model takes it as given. */
  destination: z.number().int().min(0).max(0xffffffff),
  /** Guest-virtual-APIC posting; not modelled, rejected as QEMU does (amdvi_int_remap_legacy / _ga). */
  guestMode: z.boolean().default(false),
  /** SupIOPF: a target abort on this IRTE is not logged. */
  supIOPF: z.boolean().optional(),
  /** IntType (delivery mode): above 1 (arbitrated) is reserved. Absent = 0. */
  intType: z.number().int().min(0).max(7).optional(),
  rqEoi: z.boolean().optional(),
  /** DM: logical destination mode (not resolved to a set of APICs; the target is the destination field). */
  dm: z.boolean().optional(),
});
export type AmdIrte = z.infer<typeof AmdIrteSchema>;

/** The interrupt-remapping part of a Device Table Entry (DTE bits 191:128; docs/hardware.md#amd-vi-interrupt-remapping). */
export const DteSchema = z.object({
  /** IV: interrupt map valid (DTE bit 128). */
  iv: z.boolean(),
  intCtl: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  /** This device's own interrupt remapping table; IntTabLen/out-of-range is not modelled. */
  irt: z.map(z.number().int().min(0).max(AMDVI_IRTE_OFFSET), AmdIrteSchema),
  /** NMIPass / INITPass / EIntPass (DTE bits 186 / 184 / 185). */
  pass: z.object({ nmi: z.boolean(), init: z.boolean(), extint: z.boolean() }),
  /**
   * The table as memory holds it: raw IRTEs by index, read in the layout `gaMode` selects
   * (amd-irte.ts). When present it replaces `irt`; an index not listed reads as zero.
   */
  irtRaw: z.map(z.number().int().min(0).max(AMDVI_IRTE_OFFSET), z.bigint().min(0n)).optional(),
});
export type Dte = z.infer<typeof DteSchema>;

export const AmdIrConfigSchema = z.object({
  /** Device table, keyed by DeviceID (= requester id). */
  devices: z.map(z.number().int().min(0).max(0xffff), DteSchema),
  /** Control register GAEn: 128-bit guest-virtual-APIC IRTEs (QEMU ga_enabled). Absent = legacy. */
  gaMode: z.boolean().optional(),
  /** The unit implements interrupt remapping (QEMU intremap=on). Absent = true. */
  irSupported: z.boolean().optional(),
  /** A device table is installed (QEMU devtab_len ≠ 0). Absent = true. */
  deviceTablePresent: z.boolean().optional(),
});
export type AmdIrConfig = z.infer<typeof AmdIrConfigSchema>;

export const parseAmdIrConfig = (input: unknown) => parseWith(AmdIrConfigSchema, input);

const amdFault = (cause: FaultCause, trace: Trace, step: string, ref: string, facts: Hop['facts']): Outcome =>
  tracedFault(trace, 'amd-vi', cause, { block: BLOCK, step, ref, facts });

/** IntCtl = 2: look the data's index up in the requester's own table (amdvi_int_remap_legacy / _ga). */
const remap = (cfg: AmdIrConfig, dte: Dte, w: Write, trace: Trace): Outcome => {
  const index = w.data & AMDVI_IRTE_OFFSET;
  // An index the config does not list reads as an all-zero IRTE, i.e. RemapEn = 0.
  const e =
    dte.irtRaw !== undefined
      ? decodeAmdIrte(dte.irtRaw.get(index) ?? 0n, cfg.gaMode ?? false)
      : dte.irt.get(index);
  hop(trace, {
    block: BLOCK,
    step: 'irte-lookup',
    ref: REF_LEGACY,
    facts: { rid: hex(w.rid), index, found: e !== undefined },
  });
  if (e === undefined || !e.remapEn) {
    const o = amdFault(AMDVI_IR_TARGET_ABORT, trace, 'remap-disabled', REF_LEGACY, { index });
    return e?.supIOPF ? unrecorded(o) : o;
  }
  if (e.guestMode) return amdFault(AMDVI_IR_GUEST_MODE, trace, 'guest-mode', REF_LEGACY, { index });
  if ((e.intType ?? 0) > 1)
    return amdFault(AMDVI_IR_INT_TYPE_RESERVED, trace, 'int-type-reserved', REF_LEGACY, {
      index,
      intType: e.intType ?? 0,
    });
  hop(trace, {
    block: BLOCK,
    step: 'remapped',
    ref: REF_LEGACY,
    facts: { index, dest: e.destination, vector: e.vector, intType: e.intType ?? 0 },
  });
  // IntType 0 fixed, 1 arbitrated (lowest priority): the IRTE's, never the request's data[10:8].
  return lapicAccept((e.intType ?? 0) === 1 ? 'lowest-priority' : 'fixed', e.destination, e.vector, trace);
};

/**
 * An interrupt request (a write inside 0xFEE00000–0xFEEFFFFF) through AMD-Vi interrupt remapping,
 * as docs/hardware.md#amd-vi-delivery-step-by-step (QEMU amdvi_mem_ir_write → amdvi_int_remap_msi). The table is selected by
 * the requester's DTE, never by the data: the data only indexes within that device's table.
 */
export const amdInterrupt = (cfg: AmdIrConfig, w: Write, trace: Trace): Outcome => {
  // 0. No device table installed: every request passes unremapped.
  if (cfg.deviceTablePresent === false) {
    hop(trace, { block: BLOCK, step: 'no-device-table', ref: REF_MSI, facts: { rid: hex(w.rid) } });
    return lapicFromCompat(w.addr, w.data, trace);
  }
  // 1. Find the DTE by DeviceID = requester id. A rid with no DTE in the config reads as an all-zero
  //    DTE (IV = 0 → forwarded unremapped); QEMU's IOAPIC devid fallback is only for requests with no
  //    requester id, which a modelled Write never is. (Linux init_device_table sets IV on every devid.)
  const dte = cfg.devices.get(w.rid);
  hop(trace, {
    block: BLOCK,
    step: 'dte-lookup',
    ref: REF_MSI,
    facts: { rid: hex(w.rid), found: dte !== undefined, iv: dte?.iv ?? false },
  });
  if (dte === undefined || !dte.iv) return lapicFromCompat(w.addr, w.data, trace);
  // 1b. IV = 1 but the unit does not implement interrupt remapping.
  if (cfg.irSupported === false)
    return amdFault(AMDVI_IR_NOT_SUPPORTED, trace, 'ir-not-supported', REF_MSI, {});

  // 2. Delivery mode from data[10:8].
  const dlm = deliveryModeOf(w.data);
  switch (dlm) {
    // 3. Fixed or arbitrated: apply IntCtl.
    case DELIVERY_MODE.FIXED:
    case DELIVERY_MODE.LOWEST_PRIORITY:
      hop(trace, { block: BLOCK, step: 'intctl', ref: REF_INTCTL, facts: { intCtl: dte.intCtl } });
      return match(dte.intCtl)
        .with(AMDVI_IR_INTCTL.ABORT, () =>
          amdFault(AMDVI_IR_TARGET_ABORT, trace, 'intctl-abort', REF_INTCTL, { dlm }),
        )
        .with(AMDVI_IR_INTCTL.PASS, () => lapicFromCompat(w.addr, w.data, trace))
        .with(AMDVI_IR_INTCTL.REMAP, () => remap(cfg, dte, w, trace))
        .with(AMDVI_IR_INTCTL.RESERVED, () =>
          amdFault(AMDVI_IR_INTCTL_RESERVED, trace, 'intctl-reserved', REF_INTCTL, {}),
        )
        .exhaustive();
    // 4. NMI / INIT / ExtINT: forwarded unchanged only if the DTE's pass bit is set.
    case DELIVERY_MODE.NMI:
    case DELIVERY_MODE.INIT:
    case DELIVERY_MODE.EXTINT: {
      const passed =
        dlm === DELIVERY_MODE.NMI
          ? dte.pass.nmi
          : dlm === DELIVERY_MODE.INIT
            ? dte.pass.init
            : dte.pass.extint;
      hop(trace, { block: BLOCK, step: 'pass-bit', ref: REF_MSI, facts: { dlm, passed } });
      // Logical destination mode (address bit 2) is refused for these before the pass bit counts.
      if (bits(w.addr, 2, 2) !== 0n)
        return amdFault(AMDVI_IR_DEST_MODE, trace, 'dest-mode', REF_MSI, { dlm });
      if (passed) return lapicFromCompat(w.addr, w.data, trace);
      return amdFault(AMDVI_IR_NOT_ALLOWED, trace, 'not-passed', REF_MSI, { dlm });
    }
    // SMI and the reserved delivery modes (3, 6) are refused.
    default:
      return amdFault(AMDVI_IR_NOT_ALLOWED, trace, 'delivery-mode-refused', REF_MSI, { dlm });
  }
};
