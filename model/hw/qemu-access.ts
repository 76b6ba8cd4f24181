/**
 * How QEMU's memory core carries a device access of `size` bytes to an MMIO region: it issues
 * pieces of at most the region's MemoryRegionOps.valid.max_access_size (4 when unset), each bounded
 * by the alignment of its address and rounded down to a power of two (QEMU system/physmem.c
 * flatview_write_continue → memory_access_size); a piece narrower than valid.min_access_size is
 * refused with MEMTX_DECODE_ERROR (system/memory.c memory_region_access_valid). Byte k of the
 * transaction is (data >> 8k) & 0xff for k < 4 and zero beyond (a device write carries one 32-bit
 * MSI value).
 */
export interface Piece {
  readonly addr: bigint;
  readonly size: number;
  /** The piece's bytes as a little-endian value. */
  readonly data: number;
}

const pieceData = (data: number, offset: number, size: number): number => {
  let v = 0;
  for (let k = 0; k < size && offset + k < 4; k++) v |= ((data >>> (8 * (offset + k))) & 0xff) << (8 * k);
  return v >>> 0;
};

/** The pieces of an access; `maxAccess` is valid.max_access_size (0 = unset, 4). */
export const qemuPieces = (addr: bigint, size: number, data: number, maxAccess: number): Piece[] => {
  const max = maxAccess === 0 ? 4 : maxAccess;
  const out: Piece[] = [];
  let offset = 0;
  while (offset < size) {
    const a = addr + BigInt(offset);
    let l = Math.min(size - offset, max);
    const align = Number(a & -a);
    if (align !== 0 && align < l) l = align;
    l = 2 ** Math.floor(Math.log2(l));
    out.push({ addr: a, size: l, data: pieceData(data, offset, l) });
    offset += l;
  }
  return out;
};
