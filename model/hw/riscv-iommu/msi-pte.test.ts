import { describe, expect, it } from 'vitest';
import { deposit, extract } from './extract.ts';
import {
  basicPte,
  basicReserved,
  INVALID_PTE,
  MSI_PTE_MODE_BASIC,
  MSI_PTE_MODE_MRIF,
  MSI_PTE_MODE_VALIDATED,
  MsiPteSchema,
  mrifAddress,
  mrifNid,
  mrifNppn,
  mrifPte,
  mrifReserved,
  pteC,
  pteM,
  ptePpn,
  pteV,
  validatedAllows,
  validatedPte,
} from './msi-pte.ts';

// RISC-V IOMMU spec v1.0.1, "MSI page table entry" (basic translate mode: V = bit 0, M = bits 2:1,
// PPN = bits 53:10, C = bit 63, every other dw0 bit reserved; MRIF mode: MRIF address[55:9] =
// dw0[53:7], NID[9:0] = dw1[9:0], NPPN = dw1[53:10], NID[10] = dw1[60]). Expected values are the
// field positions of those figures.
const bitsOf = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const B = (n: number) => 1n << BigInt(n);

describe('MSI PTE fields (IOMMU spec, MSI page table entry formats)', () => {
  it('M encodings: 1 = MRIF, 3 = basic translate; 2 is the model’s hypothetical validated mode', () => {
    expect([MSI_PTE_MODE_MRIF, MSI_PTE_MODE_BASIC, MSI_PTE_MODE_VALIDATED]).toEqual([1n, 3n, 2n]);
  });
  it('V is dw0 bit 0, C is dw0 bit 63, nothing else', () => {
    for (let n = 0; n < 64; n++) {
      const p = { dw0: B(n), dw1: 0n };
      expect([n, pteV(p), pteC(p)]).toEqual([n, n === 0, n === 63]);
    }
  });
  it('M is dw0 bits 2:1', () => {
    expect([0n, 2n, 4n, 6n, 8n, 1n].map((dw0) => pteM({ dw0, dw1: 0n }))).toEqual([0n, 1n, 2n, 3n, 0n, 0n]);
  });
  it('PPN is dw0 bits 53:10: bit 9 and bit 54 are outside it', () => {
    expect(ptePpn({ dw0: B(10), dw1: 0n })).toBe(1n);
    expect(ptePpn({ dw0: B(53), dw1: 0n })).toBe(B(43));
    expect(ptePpn({ dw0: B(9) | B(54), dw1: 0n })).toBe(0n);
    expect(ptePpn({ dw0: (1n << 64n) - 1n, dw1: 0n })).toBe((1n << 44n) - 1n);
  });
  it('basic mode: each dw0 bit outside V, M, PPN, C is reserved; dw1 is ignored', () => {
    const allowed = new Set([0, 1, 2, ...bitsOf(10, 53), 63]);
    for (let n = 0; n < 64; n++) {
      expect([n, basicReserved({ dw0: B(n), dw1: 0n })]).toEqual([n, !allowed.has(n)]);
    }
    expect(basicReserved({ dw0: 0b111n, dw1: (1n << 64n) - 1n })).toBe(false);
  });
  it('MRIF mode: each dw0 bit outside V, M, MRIF address[53:7], C is reserved', () => {
    const allowed = new Set([0, 1, 2, ...bitsOf(7, 53), 63]);
    for (let n = 0; n < 64; n++) {
      expect([n, mrifReserved({ dw0: B(n), dw1: 0n })]).toEqual([n, !allowed.has(n)]);
    }
  });
  it('MRIF mode: each dw1 bit outside NID[9:0], NPPN[53:10], NID[10] at bit 60 is reserved', () => {
    const allowed = new Set([...bitsOf(0, 53), 60]);
    for (let n = 0; n < 64; n++) {
      expect([n, mrifReserved({ dw0: 0b011n, dw1: B(n) })]).toEqual([n, !allowed.has(n)]);
    }
  });
  it('MRIF address = dw0[53:7] << 9; NPPN = dw1[53:10]; NID = dw1[9:0] | dw1[60] << 10', () => {
    expect(mrifAddress({ dw0: B(7), dw1: 0n })).toBe(B(9));
    expect(mrifAddress({ dw0: B(53), dw1: 0n })).toBe(B(55));
    expect(mrifAddress({ dw0: B(6) | B(54), dw1: 0n })).toBe(0n);
    expect(mrifNppn({ dw0: 0n, dw1: B(10) | B(53) | B(9) | B(54) })).toBe(1n | B(43));
    expect(mrifNid({ dw0: 0n, dw1: 0x3ffn })).toBe(0x3ff);
    expect(mrifNid({ dw0: 0n, dw1: B(60) })).toBe(0x400);
    expect(mrifNid({ dw0: 0n, dw1: B(10) | B(59) | B(61) })).toBe(0);
  });
});

