import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { rw } from '../../types/page-map.ts';
import { write32 } from '../../types/write.ts';
import { deliverRiscv } from '../riscv.ts';
import { bswap32 } from '../riscv-aia/imsic.ts';
import { bareDc, testImsic, testRiscv } from '../riscv-fixture.ts';
import type { DeviceContext } from './config.ts';
import { deposit, extract } from './extract.ts';
import { basicPte, mrifPte, validatedPte } from './msi-pte.ts';
import { msiTranslate } from './msi-translate.ts';

// Reference-model test 25 ("MSI write-through mode"): mask 0xFF, pattern 0x280000, GPA
// 0x280000003000 → interrupt file I = 3, PTE at msiptp.PPN·4096 + 3·16. Here the pattern is the
// IMSIC S-file region (page 0x28000) so a basic PTE can point at a real file.
const PT = 0x9_0000n; // MSI page table PPN
const dcFlat = (over: Partial<DeviceContext> = {}) =>
  bareDc({
    iohgatp: { MODE: 'Sv48x4', GSCID: 1, pages: new Map() },
    msiptp: { MODE: 1, PPN: PT },
    msi_addr_mask: 0xffn,
    msi_addr_pattern: 0x28000n,
    ...over,
  });
const pteAt = (i: bigint) => (PT << 12n) | (i * 16n);
const S_FILE = (h: bigint) => 0x28000n + h * 8n; // PPN of hart h's S-file
const rid = 0x10;
const platform = (ptes: [bigint, ReturnType<typeof basicPte>][], over = {}, imsic = testImsic()) =>
  testRiscv({ ddt: new Map([[rid, dcFlat()]]), msiPtes: new Map(ptes), ...over }, imsic);

describe('extract (IOMMU spec MSI address translation step 5; ref model extract())', () => {
  it('packs the bits of x selected by y toward bit 0: abcdefgh, 10100110 → 0000acfg', () => {
    expect(extract(0b10110101n, 0b10100110n)).toBe(0b1110n); // a=1 c=1 f=1 g=0
    expect(extract(0b01001010n, 0b10100110n)).toBe(0b0001n); // a=0 c=0 f=0 g=1
  });
  it('is inverted by deposit over the same mask', () => {
    for (const v of [0n, 1n, 5n, 0xfn]) expect(extract(deposit(v, 0b10100110n), 0b10100110n)).toBe(v);
  });
});

describe('MSI address translation fault sequence (ref model test 25; docs/hardware.md#risc-v-iommu-fault-causes)', () => {
  const gpa = 0x2800_3000n; // I = 3
  const at = (p: ReturnType<typeof platform>) => deliverRiscv(p, write32(rid, gpa, 5));
  it('261 when the PTE read takes an access fault', () => {
    expect(at(platform([], { accessFault: new Set([pteAt(3n)]) }))).toMatchObject({
      kind: 'fault',
      code: 261,
    });
  });
  it('261 when the PTE address is wider than the physical address space', () => {
    const p = testRiscv({
      capabilities: { MSI_FLAT: true, MSI_MRIF: true, PAS: 48, gStage: 'Sv48x4' },
      ddt: new Map([[rid, dcFlat({ msiptp: { MODE: 1, PPN: 1n << 40n } })]]),
    });
    expect(at(p)).toMatchObject({ kind: 'fault', cause: 'MSI_PTE_LOAD_ACCESS_FAULT' });
  });
  it('270 when the PTE read returns poison', () => {
    expect(at(platform([], { poisoned: new Set([pteAt(3n)]) }))).toMatchObject({ code: 270 });
  });
  it('262 when the PTE is not valid (absent memory reads as zero)', () => {
    expect(at(platform([]))).toMatchObject({ cause: 'MSI_PTE_NOT_VALID', code: 262 });
  });
  it('263 for M = 0, M = 2, reserved bits in basic mode, and C = 1', () => {
    for (const dw0 of [0b001n, 0b101n, 0b111n | (1n << 3n), 0b111n | (1n << 63n)]) {
      expect(at(platform([[pteAt(3n), { dw0, dw1: 0n }]]))).toMatchObject({ code: 263 });
    }
  });
  it('succeeds with a valid basic PTE: the write goes to PPN << 12 | A[11:0]', () => {
    expect(at(platform([[pteAt(3n), basicPte(S_FILE(1n))]]))).toEqual({
      kind: 'interrupt',
      controller: 'imsic',
      target: '0.1',
      file: 'S',
      identity: 5,
    });
  });
  it('raises cause 1 for a read-for-execute that hits an interrupt file (iommu issue #206)', () => {
    const p = platform([[pteAt(3n), basicPte(S_FILE(1n))]]);
    const dc = p.iommu.ddt.get(rid) ?? dcFlat();
    expect(msiTranslate(p.iommu, dc, gpa, 'exec', 0, 4, undefined, false)).toMatchObject({
      outcome: { code: 1 },
    });
  });
});

