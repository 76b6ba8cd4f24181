import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import type { Access } from '../../types/page-map.ts';
import { bareDc, testIommu } from '../riscv-fixture.ts';
import type { DeviceContext, RiscvIommuConfig } from './config.ts';
import { basicPte, type MsiPte, mrifPte, validatedPte } from './msi-pte.ts';
import { isMsiAddress, msiTranslate } from './msi-translate.ts';

// Whole results and traces of msiTranslate, one rule of RISC-V IOMMU spec v1.0.1 "MSI address
// translation" (and the AIA's "MSI PTE, MRIF mode") per test; the expected values follow from the
// rule's arithmetic on the inputs below, not from a run of the model.
const PT = 0x9_0000n; // msiptp.PPN
const dc = (over: Partial<DeviceContext> = {}): DeviceContext =>
  bareDc({ msiptp: { MODE: 1, PPN: PT }, msi_addr_mask: 0xffn, msi_addr_pattern: 0x28000n, ...over });
const GPA = 0x2800_3000n; // page 0x28003: file I = extract(0x28003, 0xff) = 3
const PTE3 = (PT << 12n) | (3n * 16n); // step 7: msiptp.PPN << 12 | I × 16 = 0x90000030
const iommu = (ptes: [bigint, MsiPte][], over: Partial<RiscvIommuConfig> = {}) =>
  testIommu({ msiPtes: new Map(ptes), ...over });
const run = (
  c: RiscvIommuConfig,
  opts: { d?: DeviceContext; gpa?: bigint; access?: Access; data?: number; size?: number; be?: boolean } = {},
) => {
  const trace: Hop[] = [];
  const result = msiTranslate(
    c,
    opts.d ?? dc(),
    opts.gpa ?? GPA,
    opts.access ?? 'write',
    opts.data ?? 5,
    opts.size ?? 4,
    trace,
    opts.be ?? false,
  );
  return { result, steps: trace.map((h) => h.step), last: trace.at(-1) };
};
const REF = 'RISC-V IOMMU spec v1.0.1, MSI address translation [[MSI_TRANS]]';
const matchHop = (gpa: bigint, file: number): Hop => ({
  block: 'riscv-iommu',
  step: 'msi-match',
  ref: `${REF}, address match and step 5 (extract)`,
  facts: { gpa: `0x${gpa.toString(16)}`, file },
});
const fault = (cause: string, code: number) => ({
  kind: 'outcome',
  outcome: { kind: 'fault', arch: 'riscv-iommu', cause, code },
});

