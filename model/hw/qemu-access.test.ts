import { describe, expect, it } from 'vitest';
import { qemuPieces } from './qemu-access.ts';

// QEMU system/physmem.c flatview_write_continue → memory_access_size: each piece is at most
// valid.max_access_size (4 when unset), at most the alignment of its address, rounded down to a power
// of two; byte k of the access is (data >> 8k) & 0xff for k < 4 and zero beyond.
describe('qemuPieces boundaries (QEMU system/physmem.c memory_access_size)', () => {
  it('an empty access has no pieces', () => {
    expect(qemuPieces(0x1000n, 0, 0xffff_ffff, 4)).toEqual([]);
  });
  it('max_access_size 8 lets an aligned 8-byte access through whole; bytes 4..7 are zero', () => {
    expect(qemuPieces(0x1000n, 8, 0xddcc_bbaa, 8)).toEqual([{ addr: 0x1000n, size: 8, data: 0xddcc_bbaa }]);
  });
  it('max_access_size 2 splits a 4-byte write into two halves carrying bytes 0-1 and 2-3', () => {
    expect(qemuPieces(0x1000n, 4, 0xddcc_bbaa, 2)).toEqual([
      { addr: 0x1000n, size: 2, data: 0xbbaa },
      { addr: 0x1002n, size: 2, data: 0xddcc },
    ]);
  });
  it('a 3-byte access rounds down to a power of two: 2 then 1', () => {
    expect(qemuPieces(0x1000n, 3, 0x00cc_bbaa, 4)).toEqual([
      { addr: 0x1000n, size: 2, data: 0xbbaa },
      { addr: 0x1002n, size: 1, data: 0xcc },
    ]);
  });
  it('address 0 has no alignment bound (a & −a = 0): one 4-byte piece', () => {
    expect(qemuPieces(0n, 4, 0x8000_0001, 4)).toEqual([{ addr: 0n, size: 4, data: 0x8000_0001 }]);
  });
  it('an alignment equal to the length does not shorten the piece; a smaller one does', () => {
    expect(qemuPieces(0x1004n, 4, 1, 4).map((p) => p.size)).toEqual([4]);
    expect(qemuPieces(0x1002n, 4, 1, 4).map((p) => p.size)).toEqual([2, 2]);
  });
  it('a misaligned 8-byte access with max 8: bytes beyond the 32-bit value are zero, and data stays unsigned', () => {
    expect(qemuPieces(0x1002n, 8, 0xddcc_bbaa, 8)).toEqual([
      { addr: 0x1002n, size: 2, data: 0xbbaa },
      { addr: 0x1004n, size: 4, data: 0xddcc },
      { addr: 0x1008n, size: 2, data: 0 },
    ]);
    expect(qemuPieces(0x1000n, 4, 0xffff_ffff, 4)).toEqual([{ addr: 0x1000n, size: 4, data: 0xffff_ffff }]);
  });
});