describe('the address match uses the whole 52-bit mask and pattern (IOMMU spec [[MSI_ID]], [[MSI_TRANS]] steps 3-5)', () => {
  // Sv48x4: MGPAW 50. Mask bit 51 (GPA bit 63) lies above MGPAW; under v1.0 it is an ordinary mask bit.
  const dc = dcFlat({ msi_addr_mask: (1n << 51n) | 0x1n, msi_addr_pattern: 0x28000n });
  const gpa = (1n << 63n) | 0x2800_1000n; // page (1 << 51) | 0x28001: I = extract(page, mask) = 0b11
  const at = (specVersion: 'v1.0' | '20260222') =>
    deliverRiscv(
      testRiscv({
        specVersion,
        ddt: new Map([[rid, dc]]),
        msiPtes: new Map([[pteAt(3n), basicPte(S_FILE(1n))]]),
      }),
      write32(rid, gpa, 6),
    );
  it('v1.0: a GPA whose bit 63 is a mask bit matches, and the bit becomes part of I', () => {
    expect(at('v1.0')).toEqual({
      kind: 'interrupt',
      controller: 'imsic',
      target: '0.1',
      file: 'S',
      identity: 6,
    });
  });
  it('20260222: the same mask is misconfigured (259)', () => {
    expect(at('20260222')).toMatchObject({ kind: 'fault', code: 259 });
  });
});

describe('MSI PTE addressing (IOMMU spec MSI address translation steps 6-7)', () => {
  it('forms the PTE address with OR, not addition, so a misaligned table aliases', () => {
    // 9-bit mask → 512 entries; PPN odd → PPN<<12 | 0x1000 collides with I = 256 (256·16 = 0x1000).
    const odd = 0x9_0001n;
    const dc = dcFlat({ msi_addr_mask: 0x1ffn, msi_addr_pattern: 0x28000n, msiptp: { MODE: 1, PPN: odd } });
    const p = testRiscv({
      ddt: new Map([[rid, dc]]),
      msiPtes: new Map([[(odd << 12n) | 0x1000n, basicPte(S_FILE(2n))]]),
    });
    // I = 256 → OR address = odd<<12 | 0x1000 = odd<<12 (bit 12 already set): PTE found.
    expect(deliverRiscv(p, write32(rid, 0x2810_0000n, 4))).toMatchObject({
      kind: 'interrupt',
      target: '0.2',
    });
  });
});

describe('stage ordering (IOMMU spec steps 17-19; docs/invariants.md#the-msi-table-sees-the-first-stage-output)', () => {
  it('tests the first-stage output, not the IOVA, against the MSI pattern', () => {
    const dc = dcFlat({ fsc: { MODE: 'Sv39', pages: new Map([[0x1n, rw(0x28003n)]]) } });
    const p = testRiscv({ ddt: new Map([[rid, dc]]), msiPtes: new Map([[pteAt(3n), basicPte(S_FILE(0n))]]) });
    expect(deliverRiscv(p, write32(rid, 0x1000n, 7))).toMatchObject({
      kind: 'interrupt',
      target: '0.0',
      identity: 7,
    });
  });
  it('faults a write to the raw IMSIC address when the first stage does not map it (RFC v2 patch 05)', () => {
    const dc = dcFlat({ fsc: { MODE: 'Sv39', pages: new Map() } });
    const p = testRiscv({ ddt: new Map([[rid, dc]]), msiPtes: new Map([[pteAt(3n), basicPte(S_FILE(0n))]]) });
    expect(deliverRiscv(p, write32(rid, 0x2800_3000n, 7))).toMatchObject({ kind: 'fault', code: 15 });
  });
  it('never uses the G-stage for an interrupt-file address (step 18 skips step 19)', () => {
    // The G-stage maps the MSI GPA to RAM; the MSI table still wins.
    const dc = dcFlat({ iohgatp: { MODE: 'Sv48x4', GSCID: 1, pages: new Map([[0x28003n, rw(0x80000n)]]) } });
    const p = testRiscv({ ddt: new Map([[rid, dc]]), msiPtes: new Map([[pteAt(3n), basicPte(S_FILE(3n))]]) });
    expect(deliverRiscv(p, write32(rid, 0x2800_3000n, 9))).toMatchObject({
      kind: 'interrupt',
      target: '0.3',
    });
  });
  it('translates a non-matching GPA through the G-stage, and faults 23 when unmapped', () => {
    const dc = dcFlat({ iohgatp: { MODE: 'Sv48x4', GSCID: 1, pages: new Map([[0x5n, rw(0x80005n)]]) } });
    const p = testRiscv({ ddt: new Map([[rid, dc]]) });
    expect(deliverRiscv(p, write32(rid, 0x5010n, 1))).toEqual({ kind: 'memory', pa: 0x8000_5010n, data: 1 });
    expect(deliverRiscv(p, write32(rid, 0x6000n, 1))).toMatchObject({ kind: 'fault', code: 23 });
  });
});