describe('interrupt-file address match (IOMMU spec, [[MSI_ID]]: (A >> 12) & ~mask == pattern & ~mask)', () => {
  it('only msiptp.MODE = Flat (1) translates: Off (0) and any other mode are not MSI', () => {
    for (const MODE of [0, 2, 15]) expect(isMsiAddress(dc({ msiptp: { MODE, PPN: PT } }), GPA)).toBe(false);
    expect(isMsiAddress(dc(), GPA)).toBe(true);
  });
  it('pages 0x28000 and 0x280ff match; 0x27fff and 0x28100 (one page either side) do not', () => {
    expect([0x27fffn, 0x28000n, 0x280ffn, 0x28100n].map((p) => isMsiAddress(dc(), p << 12n))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
  it('the page offset A[11:0] never takes part, and pattern bits under the mask are ignored', () => {
    expect(isMsiAddress(dc(), 0x2800_0fffn)).toBe(true);
    expect(isMsiAddress(dc({ msi_addr_pattern: 0x280ffn }), 0x2800_0000n)).toBe(true);
    expect(isMsiAddress(dc({ msi_addr_pattern: 0x280ffn, msi_addr_mask: 0x7fn }), 0x2800_0000n)).toBe(false);
  });
  it('a non-matching GPA returns not-msi and records no hop', () => {
    expect(run(iommu([]), { gpa: 0x2810_0000n })).toEqual({
      result: { kind: 'not-msi' },
      steps: [],
      last: undefined,
    });
  });
});

describe('step 7: the PTE load (IOMMU spec [[MSI_TRANS]] step 7; fault causes 261, 270, 262)', () => {
  it('a PTE address of 2^PAS − 16 is loaded (here: absent, so not valid: 262); 2^PAS is an access fault (261)', () => {
    // PPN 2^44 − 1 with I = 255 gives (2^56 − 4096) | 0xff0 = 2^56 − 16 under PAS = 56.
    const top = dc({ msiptp: { MODE: 1, PPN: (1n << 44n) - 1n } });
    const last = run(iommu([]), { d: top, gpa: 0x280ff000n });
    expect(last.result).toEqual(fault('MSI_PTE_NOT_VALID', 262));
    expect(last.last?.facts).toEqual({ file: 255, pte: '0xfffffffffffff0', fault: 'MSI_PTE_NOT_VALID' });
    const over = run(iommu([]), { d: dc({ msiptp: { MODE: 1, PPN: 1n << 44n } }), gpa: 0x28000000n });
    expect(over.result).toEqual(fault('MSI_PTE_LOAD_ACCESS_FAULT', 261));
    expect(over.steps).toEqual(['msi-match', 'msi-pte-load-fault']);
    expect(over.last?.facts).toEqual({ pte: '0x100000000000000', fault: 'MSI_PTE_LOAD_ACCESS_FAULT' });
  });
  it('an access fault on the exact PTE address is 261; one on the neighbouring entry is not', () => {
    expect(run(iommu([], { accessFault: new Set([PTE3]) })).result).toEqual(
      fault('MSI_PTE_LOAD_ACCESS_FAULT', 261),
    );
    expect(run(iommu([], { accessFault: new Set([PTE3 + 16n]) })).result).toEqual(
      fault('MSI_PTE_NOT_VALID', 262),
    );
  });
  it('poison on the PTE is 270 (MSI PT data corruption), recorded with the PTE address', () => {
    const r = run(iommu([[PTE3, basicPte(0x28001n)]], { poisoned: new Set([PTE3]) }));
    expect(r.result).toEqual(fault('MSI_PT_DATA_CORRUPTION', 270));
    expect(r.steps).toEqual(['msi-match', 'msi-pte-poisoned']);
    expect(r.last?.facts).toEqual({ pte: '0x90000030', fault: 'MSI_PT_DATA_CORRUPTION' });
  });
});

describe('basic translate mode (IOMMU spec, msipte.M == 3)', () => {
  it('writes to PPN << 12 | A[11:0], file I, with the match and PTE hops', () => {
    const r = run(iommu([[PTE3, basicPte(0x28001n)]]), { gpa: GPA | 0xabcn });
    expect(r.result).toEqual({ kind: 'pa', pa: 0x2800_1abcn, file: 3n });
    expect(r.steps).toEqual(['msi-match', 'msi-pte-basic']);
    expect(r.last).toEqual({
      block: 'riscv-iommu',
      step: 'msi-pte-basic',
      ref: `${REF}, msipte.M == 3 (basic translate mode)`,
      facts: { file: 3, pte: '0x90000030', pa: '0x28001abc' },
    });
  });
  it('a read is translated like a write; a read-for-execute is an instruction access fault (1)', () => {
    expect(run(iommu([[PTE3, basicPte(0x28001n)]]), { access: 'read' }).result).toEqual({
      kind: 'pa',
      pa: 0x2800_1000n,
      file: 3n,
    });
    const x = run(iommu([[PTE3, basicPte(0x28001n)]]), { access: 'exec' });
    expect(x.result).toEqual(fault('INSTRUCTION_ACCESS_FAULT', 1));
    expect(x.steps).toEqual(['msi-match', 'msi-exec']);
  });
  it('the trace starts with the match hop naming the GPA and file', () => {
    const trace: Hop[] = [];
    msiTranslate(iommu([[PTE3, basicPte(0x28001n)]]), dc(), GPA, 'write', 5, 4, trace, false);
    expect(trace[0]).toEqual(matchHop(GPA, 3));
  });
  it('C = 1 is misconfigured (263, reference model), checked before M', () => {
    const r = run(iommu([[PTE3, { dw0: basicPte(0x28001n).dw0 | (1n << 63n), dw1: 0n }]]));
    expect(r.result).toEqual(fault('MSI_PTE_MISCONFIGURED', 263));
    expect(r.last?.facts).toEqual({
      file: 3,
      pte: '0x90000030',
      why: 'C = 1',
      fault: 'MSI_PTE_MISCONFIGURED',
    });
  });
  it('M = 0 and (without the capability) M = 2 are reserved: 263 naming M, before the exec rule', () => {
    for (const [m, why] of [
      [0n, 'M = 0'],
      [2n, 'M = 2'],
    ] as const) {
      const r = run(iommu([[PTE3, { dw0: 1n | (m << 1n), dw1: 0n }]]), { access: 'exec' });
      expect(r.result).toEqual(fault('MSI_PTE_MISCONFIGURED', 263));
      expect(r.last?.facts?.why).toBe(why);
    }
  });
});

describe('HYPOTHETICAL validated mode M = 2 (capabilities.MSI_DATA_VALID; riscv-non-isa/riscv-iommu issue #646)', () => {
  const caps = { MSI_FLAT: true, MSI_MRIF: false, PAS: 56, gStage: 'Sv48x4' as const, MSI_DATA_VALID: true };
  const pte = validatedPte(0x28001n, [2, 5]);
  const c = (p: MsiPte = pte) => iommu([[PTE3, p]], { capabilities: caps });
  it('reserved dw0 bits (bit 3) and a read-for-execute are misconfigured (263), each naming why', () => {
    const res = run(c({ dw0: pte.dw0 | 8n, dw1: pte.dw1 }));
    expect(res.result).toEqual(fault('MSI_PTE_MISCONFIGURED', 263));
    expect(res.last?.facts?.why).toBe('reserved bits');
    const x = run(c(), { access: 'exec' });
    expect(x.result).toEqual(fault('MSI_PTE_MISCONFIGURED', 263));
    expect(x.last?.facts?.why).toBe('read-for-execute');
  });
  it('a write of an allowed identity goes to PPN << 12 | A[11:0]; a disallowed one faults naming the data', () => {
    const ok = run(c(), { data: 5, gpa: GPA | 4n });
    expect(ok.result).toEqual({ kind: 'pa', pa: 0x2800_1004n, file: 3n });
    expect(ok.last?.facts).toEqual({ file: 3, pte: '0x90000030', pa: '0x28001004', data: 5 });
    const no = run(c(), { data: 4 });
    expect(no.result).toEqual(fault('MSI_DATA_NOT_ALLOWED', 0x300));
    expect(no.last?.facts).toEqual({ file: 3, pte: '0x90000030', data: 4, fault: 'MSI_DATA_NOT_ALLOWED' });
  });
  it('a basic PTE (M = 3) under the capability passes any data through, unchecked', () => {
    const r = run(c(basicPte(0x28001n)), { data: 4 });
    expect(r.result).toEqual({ kind: 'pa', pa: 0x2800_1000n, file: 3n });
  });
  it('a read carries no data and is not checked against the bitmap', () => {
    expect(run(c(), { access: 'read', data: 4 }).result).toEqual({ kind: 'pa', pa: 0x2800_1000n, file: 3n });
  });
});

describe('MRIF mode (AIA, IOMMU chapter, MSI PTE, MRIF mode)', () => {
  const mrif = mrifPte(0x8000_0200n, 0x28002n, 0x401);
  it('an aligned 32-bit write of D records D and notifies NID at NPPN, little-endian for A[2] = 0', () => {
    const r = run(iommu([[PTE3, mrif]]), { data: 2047 });
    expect(r.result).toEqual({
      kind: 'mrif',
      file: 3n,
      mrifAddr: 0x8000_0200n,
      identity: 2047,
      nppn: 0x28002n,
      nid: 0x401,
      byteOrder: 'little',
    });
    expect(r.last?.facts).toEqual({ file: 3, identity: 2047, bigEndian: false });
  });
  it('sizes 1, 2 and 8 and offsets 1, 2, 3 are aborted as unsupported; the exec rule comes first', () => {
    for (const size of [1, 2, 8]) {
      expect(run(iommu([[PTE3, mrif]]), { size }).result).toEqual(fault('MRIF_UNSUPPORTED_ACCESS', 0));
    }
    for (const off of [1n, 2n, 3n]) {
      expect(run(iommu([[PTE3, mrif]]), { gpa: GPA | off }).result).toEqual(
        fault('MRIF_UNSUPPORTED_ACCESS', 0),
      );
    }
    expect(run(iommu([[PTE3, mrif]]), { access: 'exec', size: 2 }).result).toEqual(
      fault('INSTRUCTION_ACCESS_FAULT', 1),
    );
  });
  it('an aligned 32-bit read returns zero (dropped, recorded as mrif-read-zero)', () => {
    const r = run(iommu([[PTE3, mrif]]), { access: 'read' });
    expect(r.result).toEqual({ kind: 'outcome', outcome: { kind: 'dropped', reason: 'mrif-read-zero' } });
    expect(r.steps).toEqual(['msi-match', 'mrif-read-zero']);
  });
  it('A[11:3] ≠ 0 (each of bits 3 and 11) or D[31:11] ≠ 0 (D = 2048) is accepted but discarded', () => {
    for (const [gpa, data] of [
      [GPA | 8n, 1],
      [GPA | 0x800n, 1],
      [GPA, 2048],
      [GPA, 0x8000_0000],
    ] as const) {
      expect(run(iommu([[PTE3, mrif]]), { gpa, data }).result).toEqual({
        kind: 'outcome',
        outcome: { kind: 'dropped', reason: 'mrif-not-an-msi' },
      });
    }
  });
  it('A[2] = 1 is big-endian: D byte-swapped when supported, discarded when not', () => {
    const be = run(iommu([[PTE3, mrif]]), { gpa: GPA | 4n, data: 0x0500_0000, be: true });
    expect(be.result).toEqual({
      kind: 'mrif',
      file: 3n,
      mrifAddr: 0x8000_0200n,
      identity: 5,
      nppn: 0x28002n,
      nid: 0x401,
      byteOrder: 'big',
    });
    const no = run(iommu([[PTE3, mrif]]), { gpa: GPA | 4n, data: 0x0500_0000, be: false });
    expect(no.result).toEqual({ kind: 'outcome', outcome: { kind: 'dropped', reason: 'mrif-not-an-msi' } });
    expect(no.last?.facts).toEqual({
      gpa: '0x28003004',
      data: 0x0500_0000,
      bigEndian: true,
      bigEndianMsi: false,
    });
  });
  it('reserved bits and a missing MSI_MRIF capability are misconfigured (263), each naming why', () => {
    const res = run(iommu([[PTE3, { dw0: mrif.dw0 | 8n, dw1: mrif.dw1 }]]));
    expect(res.result).toEqual(fault('MSI_PTE_MISCONFIGURED', 263));
    expect(res.last?.facts?.why).toBe('reserved bits');
    const cap = run(
      iommu([[PTE3, mrif]], { capabilities: { MSI_FLAT: true, MSI_MRIF: false, PAS: 56, gStage: 'Sv48x4' } }),
    );
    expect(cap.result).toEqual(fault('MSI_PTE_MISCONFIGURED', 263));
    expect(cap.last?.facts?.why).toBe('M = 1 without capabilities.MSI_MRIF');
  });
});
