import { describe, expect, it } from 'vitest';
import { bit, bits, hex, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, pageOf } from './addr.ts';
import { hop } from './hop.ts';

/** Address arithmetic: 4 KiB pages (RISC-V Privileged spec, Sv39 "pages are 4 KiB"; Arm and x86 translation granule 4 KiB). */
describe('pages and bit fields', () => {
  it('a page is 4 KiB: shift 12, size 0x1000, mask 0xfff', () => {
    expect([PAGE_SHIFT, PAGE_SIZE, PAGE_MASK]).toEqual([12n, 0x1000n, 0xfffn]);
    expect(pageOf(0xfffn)).toBe(0n);
    expect(pageOf(0x1000n)).toBe(1n);
    expect(pageOf(0x2800_1fffn)).toBe(0x28001n);
  });

  it('bit n of x, each side of the bit', () => {
    expect([bit(0b100n, 1), bit(0b100n, 2), bit(0b100n, 3)]).toEqual([false, true, false]);
    expect(bit(1n << 63n, 63)).toBe(true);
    expect(bit(0b11n, 0)).toBe(true);
  });

  it('bits hi..lo inclusive, shifted down', () => {
    expect(bits(0xabcdn, 7, 4)).toBe(0xcn);
    expect(bits(0xabcdn, 15, 8)).toBe(0xabn);
    expect(bits(0xabcdn, 3, 3)).toBe(1n);
    expect(bits(0xabcdn, 2, 2)).toBe(1n);
    expect(bits(0xabcdn, 1, 1)).toBe(0n);
    expect(bits(0xffff_ffffn, 31, 0)).toBe(0xffff_ffffn);
  });

  it('hex is lower case with 0x, for bigint and number', () => {
    expect(hex(0xfee00000n)).toBe('0xfee00000');
    expect(hex(255)).toBe('0xff');
    expect(hex(0)).toBe('0x0');
  });
});

describe('hop', () => {
  it('records a hop only into a trace that is passed', () => {
    const h = { block: 'b', step: 's', ref: 'r', facts: { a: 1 } };
    const trace: (typeof h)[] = [];
    hop(trace, h);
    hop(undefined, h);
    expect(trace).toEqual([h]);
  });
});