describe('basic mode never validates the data (docs/hardware.md#what-happens-to-the-write-data, docs/hardware.md#msi-encoding-and-no-source-check)', () => {
  it('passes any data through: the IMSIC pends whatever identity the device wrote', () => {
    const p = platform([[pteAt(0n), basicPte(S_FILE(0n))]]);
    for (const data of [1, 2, 40, 63]) {
      expect(deliverRiscv(p, write32(rid, 0x2800_0000n, data))).toMatchObject({
        kind: 'interrupt',
        identity: data,
      });
    }
  });
  it('traces the hops: first stage, MSI match, basic PTE, IMSIC', () => {
    const trace: Hop[] = [];
    deliverRiscv(platform([[pteAt(0n), basicPte(S_FILE(0n))]]), write32(rid, 0x2800_0000n, 1), trace);
    expect(trace.map((h) => h.step)).toEqual(['first-stage-bare', 'msi-match', 'msi-pte-basic', 'seteipnum']);
  });
});

describe('MRIF mode (AIA src/IOMMU.adoc [[IOMMU-MSIPTE-MRIF]] "MSI PTE, MRIF mode")', () => {
  const mrif = mrifPte(0x7000_0200n, S_FILE(2n), 0x412);
  it('records identity D in the MRIF and sends NID to the notice page', () => {
    const out = deliverRiscv(platform([[pteAt(3n), mrif]]), write32(rid, 0x2800_3000n, 17));
    expect(out).toMatchObject({ controller: 'mrif', target: '0x70000200', identity: 17 });
    // NID 0x412 exceeds the S-file's 63 identities: the notice itself is ignored by the IMSIC.
    expect(out).toMatchObject({ notice: { kind: 'dropped', reason: 'imsic-unimplemented-identity' } });
  });
  it('sets bit D mod 64 of pending doubleword D div 64 (16 bytes per 64 identities) and sends NID little-endian to NPPN << 12', () => {
    const small = mrifPte(0x7000_0200n, S_FILE(2n), 5);
    const at = (d: number) => deliverRiscv(platform([[pteAt(3n), small]]), write32(rid, 0x2800_3000n, d));
    expect(at(130)).toEqual({
      kind: 'interrupt',
      controller: 'mrif',
      target: '0x70000200',
      identity: 130,
      mrif: {
        address: 0x7000_0200n,
        pendingDoubleword: 0x7000_0220n,
        bit: 2,
        byteOrder: 'little',
        noticePa: 0x2801_0000n,
        noticeData: 5,
        noticeByteOrder: 'little',
      },
      notice: { kind: 'interrupt', controller: 'imsic', target: '0.2', file: 'S', identity: 5 },
    });
    expect(at(63)).toMatchObject({ mrif: { pendingDoubleword: 0x7000_0200n, bit: 63 } });
    expect(at(64)).toMatchObject({ mrif: { pendingDoubleword: 0x7000_0210n, bit: 0 } });
  });
  it('accepts and discards D > 2047 or an offset with A[11:3] ≠ 0', () => {
    const p = platform([[pteAt(3n), mrif]]);
    expect(deliverRiscv(p, write32(rid, 0x2800_3000n, 2048))).toEqual({
      kind: 'dropped',
      reason: 'mrif-not-an-msi',
    });
    expect(deliverRiscv(p, write32(rid, 0x2800_3008n, 1))).toEqual({
      kind: 'dropped',
      reason: 'mrif-not-an-msi',
    });
  });
  it('does not filter D = 0 (faux pending bit)', () => {
    expect(deliverRiscv(platform([[pteAt(3n), mrif]]), write32(rid, 0x2800_3000n, 0))).toMatchObject({
      identity: 0,
    });
  });
  it('aborts a non-32-bit access as unsupported', () => {
    const w = { ...write32(rid, 0x2800_3000n, 1), size: 2 as const };
    expect(deliverRiscv(platform([[pteAt(3n), mrif]]), w)).toMatchObject({
      cause: 'MRIF_UNSUPPORTED_ACCESS',
    });
  });
  it("reads an aligned 32-bit word as zero (the AIA's preferred choice over an abort) and never records it", () => {
    const p = platform([[pteAt(3n), mrif]]);
    const dc = p.iommu.ddt.get(rid) ?? dcFlat();
    expect(msiTranslate(p.iommu, dc, 0x2800_3000n, 'read', 5, 4, undefined, false)).toEqual({
      kind: 'outcome',
      outcome: { kind: 'dropped', reason: 'mrif-read-zero' },
    });
  });
  it('aborts a misaligned 32-bit access as unsupported', () => {
    expect(deliverRiscv(platform([[pteAt(3n), mrif]]), write32(rid, 0x2800_3002n, 1))).toMatchObject({
      kind: 'fault',
      cause: 'MRIF_UNSUPPORTED_ACCESS',
    });
  });
  it('records D = 2047, the largest identity, and discards D = 2048', () => {
    const p = platform([[pteAt(3n), mrif]]);
    expect(deliverRiscv(p, write32(rid, 0x2800_3000n, 2047))).toMatchObject({
      controller: 'mrif',
      identity: 2047,
    });
    expect(deliverRiscv(p, write32(rid, 0x2800_3000n, 2048))).toMatchObject({ kind: 'dropped' });
  });
  it('A[2] = 1 is a big-endian MSI: recorded byte-swapped when big-endian MSIs are supported, else discarded', () => {
    const be = (d: number) => bswap32(d);
    const le = platform([[pteAt(3n), mrif]]);
    const both = platform([[pteAt(3n), mrif]], {}, { ...testImsic(), beMsi: true });
    expect(deliverRiscv(le, write32(rid, 0x2800_3004n, be(17)))).toEqual({
      kind: 'dropped',
      reason: 'mrif-not-an-msi',
    });
    expect(deliverRiscv(both, write32(rid, 0x2800_3004n, be(17)))).toMatchObject({
      controller: 'mrif',
      identity: 17,
    });
    // D[31:11] is checked on the byte-swapped value: 0x00000800 read big-endian is 0x00080000.
    expect(deliverRiscv(both, write32(rid, 0x2800_3004n, be(2048)))).toMatchObject({ kind: 'dropped' });
    expect(deliverRiscv(both, write32(rid, 0x2800_3004n, 17))).toMatchObject({ kind: 'dropped' });
    // A little-endian MSI at offset 0 is unaffected by big-endian support.
    expect(deliverRiscv(both, write32(rid, 0x2800_3000n, 17))).toMatchObject({
      controller: 'mrif',
      identity: 17,
    });
  });
  it('is misconfigured (263) without capabilities.MSI_MRIF', () => {
    const p = platform([[pteAt(3n), mrif]], {
      capabilities: { MSI_FLAT: true, MSI_MRIF: false, PAS: 56, gStage: 'Sv48x4' },
    });
    expect(deliverRiscv(p, write32(rid, 0x2800_3000n, 1))).toMatchObject({ code: 263 });
  });
});

