import { describe, expect, it } from 'vitest';
import {
  alignUp,
  firstIntersecting,
  holes,
  intersects,
  lowestBit,
  roundupPowOfTwo,
  spans,
  ULONG_MAX,
} from './interval.ts';

const r = (start: bigint, last: bigint) => ({ start, last });
const used = (start: bigint, last: bigint) => ({ start, last, used: true });
const hole = (start: bigint, last: bigint) => ({ start, last, used: false });

describe('inclusive intervals (include/linux/interval_tree.h, lib/interval_tree.c)', () => {
  it('ULONG_MAX is 2^64 - 1 (64-bit unsigned long)', () => {
    expect(ULONG_MAX).toBe(0xffff_ffff_ffff_ffffn);
  });

  it('intersects: [start, last] meets a node iff node.start <= last && start <= node.last (interval_tree_iter_first), both ends inclusive', () => {
    const n = r(10n, 20n);
    // the query's last at n.start - 1, n.start, n.start + 1
    expect([intersects(n, 0n, 9n), intersects(n, 0n, 10n), intersects(n, 0n, 11n)]).toEqual([
      false,
      true,
      true,
    ]);
    // the query's start at n.last - 1, n.last, n.last + 1
    expect([intersects(n, 19n, 30n), intersects(n, 20n, 30n), intersects(n, 21n, 30n)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(intersects(n, 12n, 13n)).toBe(true);
    expect(intersects(n, 0n, 30n)).toBe(true);
  });

  it('firstIntersecting returns the first node in order that meets the query, undefined when none does (interval_tree_iter_first)', () => {
    const nodes = [r(0n, 4n), r(10n, 20n), r(15n, 30n)];
    expect(firstIntersecting(nodes, 16n, 16n)).toBe(nodes[1]);
    expect(firstIntersecting(nodes, 21n, 21n)).toBe(nodes[2]);
    expect(firstIntersecting(nodes, 5n, 9n)).toBeUndefined();
    expect(firstIntersecting([], 0n, ULONG_MAX)).toBeUndefined();
  });
});

describe('spans: interval_tree_for_each_span (lib/interval_tree.c interval_tree_span_iter_first/_next/_next_gap)', () => {
  it('no node in range: the whole span is one hole', () => {
    expect(spans([], 0n, 99n)).toEqual([hole(0n, 99n)]);
    expect(spans([r(200n, 300n)], 0n, 99n)).toEqual([hole(0n, 99n)]);
  });

  it('a leading hole, the used span, a trailing hole', () => {
    expect(spans([r(10n, 20n)], 0n, 99n)).toEqual([hole(0n, 9n), used(10n, 20n), hole(21n, 99n)]);
  });

  it('a node starting at first has no leading hole; a node ending at last has no trailing hole', () => {
    expect(spans([r(0n, 20n)], 0n, 99n)).toEqual([used(0n, 20n), hole(21n, 99n)]);
    expect(spans([r(10n, 99n)], 0n, 99n)).toEqual([hole(0n, 9n), used(10n, 99n)]);
    expect(spans([r(0n, 99n)], 0n, 99n)).toEqual([used(0n, 99n)]);
  });

  it('a leading or trailing hole of a single index (node at first + 1, node ending at last - 1)', () => {
    expect(spans([r(1n, 99n)], 0n, 99n)).toEqual([hole(0n, 0n), used(1n, 99n)]);
    expect(spans([r(0n, 98n)], 0n, 99n)).toEqual([used(0n, 98n), hole(99n, 99n)]);
  });

  it('nodes sticking out of [first, last] are clipped to it (start_used = first_index, last_used = last_index)', () => {
    expect(spans([r(0n, 20n)], 5n, 99n)).toEqual([used(5n, 20n), hole(21n, 99n)]);
    expect(spans([r(50n, 200n)], 5n, 99n)).toEqual([hole(5n, 49n), used(50n, 99n)]);
    expect(spans([r(0n, 200n)], 5n, 99n)).toEqual([used(5n, 99n)]);
  });

  it('touching nodes (last + 1 == start) form one span; a one-index gap (last + 2 == start) is a hole of one index', () => {
    expect(spans([r(10n, 19n), r(20n, 29n)], 0n, 99n)).toEqual([
      hole(0n, 9n),
      used(10n, 29n),
      hole(30n, 99n),
    ]);
    expect(spans([r(10n, 19n), r(21n, 29n)], 0n, 99n)).toEqual([
      hole(0n, 9n),
      used(10n, 19n),
      hole(20n, 20n),
      used(21n, 29n),
      hole(30n, 99n),
    ]);
  });

  it('overlapping nodes merge to the furthest last, whatever the order; a node inside another does not shorten it', () => {
    expect(spans([r(15n, 40n), r(10n, 20n)], 0n, 99n)).toEqual([
      hole(0n, 9n),
      used(10n, 40n),
      hole(41n, 99n),
    ]);
    expect(spans([r(10n, 40n), r(12n, 13n)], 0n, 99n)).toEqual([
      hole(0n, 9n),
      used(10n, 40n),
      hole(41n, 99n),
    ]);
    expect(spans([r(10n, 40n), r(10n, 40n)], 0n, 99n)).toEqual([
      hole(0n, 9n),
      used(10n, 40n),
      hole(41n, 99n),
    ]);
  });

  it('nodes given out of order come out in ascending IOVA order', () => {
    expect(spans([r(60n, 69n), r(10n, 19n), r(40n, 49n)], 0n, 99n)).toEqual([
      hole(0n, 9n),
      used(10n, 19n),
      hole(20n, 39n),
      used(40n, 49n),
      hole(50n, 59n),
      used(60n, 69n),
      hole(70n, 99n),
    ]);
  });

  it('a span reaching ULONG_MAX has no trailing hole', () => {
    expect(spans([r(ULONG_MAX - 1n, ULONG_MAX)], 0n, ULONG_MAX)).toEqual([
      hole(0n, ULONG_MAX - 2n),
      used(ULONG_MAX - 1n, ULONG_MAX),
    ]);
  });

  it('holes: only the holes, as ranges, ascending', () => {
    expect(holes([r(10n, 19n), r(21n, 29n)], 0n, 99n)).toEqual([r(0n, 9n), r(20n, 20n), r(30n, 99n)]);
    expect(holes([r(0n, 99n)], 0n, 99n)).toEqual([]);
  });
});

describe('bit helpers (include/linux/log2.h roundup_pow_of_two, __ffs, include/linux/align.h ALIGN)', () => {
  it('roundup_pow_of_two: n-1, n, n+1 around powers of two', () => {
    expect([1n, 2n, 3n, 4n, 5n, 0xfffn, 0x1000n, 0x1001n].map(roundupPowOfTwo)).toEqual([
      1n,
      2n,
      4n,
      4n,
      8n,
      0x1000n,
      0x1000n,
      0x2000n,
    ]);
  });

  it('1 << __ffs(x): the lowest set bit', () => {
    expect([1n, 6n, 0x20_0000n, 0x30_0000n, 1n << 63n].map(lowestBit)).toEqual([
      1n,
      2n,
      0x20_0000n,
      0x10_0000n,
      1n << 63n,
    ]);
  });

  it('ALIGN(x, a) rounds up to a multiple of a: x = k*a - 1, k*a, k*a + 1', () => {
    expect([0x0fffn, 0x1000n, 0x1001n, 0n].map((x) => alignUp(x, 0x1000n))).toEqual([
      0x1000n,
      0x1000n,
      0x2000n,
      0n,
    ]);
    expect(alignUp(5n, 1n)).toBe(5n);
  });
});
