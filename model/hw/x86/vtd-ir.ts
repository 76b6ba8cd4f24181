import { match } from 'ts-pattern';
import { z } from 'zod';
import { bit, bits, hex } from '../../types/addr.ts';
import { type Hop, hop, type Trace } from '../../types/hop.ts';
import { dropped, type FaultCause, type Outcome, tracedFault, unrecorded } from '../../types/outcome.ts';
import { parseWith } from '../../types/validate.ts';
import type { Write } from '../../types/write.ts';
import {
  VTD_FR_IR_ENTRY_P,
  VTD_FR_IR_INDEX_OVER,
  VTD_FR_IR_IRTE_RSVD,
  VTD_FR_IR_REQ_COMPAT,
  VTD_FR_IR_REQ_RSVD,
  VTD_FR_IR_SID_ERR,
} from './causes.ts';
import { deliveryModeName, lapicAccept, lapicFromCompat } from './window.ts';

const BLOCK = 'vtd-ir';
const REF_REMAP = 'QEMU hw/i386/intel_iommu.c vtd_interrupt_remap_msi';
const REF_IRTE_GET = 'QEMU hw/i386/intel_iommu.c vtd_irte_get';

const u8 = z.number().int().min(0).max(0xff);
const twoBits = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);

/** IRTE fields the decision depends on (QEMU include/hw/i386/intel_iommu.h union VTD_IR_TableEntry). */
const IrteCommon = z.object({
  present: z.boolean(),
  /** Fault Processing Disable: only suppresses fault *recording*; the request is still blocked. */
  fpd: z.boolean().default(false),
  vector: u8,
  dest: z.number().int().min(0).max(0xffffffff),
  /** Source-id Validation Type: 0 none, 1 SID under SQ mask, 2 bus range, 3 reserved. */
  svt: twoBits,
  /** Source-id Qualifier: how many low function bits SVT = 1 ignores. */
  sq: twoBits,
  sid: z.number().int().min(0).max(0xffff),
  /** Any reserved bit of the 128-bit IRTE non-zero (decodeIrte computes it from the bits). */
  reservedSet: z.boolean().default(false),
});

/** Remapped format only: DLM, the delivery mode (bits 7:5; encoded as MSI data[10:8]). Absent = 0, fixed. */
const dlmField = z.number().int().min(0).max(7).optional();

/** IM = 0: remapped to the LAPIC; IM = 1: posted (Linux intel_ir_set_vcpu_affinity; docs/hardware.md#intel-vt-d-interrupt-remapping). */
export const IrteSchema = z.discriminatedUnion('im', [
  IrteCommon.extend({ im: z.literal(0), dlm: dlmField }),
  IrteCommon.extend({
    im: z.literal(1),
    /** Posted-interrupt descriptor address (pda_h:pda_l). */
    pda: z
      .bigint()
      .min(0n)
      .max((1n << 64n) - 1n),
    /** Virtual vector posted into the descriptor. */
    vvector: u8,
  }),
]);
export type Irte = z.infer<typeof IrteSchema>;

/** Unit-wide interrupt-remapping state plus the IRT (GSTS.IRES/CFIS, IRTA.EIME, IRTA.S). */
export const VtdIrConfigSchema = z.object({
  /** GSTS.IRES: interrupt remapping enabled. */
  ires: z.boolean(),
  /** GSTS.CFIS: compatibility-format interrupts allowed through (Linux clears GCMD.CFI). */
  cfis: z.boolean(),
  /** IRTA.EIME: x2APIC mode (32-bit destination ids). */
  eime: z.boolean(),
  /** Number of IRT entries (2^(IRTA.S+1) on hardware; any size here). */
  irtSize: z.number().int().min(0).max(0x10000),
  irt: z.map(z.number().int().min(0).max(0xffff), IrteSchema),
});
export type VtdIrConfig = z.infer<typeof VtdIrConfigSchema>;

export const parseVtdIrConfig = (input: unknown) => parseWith(VtdIrConfigSchema, input);

