import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RiscvIommuConfig, SPEC_VERSIONS, type SpecVersion } from '../../model/hw/riscv-iommu/config.ts';
import { type IommuResult, riscvIommuTranslate } from '../../model/hw/riscv-iommu/translate.ts';
import type { Access, PageEntry } from '../../model/types/page-map.ts';
import type { Write } from '../../model/types/write.ts';
import { type RiscvMsiCase, riscvMsiCaseArb } from '../arbitraries/hw/riscv-msi.ts';
import { HW_RUNS, pairSeed, SEED } from '../settings.ts';

/*
 * The RISC-V IOMMU block (riscvIommuTranslate) against the spec's translation process restated
 * below, step by step, from the RISC-V IOMMU specification (riscv-non-isa/riscv-iommu, tag 20260222
 * and tag v1.0.1, src/iommu_data_structures.adoc: [[P2IOVA]] "Process to translate an IOVA",
 * [[GET_DC]], [[DC_MISCONFIG]], [[MSI_ID]], [[MSI_TRANS]]; fault codes from
 * src/iommu_in_memory_queues.adoc [[FAULT_CAUSE]]), the AIA specification (riscv/riscv-aia
 * src/IOMMU.adoc "MSI PTE, basic translate mode" and [[IOMMU-MSIPTE-MRIF]]) and the Privileged
 * specification (riscv/riscv-isa-manual src/priv/supervisor.adoc [[sv32algorithm]], [[pteperm]];
 * src/priv/hypervisor.adoc [[norm:H_vm_gpatrans]]). Nothing here calls the model's helpers; it reads
 * only the configuration the block is given.
 *
 * What both sides leave out (so the generator never produces it): page tables are leaf maps (no
 * radix walk, no A/D/U/G bits), DC checks other than the MSI-related ones, process contexts
 * (PDTV is always 0), and PTEs naming pages beyond capabilities.PAS.
 */

/** What the spec says happens to the access, plus a tag for coverage (not compared). */
type SpecOutcome =
  | { kind: 'pa'; pa: bigint }
  | { kind: 'mrif'; file: bigint; mrifAddr: bigint; identity: number; nppn: bigint; nid: number }
  | { kind: 'fault'; cause: number }
  /** AIA MRIF mode: "the access should be aborted as unsupported" (no IOMMU CAUSE is named). */
  | { kind: 'aborted-unsupported' }
  /** AIA MRIF mode: "the incoming write is accepted but discarded". */
  | { kind: 'discarded' }
  /** AIA MRIF mode: a naturally aligned 32-bit read "should preferably return zero". */
  | { kind: 'read-zero' };
type Tagged = { outcome: SpecOutcome; why: string };