describe('HYPOTHETICAL validated MSI PTE mode M = 2 (no spec revision; capabilities.MSI_DATA_VALID; docs/hardware.md#msi-pte-formats; riscv-non-isa/riscv-iommu issue #646)', () => {
  const gpa = 0x2800_3000n; // I = 3
  const caps = { MSI_FLAT: true, MSI_MRIF: false, PAS: 56, gStage: 'Sv48x4' as const, MSI_DATA_VALID: true };
  const pte = validatedPte(S_FILE(1n), [2, 5]);
  const at = (data: number, over = {}) =>
    deliverRiscv(platform([[pteAt(3n), pte]], { capabilities: caps, ...over }), write32(rid, gpa, data));
  it('an allowed identity goes to PPN << 12 | A[11:0] like basic mode', () => {
    expect(at(5)).toEqual({ kind: 'interrupt', controller: 'imsic', target: '0.1', file: 'S', identity: 5 });
  });
  it('an identity the bitmap does not allow faults with the model’s MSI_DATA_NOT_ALLOWED, the IPI included', () => {
    for (const data of [1, 3, 64])
      expect(at(data)).toMatchObject({ kind: 'fault', cause: 'MSI_DATA_NOT_ALLOWED' });
  });
  it('without the capability M = 2 stays reserved: 263 as the spec says', () => {
    expect(at(5, { capabilities: { ...caps, MSI_DATA_VALID: undefined } })).toMatchObject({ code: 263 });
  });
});