/** SVT = 1 requester-id masks indexed by SQ (QEMU vtd_svt_mask; Linux SQ_ALL_16 … SQ_13_IGNORE_3). */
export const VTD_SQ_MASK = [0xffff, 0xfffb, 0xfff9, 0xfff8] as const;

const vtdFault = (cause: FaultCause, trace: Trace, step: string, ref: string, facts: Hop['facts']): Outcome =>
  tracedFault(trace, 'vtd', cause, { block: BLOCK, step, ref, facts });

/** Interrupt index of a remappable-format request (QEMU union VTD_IR_MSIAddress; VT-d 5.1.2.2 / 5.1.3). */
export const vtdHandle = (addr: bigint): number =>
  Number(bits(addr, 19, 5)) | (Number(bits(addr, 2, 2)) << 15);

/**
 * The source-id check of an IRTE against the write's requester id (QEMU vtd_irte_get;
 * docs/hardware.md#vt-d-delivery-step-by-step, step 8). True when the request may use the entry.
 */
export const vtdSidOk = (e: Irte, rid: number): boolean =>
  match(e.svt)
    .with(0, () => true)
    .with(1, () => (rid & VTD_SQ_MASK[e.sq]) === (e.sid & VTD_SQ_MASK[e.sq]))
    // SVT=2: the requester's bus must lie in [StartBus#, EndBus#] held in SID[15:8] and SID[7:0]
    // (VT-d spec "Interrupt Remapping Table Entry"; Linux set_irte_verify_bus writes
    // (start_bus << 8) | end_bus). QEMU's vtd_irte_get reads the two bytes the other way round.
    .with(2, () => {
      const bus = rid >>> 8;
      return bus >= e.sid >>> 8 && bus <= (e.sid & 0xff);
    })
    .with(3, () => false)
    .exhaustive();

/** IRTE fields by their VT-d names, as software writes them (absent = 0). */
export interface IrteFields {
  readonly P: boolean;
  readonly FPD?: boolean | undefined;
  readonly DM?: number | undefined;
  readonly RH?: number | undefined;
  readonly TM?: number | undefined;
  readonly DLM?: number | undefined;
  readonly IM?: number | undefined;
  readonly vector?: number | undefined;
  readonly DST?: number | undefined;
  readonly SID?: number | undefined;
  readonly SQ?: number | undefined;
  readonly SVT?: number | undefined;
}

/**
 * The 128-bit IRTE as two 64-bit halves, remapped-format positions (Linux include/linux/dmar.h
 * struct irte: present 0, fpd 1, dst_mode 2, redir_hint 3, trigger_mode 4, dlvry_mode 7:5, pst (IM)
 * 15, vector 23:16, dest_id 63:32; sid 79:64, sq 81:80, svt 83:82), with `reservedBits` (0–127) set.
 */
export const encodeIrte = (
  f: IrteFields,
  reservedBits: readonly number[] = [],
): { lo: bigint; hi: bigint } => {
  const b = (v: number | boolean | undefined, at: number): bigint => BigInt(Number(v ?? 0)) << BigInt(at);
  let lo =
    b(f.P, 0) |
    b(f.FPD, 1) |
    b(f.DM, 2) |
    b(f.RH, 3) |
    b(f.TM, 4) |
    b(f.DLM, 5) |
    b(f.IM, 15) |
    b(f.vector, 16);
  lo |= b(f.DST, 32);
  let hi = b(f.SID, 0) | b(f.SQ, 16) | b(f.SVT, 18);
  for (const n of reservedBits) {
    if (n < 64) lo |= 1n << BigInt(n);
    else hi |= 1n << BigInt(n - 64);
  }
  return { lo, hi };
};

/** Bits that must be zero: remapped mode 14:12, 31:24, 127:84; posted mode 7:2, 13:12, 37:24, 95:84. */
const RSVD_REMAPPED = { lo: (0x7n << 12n) | (0xffn << 24n), hi: ((1n << 44n) - 1n) << 20n };
const RSVD_POSTED = { lo: (0x3fn << 2n) | (0x3n << 12n) | (((1n << 14n) - 1n) << 24n), hi: 0xfffn << 20n };