describe('MSI PTE constructors (IOMMU spec, MSI page table entry formats)', () => {
  it('basicPte sets V = 1, M = 3 and PPN in dw0[53:10], dw1 = 0', () => {
    expect(basicPte(0x12345n)).toEqual({ dw0: 0b111n | (0x12345n << 10n), dw1: 0n });
    expect(INVALID_PTE).toEqual({ dw0: 0n, dw1: 0n });
  });
  it('mrifPte places MRIF address[55:9], NPPN and the 11-bit NID, splitting NID[10] to dw1[60]', () => {
    expect(mrifPte(0x8000_0200n, 0x777n, 0x7ff)).toEqual({
      dw0: 0b011n | ((0x8000_0200n >> 9n) << 7n),
      dw1: 0x3ffn | (0x777n << 10n) | B(60),
    });
    expect(mrifPte(0n, 0n, 0x400)).toEqual({ dw0: 0b011n, dw1: B(60) });
    const p = mrifPte(0x1234_5600n, 0xabcn, 0x5a5);
    expect([mrifAddress(p), mrifNppn(p), mrifNid(p), mrifReserved(p)]).toEqual([
      0x1234_5600n,
      0xabcn,
      0x5a5,
      false,
    ]);
  });
  it('validatedPte (hypothetical M = 2): dw1 is the bitmap of allowed identities', () => {
    const p = validatedPte(0x28000n, [1, 5, 63]);
    expect(p).toEqual({ dw0: 0b101n | (0x28000n << 10n), dw1: B(1) | B(5) | B(63) });
    expect([-1, 0, 1, 4, 5, 6, 63, 64].map((d) => validatedAllows(p, d))).toEqual([
      false,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    // identity 64 would read bit 64 of a 64-bit doubleword: out of range even if the value had it.
    expect(validatedAllows({ dw0: 0n, dw1: B(64) }, 64)).toBe(false);
    expect(validatedAllows({ dw0: 0n, dw1: 1n }, 0)).toBe(true);
  });
  it('the schema takes unsigned 64-bit doublewords: 0 and 2^64 − 1 pass, −1 and 2^64 are rejected', () => {
    expect(MsiPteSchema.safeParse({ dw0: 0n, dw1: (1n << 64n) - 1n }).success).toBe(true);
    expect(MsiPteSchema.safeParse({ dw0: -1n, dw1: 0n }).success).toBe(false);
    expect(MsiPteSchema.safeParse({ dw0: 0n, dw1: 1n << 64n }).success).toBe(false);
  });
});

describe('extract / deposit (IOMMU spec MSI address translation step 5; reference model extract())', () => {
  it('an empty mask extracts nothing and a full mask is the identity', () => {
    expect(extract(0xffffn, 0n)).toBe(0n);
    expect(extract(0xa5n, 0xffn)).toBe(0xa5n);
    expect(deposit(0xffffn, 0n)).toBe(0n);
    expect(deposit(0xa5n, 0xffn)).toBe(0xa5n);
  });
  it('skips unselected low bits and takes high ones: mask 0x100 picks bit 8 as bit 0', () => {
    expect(extract(0x100n, 0x100n)).toBe(1n);
    expect(extract(0x0ffn, 0x100n)).toBe(0n);
    expect(extract(0x500n, 0xf00n)).toBe(5n);
    expect(deposit(1n, 0x100n)).toBe(0x100n);
    expect(deposit(5n, 0xf00n)).toBe(0x500n);
  });
  it('deposit drops value bits beyond the popcount of the mask', () => {
    expect(deposit(0b111n, 0b1010n)).toBe(0b1010n);
    expect(deposit(0b100n, 0b1010n)).toBe(0n);
  });
  it('works for bit 63 of a 64-bit mask', () => {
    expect(extract(B(63), B(63) | 1n)).toBe(0b10n);
    expect(deposit(0b10n, B(63) | 1n)).toBe(B(63));
  });
});
