/**
 * extract(x, y): the bits of x where y is 1, packed toward bit 0 in order (a PEXT). IOMMU spec,
 * MSI address translation step 5; the C reference model's extract() in iommu_msi_trans.c.
 */
export const extract = (x: bigint, y: bigint): bigint => {
  let out = 0n;
  let pos = 0n;
  for (let i = 0n; y >> i !== 0n; i++) {
    if ((y >> i) & 1n) {
      out |= ((x >> i) & 1n) << pos;
      pos++;
    }
  }
  return out;
};

/** deposit(v, y): the inverse of extract: spreads the low bits of v over the 1-bits of y (a PDEP). */
export const deposit = (v: bigint, y: bigint): bigint => {
  let out = 0n;
  let pos = 0n;
  for (let i = 0n; y >> i !== 0n; i++) {
    if ((y >> i) & 1n) {
      out |= ((v >> pos) & 1n) << i;
      pos++;
    }
  }
  return out;
};