/**
 * Reads an IRTE from its two halves (Linux struct irte). IM (bit 15) selects the layout: remapped
 * (vector, dest_id) or posted (p_vector, pda_l 63:38 and pda_h 127:96 = the posted-interrupt
 * descriptor address bits 31:6 and 63:32). Reserved bits of the selected layout set `reservedSet`.
 */
export const decodeIrte = (lo: bigint, hi: bigint): Irte => {
  const common = {
    present: bit(lo, 0),
    fpd: bit(lo, 1),
    vector: Number(bits(lo, 23, 16)),
    dest: Number(bits(lo, 63, 32)),
    sid: Number(bits(hi, 15, 0)),
    sq: Number(bits(hi, 17, 16)) as 0 | 1 | 2 | 3,
    svt: Number(bits(hi, 19, 18)) as 0 | 1 | 2 | 3,
  };
  if (!bit(lo, 15)) {
    const reservedSet = (lo & RSVD_REMAPPED.lo) !== 0n || (hi & RSVD_REMAPPED.hi) !== 0n;
    return { ...common, im: 0, reservedSet, dlm: Number(bits(lo, 7, 5)) };
  }
  const reservedSet = (lo & RSVD_POSTED.lo) !== 0n || (hi & RSVD_POSTED.hi) !== 0n;
  const pda = (bits(hi, 63, 32) << 32n) | (bits(lo, 63, 38) << 6n);
  return { ...common, im: 1, reservedSet, pda, vvector: common.vector };
};

/**
 * An interrupt request (a write inside 0xFEE00000–0xFEEFFFFF) through the VT-d interrupt-remapping
 * unit, as docs/hardware.md#vt-d-delivery-step-by-step (QEMU vtd_mem_ir_write → vtd_interrupt_remap_msi → vtd_irte_get).
 * The caller has already decided the write is in the window.
 */