const field = (x: bigint, hi: number, lo: number): bigint =>
  (x >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
const fault = (cause: number, why: string): Tagged => ({ outcome: { kind: 'fault', cause }, why });

/** [[FAULT_CAUSE]]: page faults 12/13/15 and guest-page faults 20/21/23 by the original access type. */
const PAGE_FAULT: Record<Access, number> = { exec: 12, read: 13, write: 15 };
const GUEST_PAGE_FAULT: Record<Access, number> = { exec: 20, read: 21, write: 23 };

/**
 * [[MSI_ID]]: "If capabilities.Sv57x4 is 1, then MGPAW = 59; else if Sv48x4 ... 50; else if Sv39x4
 * ... 41; else if Sv32x4 ... 34; otherwise MGPAW = capabilities.PAS." The configuration names the
 * widest G-stage mode implemented, which is the first of these tests to succeed.
 */
const MGPAW_BY_WIDEST = { Sv57x4: 59, Sv48x4: 50, Sv39x4: 41, Sv32x4: 34 } as const;
const specMgpaw = (c: RiscvIommuConfig): number =>
  c.capabilities.gStage === 'Bare' ? c.capabilities.PAS : MGPAW_BY_WIDEST[c.capabilities.gStage];

/**
 * [[MSI_TRANS]] step 5: "extract(x, y) discards all bits from x whose matching bits in the same
 * positions in the mask y are zeros, and packs the remaining bits from x contiguously at the
 * least-significant end of the result, keeping the same bit order".
 */
const specExtract = (x: bigint, y: bigint): bigint => {
  const kept: bigint[] = [];
  for (let i = 0; i < 64; i++) if (field(y, i, i) === 1n) kept.push(field(x, i, i));
  return kept.reduce((acc, b, k) => acc | (b << BigInt(k)), 0n);
};

/**
 * One leaf of a Sv39/Sv39x4/Sv48x4 table (Privileged spec [[sv32algorithm]]): step 3, "If pte.v=0,
 * or if pte.r=0 and pte.w=1 ... raise a page-fault exception"; step 5, the access must be allowed by
 * pte.r / pte.w / pte.x. A page with no leaf is pte.v = 0; X=W=R=0 is a pointer past the last level
 * (step 4, i < 0). Returns the physical address, or the reason for the fault.
 */
const specLeaf = (
  pages: ReadonlyMap<bigint, PageEntry>,
  addr: bigint,
  access: Access,
): { pa: bigint } | { why: string } => {
  const pte = pages.get(addr >> 12n);
  if (pte === undefined) return { why: 'v=0' };
  if (!pte.r && pte.w) return { why: 'w-without-r' };
  const allowed = access === 'read' ? pte.r : access === 'write' ? pte.w : pte.x;
  if (!allowed) return { why: 'permission' };
  return { pa: (pte.ppn << 12n) | field(addr, 11, 0) };
};

const byteSwap = (d: number): number => {
  const b = [d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24];
  return ((b[0] ?? 0) * 0x1000000 + (b[1] ?? 0) * 0x10000 + (b[2] ?? 0) * 0x100 + (b[3] ?? 0)) >>> 0;
};

/** [[MSI_TRANS]] for GPA `A` (steps 3-16), then the AIA's MRIF store; undefined: not an interrupt file. */
const specMsiTranslation = (
  c: RiscvIommuConfig,
  msi: { PPN: bigint; mask: bigint; pattern: bigint },
  A: bigint,
  w: Write,
  access: Access,
  bigEndianMsi: boolean,
): Tagged | undefined => {
  // Steps 3-4 with [[MSI_ID]]: an access to a virtual interrupt file iff
  // (A >> 12) & ~msi_addr_mask = (msi_addr_pattern & ~msi_addr_mask).
  const notMask = ~msi.mask;
  if (((A >> 12n) & notMask) !== (msi.pattern & notMask)) return undefined;
  const highMaskBits = msi.mask >> BigInt(specMgpaw(c) - 12) !== 0n ? '+mask-above-mgpaw' : '';
  // Step 5: I = extract(A >> 12, DC.msi_addr_mask).
  const I = specExtract(A >> 12n, msi.mask);
  // Steps 6-7: msipte = the sixteen bytes at (msiptp.PPN × 2^12) | (I × 16). "If accessing msipte
  // violates a PMA or PMP check ... 261": there is no memory at or beyond 2^PAS, and the case marks
  // other violations in accessFault.
  const at = (msi.PPN * 4096n) | (I * 16n);
  if (at >= 2n ** BigInt(c.capabilities.PAS) || c.accessFault.has(at)) return fault(261, 'msi-pte-pma');
  // Step 8: poisoned data → 270.
  if (c.poisoned.has(at)) return fault(270, 'msi-pte-poisoned');
  const { dw0, dw1 } = c.msiPtes.get(at) ?? { dw0: 0n, dw1: 0n };
  // Step 9: V (dw0 bit 0) = 0 → 262. AIA: bit 0 of the first doubleword is V.
  if (field(dw0, 0, 0) === 0n) return fault(262, 'msi-pte-invalid');
  // Step 10: C (dw0 bit 63) = 1 is implementation-defined; this suite pins the reference model's
  // choice (iommu_ref_model msi_address_translation: "MSI PTE misconfigured").
  if (field(dw0, 63, 63) === 1n) return fault(263, 'msi-pte-custom');
  // Step 12: M (dw0 bits 2:1) = 0 or 2 → 263.
  const M = field(dw0, 2, 1);
  if (M === 0n || M === 2n) return fault(263, 'msi-pte-mode-reserved');
  // Step 15 (after step 13 or 14): permissions as a second-stage PTE with R = W = U = 1, X = 0: "If
  // the transaction is an Untranslated or Translated read-for-execute then stop and report
  // Instruction access fault (cause = 1)."
  if (M === 3n) {
    // Step 13, basic translate mode. AIA: dw0 holds C (63), PPN (53:10), M (2:1), V (0); "All other
    // bits of the first doubleword are reserved"; "The second doubleword is ignored".
    if (field(dw0, 62, 54) !== 0n || field(dw0, 9, 3) !== 0n) return fault(263, 'msi-pte-basic-reserved');
    if (access === 'exec') return fault(1, 'msi-exec');
    // "Compute the translated address as msipte.PPN << 12 | A[11:0]."
    return {
      outcome: { kind: 'pa', pa: (field(dw0, 53, 10) << 12n) | field(A, 11, 0) },
      why: `msi-basic${highMaskBits}`,
    };
  }
  // Step 14, MRIF mode: without capabilities.MSI_MRIF → 263. AIA: dw0 holds C, MRIF Address[55:9]
  // (53:7), M, V; dw1 holds NID[10] (60), NPPN (53:10), NID[9:0] (9:0); "All other PTE bits are
  // reserved".
  if (!c.capabilities.MSI_MRIF) return fault(263, 'msi-pte-mrif-unsupported');
  if (
    field(dw0, 62, 54) !== 0n ||
    field(dw0, 6, 3) !== 0n ||
    field(dw1, 63, 61) !== 0n ||
    field(dw1, 59, 54) !== 0n
  )
    return fault(263, 'msi-pte-mrif-reserved');
  if (access === 'exec') return fault(1, 'msi-exec');
  // AIA [[IOMMU-MSIPTE-MRIF]]: "If a memory access, read or write, is not for 32 bits of data, or if
  // the access address is not aligned to a 4-byte boundary ..., the access should be aborted as
  // unsupported. For a naturally aligned 32-bit read, the IOMMU should preferably return zero ... but
  // may alternatively abort the access" (this suite pins the preferred choice).
  if (w.size !== 4 || A % 4n !== 0n)
    return { outcome: { kind: 'aborted-unsupported' }, why: 'mrif-unsupported' };
  if (access === 'read') return { outcome: { kind: 'read-zero' }, why: 'mrif-read' };
  // "The data of an incoming MSI is assumed to be in little-endian byte order if bit 2 of the
  // destination address is zero, and in big-endian byte order if bit 2 ... is one." "If either
  // A[11:3] or D[31:11] is not zero, or if bit 2 of A is one and big-endian MSIs are not supported,
  // then the incoming write is accepted but discarded."
  const bigEndian = field(A, 2, 2) === 1n;
  const D = bigEndian ? byteSwap(w.data) : w.data;
  if (field(A, 11, 3) !== 0n || D >= 2048 || (bigEndian && !bigEndianMsi))
    return { outcome: { kind: 'discarded' }, why: 'mrif-discarded' };
  // "... setting the interrupt-pending bit that corresponds to the interrupt identity D in the
  // destination MRIF" at "msipte.MRIF_Address[55:9] * 512"; then the notice MSI, NID zero-extended,
  // to NPPN << 12.
  const mrif: SpecOutcome = {
    kind: 'mrif',
    file: I,
    mrifAddr: field(dw0, 53, 7) * 512n,
    identity: D,
    nppn: field(dw1, 53, 10),
    nid: Number((field(dw1, 60, 60) << 10n) | field(dw1, 9, 0)),
  };
  return { outcome: mrif, why: bigEndian ? 'mrif-be' : 'mrif-le' };
};

/** [[P2IOVA]] for an untranslated request from device_id = w.rid. */
const specTranslate = (c: RiscvIommuConfig, w: Write, access: Access, bigEndianMsi: boolean): Tagged => {
  // Step 1: ddtp.iommu_mode == Off → "All inbound transactions disallowed" (256).
  if (c.ddtp.iommu_mode === 'Off') return fault(256, 'ddtp-off');
  // Step 2: Bare (an untranslated request is allowed): the translated address is the IOVA.
  if (c.ddtp.iommu_mode === 'Bare') return { outcome: { kind: 'pa', pa: w.addr }, why: 'ddtp-bare' };
  // Step 6, [[GET_DC]]: "If DC.tc.V == 0, stop and report DDT entry not valid (cause = 258)"; a
  // device_id without a DC reads an invalid entry.
  const dc = c.ddt.get(w.rid);
  if (dc === undefined || !dc.tc.V) return fault(258, 'dc-invalid');
  // [[GET_DC]] then [[DC_MISCONFIG]]: the checks on the MSI fields, which exist only in the
  // extended format (capabilities.MSI_FLAT = 1, steps 3-4).
  if (c.capabilities.MSI_FLAT) {
    // "capabilities.MSI_FLAT is 1 and DC.msiptp.MODE is not Off and not Flat" (Off = 0, Flat = 1).
    if (dc.msiptp.MODE !== 0 && dc.msiptp.MODE !== 1) return fault(259, 'msiptp-mode');
    // "If any bits or encodings that are reserved ... are set": msiptp bits 59:44 (PPN is 43:0).
    if (dc.msiptp.PPN >= 2n ** 44n) return fault(259, 'msiptp-reserved');
    // msi_addr_mask/pattern: bits 63:52 are reserved in both revisions.
    if (dc.msi_addr_mask >= 2n ** 52n || dc.msi_addr_pattern >= 2n ** 52n) return fault(259, 'mask-63-52');
    if (c.specVersion !== 'v1.0') {
      // Tag 20250828 on (commit 3d1b810): "if MGPAW < 64, then bits 51 : MGPAW - 12 are reserved".
      const low = 2n ** BigInt(specMgpaw(c) - 12);
      if (specMgpaw(c) < 64 && (dc.msi_addr_mask >= low || dc.msi_addr_pattern >= low))
        return fault(259, 'mask-above-mgpaw');
      // Tag 20260222 (commit 6302ebe): "When DC.iohgatp.MODE is Bare, DC.msiptp.MODE must be set to
      // Off ... Implementations are recommended to stop and report 259".
      if (dc.iohgatp.MODE === 'Bare' && dc.msiptp.MODE !== 0) return fault(259, 'bare-g-stage-msiptp');
    }
  }
  // Step 7: "Transaction has a valid process_id and DC.tc.PDTV is 0" → 260.
  if (w.pid !== undefined && !dc.tc.PDTV) return fault(260, 'pid-without-pdtv');
  // Step 17: first stage (iosatp = DC.fsc since PDTV = 0); its faults are page faults.
  let A = w.addr;
  if (dc.fsc.MODE !== 'Bare') {
    const r = specLeaf(dc.fsc.pages, w.addr, access);
    if ('why' in r) return fault(PAGE_FAULT[access], `first-stage-${r.why}`);
    A = r.pa;
  }
  // Step 18: "If MSI address translations using MSI page tables is enabled (i.e., DC.msiptp.MODE !=
  // Off)" — a base-format DC has no msiptp, so MSI translation is off.
  if (c.capabilities.MSI_FLAT && dc.msiptp.MODE !== 0) {
    const m = specMsiTranslation(
      c,
      { PPN: dc.msiptp.PPN, mask: dc.msi_addr_mask, pattern: dc.msi_addr_pattern },
      A,
      w,
      access,
      bigEndianMsi,
    );
    if (m !== undefined) return m;
  }
  // Step 19: second stage; its faults are guest-page faults (Privileged spec [[norm:H_vm_gpatrans]]).
  if (dc.iohgatp.MODE === 'Bare') return { outcome: { kind: 'pa', pa: A }, why: 'g-stage-bare' };
  const r = specLeaf(dc.iohgatp.pages, A, access);
  if ('why' in r) return fault(GUEST_PAGE_FAULT[access], `g-stage-${r.why}`);
  return { outcome: { kind: 'pa', pa: r.pa }, why: 'g-stage' };
};

/** The block's result in the same terms. */
const observed = (r: IommuResult): SpecOutcome => {
  switch (r.kind) {
    case 'pa':
      return { kind: 'pa', pa: r.pa };
    case 'mrif':
      return {
        kind: 'mrif',
        file: r.file,
        mrifAddr: r.mrifAddr,
        identity: r.identity,
        nppn: r.nppn,
        nid: r.nid,
      };
    case 'outcome': {
      const o = r.outcome;
      if (o.kind === 'fault') {
        expect(o.arch).toBe('riscv-iommu');
        return o.cause === 'MRIF_UNSUPPORTED_ACCESS'
          ? { kind: 'aborted-unsupported' }
          : { kind: 'fault', cause: o.code };
      }
      if (o.kind === 'dropped') {
        if (o.reason === 'mrif-read-zero') return { kind: 'read-zero' };
        expect(o.reason).toBe('mrif-not-an-msi');
        return { kind: 'discarded' };
      }
      throw new Error(`the IOMMU block returned a delivery outcome: ${o.kind}`);
    }
    default: {
      const never: never = r;
      throw new Error(`unknown result ${String(never)}`);
    }
  }
};

/** Runs per spec version: eight times the hardware budget (2400 by default, MSISPEC_HW_RUNS scales it). */
const RUNS = 8 * HW_RUNS;
const seedOf = (version: SpecVersion): number => pairSeed(SEED, 'riscv-msi-translation', version);

/** Outcomes the generator must reach, in both revisions and in each, so the bias is checked. */
const REACHED_IN_BOTH = [
  'msi-basic',
  'mrif-le',
  'mrif-discarded',
  'mrif-unsupported',
  'msi-exec',
  'msi-pte-invalid',
  'msi-pte-custom',
  'msi-pte-mode-reserved',
  'msi-pte-basic-reserved',
  'msi-pte-mrif-reserved',
  'msi-pte-mrif-unsupported',
  'msi-pte-pma',
  'msi-pte-poisoned',
  'mask-63-52',
  'msiptp-mode',
  'msiptp-reserved',
  'g-stage',
  'g-stage-w-without-r',
  'g-stage-permission',
  'first-stage-w-without-r',
  'first-stage-permission',
  'dc-invalid',
  'pid-without-pdtv',
  'ddtp-off',
  'ddtp-bare',
] as const;
const MUST_REACH: Record<SpecVersion, readonly string[]> = {
  // v1.0: a basic translation through mask bits 51:MGPAW−12, big-endian MRIF stores, a Bare G-stage.
  'v1.0': [...REACHED_IN_BOTH, 'msi-basic+mask-above-mgpaw', 'mrif-be', 'g-stage-bare'],
  '20260222': [...REACHED_IN_BOTH, 'mask-above-mgpaw', 'bare-g-stage-msiptp'],
};

const show = (k: RiscvMsiCase): string =>
  JSON.stringify(k, (_, v) =>
    typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof Map ? [...v] : v instanceof Set ? [...v] : v,
  );

describe('RISC-V IOMMU MSI translation against the spec steps (IOMMU spec [[P2IOVA]], [[MSI_TRANS]]; AIA [[IOMMU-MSIPTE-MRIF]])', () => {
  it.each(SPEC_VERSIONS)(
    'spec %s: riscvIommuTranslate gives the outcome the spec steps give, for random device contexts, MSI tables and accesses',
    (version) => {
      fc.assert(
        fc.property(riscvMsiCaseArb(version), (k) => {
          const spec = specTranslate(k.iommu, k.write, k.access, k.bigEndianMsi);
          const got = observed(riscvIommuTranslate(k.iommu, k.write, k.access, undefined, k.bigEndianMsi));
          expect(got, `${spec.why}: ${show(k)}`).toEqual(spec.outcome);
        }),
        { seed: seedOf(version), numRuns: RUNS },
      );
    },
  );
  it.each(SPEC_VERSIONS)(
    'spec %s: the generator reaches every outcome the property is meant to exercise (in a fixed sample of 2400)',
    (version) => {
      const reached = new Map<string, number>();
      for (const k of fc.sample(riscvMsiCaseArb(version), { seed: seedOf(version), numRuns: 2400 })) {
        const why = specTranslate(k.iommu, k.write, k.access, k.bigEndianMsi).why;
        reached.set(why, (reached.get(why) ?? 0) + 1);
      }
      const missing = MUST_REACH[version].filter((why) => !reached.has(why));
      expect(missing, `reached: ${JSON.stringify(Object.fromEntries(reached))}`).toEqual([]);
    },
  );
});
