import { z } from 'zod';
import { bit, bits } from '../../types/addr.ts';

/**
 * A 16-byte MSI page-table entry as its two doublewords (AIA, "MSI page tables";
 * docs/hardware.md#msi-pte-formats). The layout is kept bit-exact because behaviour depends on it: V = dw0[0], M = dw0[2:1],
 * C = dw0[63]; basic mode PPN = dw0[53:10]; MRIF mode MRIF address[55:9] = dw0[53:7],
 * NID[9:0] = dw1[9:0], NPPN = dw1[53:10], NID[10] = dw1[60].
 */
const U64 = z
  .bigint()
  .min(0n)
  .max((1n << 64n) - 1n);
export const MsiPteSchema = z.object({ dw0: U64, dw1: U64 });
export type MsiPte = z.infer<typeof MsiPteSchema>;

export const MSI_PTE_MODE_MRIF = 1n;
export const MSI_PTE_MODE_BASIC = 3n;
/** HYPOTHETICAL validated mode (capabilities.MSI_DATA_VALID): basic-mode dw0, dw1 = allowed identities 0..63 as a bitmap. */
export const MSI_PTE_MODE_VALIDATED = 2n;

const PPN_FIELD = ((1n << 44n) - 1n) << 10n; // dw0[53:10]
const MRIF_FIELD = ((1n << 47n) - 1n) << 7n; // dw0[53:7]
const V_M_C = 0b111n | (1n << 63n);
const DW1_MRIF_FIELDS = 0x3ffn | PPN_FIELD | (1n << 60n);

export const pteV = (p: MsiPte): boolean => bit(p.dw0, 0);
export const pteM = (p: MsiPte): bigint => bits(p.dw0, 2, 1);
export const pteC = (p: MsiPte): boolean => bit(p.dw0, 63);
export const ptePpn = (p: MsiPte): bigint => bits(p.dw0, 53, 10);
/** Basic mode: every dw0 bit other than V, M, PPN, C is reserved (dw1 is ignored). */
export const basicReserved = (p: MsiPte): boolean => (p.dw0 & ~(V_M_C | PPN_FIELD)) !== 0n;
/** MRIF mode: reserved bits of dw0 and dw1. */
export const mrifReserved = (p: MsiPte): boolean =>
  (p.dw0 & ~(V_M_C | MRIF_FIELD)) !== 0n || (p.dw1 & ~DW1_MRIF_FIELDS) !== 0n;
export const mrifAddress = (p: MsiPte): bigint => bits(p.dw0, 53, 7) << 9n;
export const mrifNppn = (p: MsiPte): bigint => bits(p.dw1, 53, 10);
export const mrifNid = (p: MsiPte): number => Number(bits(p.dw1, 9, 0) | (bits(p.dw1, 60, 60) << 10n));

/** A valid basic-translate (write-through) PTE pointing at physical page `ppn`. */
export const basicPte = (ppn: bigint): MsiPte => ({
  dw0: 1n | (MSI_PTE_MODE_BASIC << 1n) | (ppn << 10n),
  dw1: 0n,
});

/** A valid MRIF-mode PTE: MRIF at `mrifAddr` (512-byte aligned), notice MSI to page `nppn` with `nid`. */
export const mrifPte = (mrifAddr: bigint, nppn: bigint, nid: number): MsiPte => ({
  dw0: 1n | (MSI_PTE_MODE_MRIF << 1n) | ((mrifAddr >> 9n) << 7n),
  dw1: BigInt(nid & 0x3ff) | (nppn << 10n) | (BigInt((nid >> 10) & 1) << 60n),
});

export const INVALID_PTE: MsiPte = { dw0: 0n, dw1: 0n };

/** HYPOTHETICAL: a validated PTE (M = 2) to page `ppn` allowing only the identities in `allowed` (each 1..63). */
export const validatedPte = (ppn: bigint, allowed: Iterable<number>): MsiPte => {
  let dw1 = 0n;
  for (const id of allowed) dw1 |= 1n << BigInt(id);
  return { dw0: 1n | (MSI_PTE_MODE_VALIDATED << 1n) | (ppn << 10n), dw1 };
};
/** Whether a validated PTE allows identity `data`. */
export const validatedAllows = (p: MsiPte, data: number): boolean =>
  data >= 0 && data < 64 && bit(p.dw1, data);
