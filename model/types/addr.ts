/** Addresses are bigint everywhere in the model; data words are 32-bit unsigned numbers. */
export const PAGE_SHIFT = 12n;
export const PAGE_SIZE = 1n << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1n;

/** Page number of an address (addr >> 12). */
export const pageOf = (addr: bigint): bigint => addr >> PAGE_SHIFT;
/** Bit `n` of `x` as a boolean. */
export const bit = (x: bigint, n: number): boolean => ((x >> BigInt(n)) & 1n) === 1n;
/** Bits hi..lo of `x`, inclusive, shifted down. */
export const bits = (x: bigint, hi: number, lo: number): bigint =>
  (x >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
/** Canonical lower-case hex rendering with `0x` prefix (used in ids and witnesses). */
export const hex = (x: bigint | number): string => `0x${x.toString(16)}`;