export const vtdInterrupt = (cfg: VtdIrConfig, w: Write, trace: Trace): Outcome => {
  // 0. IR disabled (GSTS.IRES = 0): every request is compatibility format, straight to the LAPIC.
  if (!cfg.ires) {
    hop(trace, {
      block: BLOCK,
      step: 'ir-disabled',
      ref: 'Intel VT-d spec ch. 5 Interrupt Remapping (GSTS.IRES = 0)',
      facts: { rid: w.rid },
    });
    return lapicFromCompat(w.addr, w.data, trace);
  }
  // 1. Address bits 63:32 must be 0 (unreachable from the 0xFEE window; kept for direct callers).
  if (w.addr >> 32n !== 0n) {
    return vtdFault(VTD_FR_IR_REQ_RSVD, trace, 'addr-hi-reserved', REF_REMAP, { addr: hex(w.addr) });
  }
  // 2. Interrupt format, address bit 4: 0 = compatibility. Passes only with CFIS = 1 and EIME = 0.
  if (!bit(w.addr, 4)) {
    if (cfg.cfis && !cfg.eime) {
      hop(trace, {
        block: BLOCK,
        step: 'compat-passthrough',
        ref: 'Linux drivers/iommu/intel/irq_remapping.c iommu_enable_irq_remapping (CFIS warning)',
        facts: { rid: w.rid, unsafe: true },
      });
      return lapicFromCompat(w.addr, w.data, trace);
    }
    return vtdFault(
      VTD_FR_IR_REQ_COMPAT,
      trace,
      'compat-blocked',
      'QEMU intel_iommu_internal.h VTD_FR_IR_REQ_COMPAT',
      {
        cfis: cfg.cfis,
        eime: cfg.eime,
      },
    );
  }
  // 3. Remappable format: handle = addr[19:5] | addr[2] << 15; SHV = addr[3]. With SHV the data's
  //    low 16 bits are a sub-handle added to the handle.
  const handle = vtdHandle(w.addr);
  const shv = bit(w.addr, 3);
  const index = shv ? handle + (w.data & 0xffff) : handle;
  hop(trace, { block: BLOCK, step: 'index', ref: REF_REMAP, facts: { handle, shv, index } });
  // 5. Index beyond the table → 0x21.
  if (index >= cfg.irtSize) {
    return vtdFault(VTD_FR_IR_INDEX_OVER, trace, 'index-over', REF_IRTE_GET, { index, irtSize: cfg.irtSize });
  }
  // 6. Read the IRTE; an entry the config does not list is all-zero, hence not present → 0x22.
  //    From here on IRTE.FPD suppresses fault recording, "even not present" (QEMU vtd_irte_get).
  const e = cfg.irt.get(index);
  const qualified = (o: Outcome): Outcome => (e?.fpd ? unrecorded(o) : o);
  if (e === undefined || !e.present) {
    return qualified(
      vtdFault(VTD_FR_IR_ENTRY_P, trace, 'irte-not-present', REF_IRTE_GET, { index, fpd: e?.fpd ?? false }),
    );
  }
  // 7. Reserved bits in a present IRTE → 0x24.
  if (e.reservedSet) {
    return qualified(
      vtdFault(VTD_FR_IR_IRTE_RSVD, trace, 'irte-reserved', REF_IRTE_GET, { index, fpd: e.fpd }),
    );
  }
  // 8. Source-id validation by SVT / SQ / SID → 0x26 on failure.
  const sidOk = vtdSidOk(e, w.rid);
  hop(trace, {
    block: BLOCK,
    step: 'sid-check',
    ref: REF_IRTE_GET,
    facts: { index, rid: hex(w.rid), svt: e.svt, sq: e.sq, sid: hex(e.sid), ok: sidOk },
  });
  if (!sidOk)
    return qualified(vtdFault(VTD_FR_IR_SID_ERR, trace, 'sid-mismatch', REF_IRTE_GET, { index, fpd: e.fpd }));
  // 9. After the IRTE, with SHV data[31:16] must be 0 → 0x20 (QEMU checks it after vtd_remap_irq_get;
  //    IRTE.FPD does not qualify it).
  if (shv && w.data >>> 16 !== 0) {
    return vtdFault(VTD_FR_IR_REQ_RSVD, trace, 'data-hi-reserved', REF_REMAP, { data: hex(w.data) });
  }
  // 10. Deliver: IM = 1 posts the virtual vector to the descriptor; IM = 0 goes to the LAPIC
  //    (destination = IRTE.dest in x2APIC mode, dest[15:8] in xAPIC mode) with the IRTE's DLM as
  //    its delivery mode: the request's own data[10:8] never counts (VT-d ch. 5, remappable
  //    format; QEMU vtd_remap_irq_get copies irte.delivery_mode). A reserved DLM reaches the LAPIC
  //    as such and raises nothing (QEMU does not check it either).
  return match(e)
    .with({ im: 1 }, (p): Outcome => {
      hop(trace, {
        block: BLOCK,
        step: 'posted',
        ref: 'Linux drivers/iommu/intel/irq_remapping.c intel_ir_set_vcpu_affinity',
        facts: { index, pda: hex(p.pda), vvector: p.vvector },
      });
      return { kind: 'interrupt', controller: 'posted', target: hex(p.pda), identity: p.vvector };
    })
    .with({ im: 0 }, (r): Outcome => {
      const dest = cfg.eime ? r.dest : (r.dest >>> 8) & 0xff;
      const dlm = r.dlm ?? 0;
      hop(trace, {
        block: BLOCK,
        step: 'remapped',
        ref: REF_REMAP,
        facts: { index, dest, vector: r.vector, eime: cfg.eime, dlm },
      });
      const mode = deliveryModeName(dlm);
      if (mode === undefined) return dropped('lapic-reserved-delivery-mode');
      return lapicAccept(mode, dest, r.vector, trace);
    })
    .exhaustive();
};
