import { describe, expect, it } from 'vitest';
import { build } from '../../platform/build.ts';
import { ioasOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { ULONG_MAX } from '../interval.ts';
import { armIts, topo } from '../testing.ts';
import { iommufd_ioas_alloc } from './ctx.ts';
import {
  IOAS_MAP_PROT,
  iommufd_ioas_allow_iovas,
  iommufd_ioas_iova_ranges,
  iommufd_ioas_map,
  iommufd_ioas_unmap,
} from './ioas.ts';
import { iommufd_test_add_reserved } from './selftest.ts';

/**
 * IOMMU_IOAS_* entry points on an IOAS with no domain attached (drivers/iommu/iommufd/ioas.c,
 * io_pagetable.c, pages.c; Linux 7.0): every errno branch with the value on both sides of its bound.
 */
const ICTX = 'userspace:0';
const fresh = (): [State, number] => iommufd_ioas_alloc(build(armIts(), topo([{}])), ICTX);
const errnoOf = (r: { ok: boolean; errno?: string }) => (r.ok ? 'ok' : r.errno);
/** A state with one area per [iova, length] (fixed IOVA). */
const withAreas = (areas: readonly [bigint, bigint][]): [State, number] => {
  let [s, ioas] = fresh();
  for (const [iova, length] of areas) {
    const r = iommufd_ioas_map(s, ioas, iova, length);
    if (!r.ok) throw new Error(`map ${iova} failed: ${r.errno}`);
    s = r.state;
  }
  return [s, ioas];
};

describe('iommufd_ioas_map (drivers/iommu/iommufd/ioas.c iommufd_ioas_map → iopt_map_user_pages)', () => {
  it('iova >= ULONG_MAX is -EOVERFLOW; ULONG_MAX - 1 with length 1 is mapped there (iopt_check_iova: last = ULONG_MAX - 1)', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_map(s, ioas, ULONG_MAX, 1n))).toBe('EOVERFLOW');
    const r = iommufd_ioas_map(s, ioas, ULONG_MAX - 1n, 1n);
    expect(r.ok && r.value).toBe(ULONG_MAX - 1n);
    expect(ioasOf(r.state, ioas).areas).toEqual([
      { start: ULONG_MAX - 1n, last: ULONG_MAX - 1n, ppn: s.nextRamPage, prot: IOAS_MAP_PROT },
    ]);
  });

  it('iova + length - 1 past ULONG_MAX is -EOVERFLOW (iopt_check_iova check_add_overflow): length 2 at ULONG_MAX - 1 reaches ULONG_MAX, 3 overflows', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_map(s, ioas, ULONG_MAX - 1n, 2n))).toBe('ok');
    expect(errnoOf(iommufd_ioas_map(s, ioas, ULONG_MAX - 1n, 3n))).toBe('EOVERFLOW');
  });

  it('length >= ULONG_MAX is -EOVERFLOW; above SIZE_MAX - PAGE_SIZE -EINVAL (pages.c iopt_alloc_pages); SIZE_MAX - PAGE_SIZE itself is mapped', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_map(s, ioas, 0x1000n, ULONG_MAX))).toBe('EOVERFLOW');
    expect(errnoOf(iommufd_ioas_map(s, ioas, 0x1000n, ULONG_MAX - 1n))).toBe('EINVAL');
    expect(errnoOf(iommufd_ioas_map(s, ioas, 0x1000n, ULONG_MAX - 0xfffn))).toBe('EINVAL');
    const r = iommufd_ioas_map(s, ioas, 0x1000n, ULONG_MAX - 0x1000n);
    expect(r.ok && r.value).toBe(0x1000n);
    expect(ioasOf(r.state, ioas).areas.map((a) => a.last)).toEqual([ULONG_MAX - 1n]);
  });

  it('length 0 is -EINVAL (iopt_alloc_pages), for a fixed and for a kernel-chosen IOVA', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_map(s, ioas, 0x1000n, 0n))).toBe('EINVAL');
    expect(errnoOf(iommufd_ioas_map(s, ioas, null, 0n))).toBe('EINVAL');
  });

  it('user memory is taken in whole pages (DIV_ROUND_UP(length, PAGE_SIZE)): 0x1000 uses one page, 0x1001 two', () => {
    const [s, ioas] = fresh();
    const one = iommufd_ioas_map(s, ioas, 0x1000n, 0x1000n);
    const two = iommufd_ioas_map(s, ioas, 0x1000n, 0x1001n);
    expect(one.state.nextRamPage - s.nextRamPage).toBe(1n);
    expect(two.state.nextRamPage - s.nextRamPage).toBe(2n);
    expect(ioasOf(two.state, ioas).areas).toEqual([
      { start: 0x1000n, last: 0x2000n, ppn: s.nextRamPage, prot: IOAS_MAP_PROT },
    ]);
  });

  it('a failed map takes no user memory and leaves the IOAS as it was', () => {
    const [s, ioas] = withAreas([[0x1000n, 0x1000n]]);
    const r = iommufd_ioas_map(s, ioas, 0x1000n, 0x1000n);
    expect(r).toEqual({ ok: false, state: s, errno: 'EEXIST' });
  });

  it('IOAS_MAP_PROT is IOMMU_CACHE | IOMMU_READ | IOMMU_WRITE (conv_iommu_prot; include/linux/iommu.h: READ 1, WRITE 2, CACHE 4)', () => {
    expect(IOAS_MAP_PROT).toBe(7);
  });
});

describe('iopt_check_iova (io_pagetable.c): a fixed IOVA', () => {
  it('an existing area is -EEXIST on its first and last byte, a neighbour touching it is mapped', () => {
    const [s, ioas] = withAreas([[0x2000n, 0x1000n]]);
    expect(
      [0x1000n, 0x1001n, 0x2fffn, 0x3000n].map((iova) => errnoOf(iommufd_ioas_map(s, ioas, iova, 0x1000n))),
    ).toEqual(['ok', 'EEXIST', 'EEXIST', 'ok']);
  });

  it('a reserved range is -EINVAL (not -EEXIST)', () => {
    const [s0, ioas] = fresh();
    const s = iommufd_test_add_reserved(s0, ioas, 0x2000n, 0x1000n).state;
    expect(
      [0x1000n, 0x1001n, 0x3000n].map((iova) => errnoOf(iommufd_ioas_map(s, ioas, iova, 0x1000n))),
    ).toEqual(['ok', 'EINVAL', 'ok']);
  });
});

describe('iopt_alloc_iova (io_pagetable.c): the IOVA the kernel picks when IOMMU_IOAS_MAP_FIXED_IOVA is clear', () => {
  const pick = (s: State, ioas: number, length: bigint) => {
    const r = iommufd_ioas_map(s, ioas, null, length);
    return r.ok ? r.value : r.errno;
  };

  it('never 0: the allowed span starts at PAGE_SIZE; aligned to roundup_pow_of_two(length)', () => {
    const [s, ioas] = fresh();
    expect([0x1000n, 0x2000n, 0x3000n, 0x4000n, 0x5000n].map((l) => pick(s, ioas, l))).toEqual([
      0x1000n,
      0x2000n,
      0x4000n,
      0x4000n,
      0x8000n,
    ]);
  });

  it('the alignment is capped at the user buffer alignment (1 << __ffs(addr), here 2 MiB)', () => {
    const [s, ioas] = fresh();
    expect(pick(s, ioas, 0x40_0000n)).toBe(0x20_0000n);
    expect(pick(s, ioas, 0x20_0000n)).toBe(0x20_0000n);
  });

  it('skips areas and reserved ranges: the first hole of reserved ∪ areas that holds the length', () => {
    const [s1, ioas] = withAreas([[0x1000n, 0x1000n]]);
    expect(pick(s1, ioas, 0x1000n)).toBe(0x2000n);
    const s2 = iommufd_test_add_reserved(s1, ioas, 0x2000n, 0x2000n).state;
    expect(pick(s2, ioas, 0x1000n)).toBe(0x4000n);
  });

  it('a hole of exactly length - 1 past the aligned start fits; one byte less does not (__alloc_iova_check_range)', () => {
    const [s0, ioas] = fresh();
    const allow = (last: bigint) => {
      const r = iommufd_ioas_allow_iovas(s0, ioas, [{ start: 0x10_0000n, last }]);
      if (!r.ok) throw new Error(r.errno);
      return r.state;
    };
    expect(pick(allow(0x10_0fffn), ioas, 0x1000n)).toBe(0x10_0000n);
    expect(pick(allow(0x10_0ffen), ioas, 0x1000n)).toBe('ENOSPC');
    expect(pick(allow(0x10_1fffn), ioas, 0x2000n)).toBe(0x10_0000n);
    expect(pick(allow(0x10_1fffn), ioas, 0x3000n)).toBe('ENOSPC');
  });

  it('a hole of a single byte never holds even a 1-byte map: aligned_start >= last is refused', () => {
    const [s0, ioas] = fresh();
    let s = iommufd_test_add_reserved(s0, ioas, 0x1000n, 0x1000n).state;
    s = iommufd_test_add_reserved(s, ioas, 0x2001n, ULONG_MAX - 0x2001n).state;
    expect(pick(s, ioas, 1n)).toBe('ENOSPC');
  });

  it('an allowed range picks inside it; ranges below PAGE_SIZE are clipped to it', () => {
    const [s0, ioas] = fresh();
    const low = iommufd_ioas_allow_iovas(s0, ioas, [{ start: 0n, last: 0x1fffn }]);
    expect(low.ok && pick(low.state, ioas, 0x1000n)).toBe(0x1000n);
    const two = iommufd_ioas_allow_iovas(s0, ioas, [
      { start: 0x10_0000n, last: 0x10_0fffn },
      { start: 0x20_0000n, last: 0x20_ffffn },
    ]);
    expect(two.ok && pick(two.state, ioas, 0x2000n)).toBe(0x20_0000n);
  });

  it('a length of ULONG_MAX / 2 or more is -EOVERFLOW (roundup_pow_of_two guard); ULONG_MAX / 2 - 1 passes it and lands on the first 2 MiB boundary', () => {
    const [s, ioas] = fresh();
    expect(pick(s, ioas, ULONG_MAX / 2n)).toBe('EOVERFLOW');
    expect(pick(s, ioas, ULONG_MAX / 2n - 1n)).toBe(0x20_0000n);
  });
});

describe('iommufd_ioas_unmap (ioas.c iommufd_ioas_unmap → iopt_unmap_iova → iopt_unmap_iova_range)', () => {
  it('(0, U64_MAX) unmaps everything and returns the bytes, 0 on an empty IOAS (iopt_unmap_all)', () => {
    const [s0, ioas0] = fresh();
    expect(iommufd_ioas_unmap(s0, ioas0, 0n, ULONG_MAX)).toEqual({ ok: true, state: s0, value: 0n });
    const [s, ioas] = withAreas([
      [0x1000n, 0x1000n],
      [0x8000n, 0x2000n],
    ]);
    const r = iommufd_ioas_unmap(s, ioas, 0n, ULONG_MAX);
    expect(r.ok && r.value).toBe(0x3000n);
    expect(ioasOf(r.state, ioas).areas).toEqual([]);
  });

  it('(1, U64_MAX) is not unmap-all: length >= ULONG_MAX is -EOVERFLOW; (0, U64_MAX - 1) finds nothing: -ENOENT', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_unmap(s, ioas, 1n, ULONG_MAX))).toBe('EOVERFLOW');
    expect(errnoOf(iommufd_ioas_unmap(s, ioas, 0n, ULONG_MAX - 1n))).toBe('ENOENT');
  });

  it('iova >= ULONG_MAX is -EOVERFLOW; length 0 -EINVAL (iopt_unmap_iova)', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_unmap(s, ioas, ULONG_MAX, 1n))).toBe('EOVERFLOW');
    expect(errnoOf(iommufd_ioas_unmap(s, ioas, 0x1000n, 0n))).toBe('EINVAL');
  });

  it('iova + length - 1 past ULONG_MAX is -EOVERFLOW: at ULONG_MAX - 1, length 2 ends at ULONG_MAX (-ENOENT: nothing there), 3 overflows', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_unmap(s, ioas, ULONG_MAX - 1n, 1n))).toBe('ENOENT');
    expect(errnoOf(iommufd_ioas_unmap(s, ioas, ULONG_MAX - 1n, 2n))).toBe('ENOENT');
    expect(errnoOf(iommufd_ioas_unmap(s, ioas, ULONG_MAX - 1n, 3n))).toBe('EOVERFLOW');
  });

  it('a range covering the whole area returns its length; one cutting it (either end) is -ENOENT', () => {
    const [s, ioas] = withAreas([[0x2000n, 0x2000n]]);
    const whole = iommufd_ioas_unmap(s, ioas, 0x2000n, 0x2000n);
    expect(whole.ok && whole.value).toBe(0x2000n);
    expect(ioasOf(whole.state, ioas).areas).toEqual([]);
    const around = iommufd_ioas_unmap(s, ioas, 0x1000n, 0x4000n);
    expect(around.ok && around.value).toBe(0x2000n);
    expect(iommufd_ioas_unmap(s, ioas, 0x2000n, 0x1fffn)).toEqual({ ok: false, state: s, errno: 'ENOENT' });
    expect(iommufd_ioas_unmap(s, ioas, 0x2001n, 0x1fffn)).toEqual({ ok: false, state: s, errno: 'ENOENT' });
  });

  it('a range just beside an area (ending at its start - 1, starting at its last + 1) is -ENOENT and keeps it', () => {
    const [s, ioas] = withAreas([[0x2000n, 0x1000n]]);
    expect(iommufd_ioas_unmap(s, ioas, 0x1000n, 0x1000n)).toEqual({ ok: false, state: s, errno: 'ENOENT' });
    expect(iommufd_ioas_unmap(s, ioas, 0x3000n, 0x1000n)).toEqual({ ok: false, state: s, errno: 'ENOENT' });
  });

  it('areas are removed in IOVA order; the first that sticks out stops with -ENOENT and the earlier ones stay unmapped', () => {
    const [s, ioas] = withAreas([
      [0x5000n, 0x2000n],
      [0x1000n, 0x1000n],
    ]);
    const r = iommufd_ioas_unmap(s, ioas, 0x1000n, 0x5000n);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errno).toBe('ENOENT');
    expect(ioasOf(r.state, ioas).areas.map((a) => [a.start, a.last])).toEqual([[0x5000n, 0x6fffn]]);
  });
});

describe('iommufd_ioas_allow_iovas (ioas.c iommufd_ioas_load_iovas, io_pagetable.c iopt_set_allow_iova)', () => {
  it('start >= last is -EINVAL: start == last refused, start == last - 1 loaded', () => {
    const [s, ioas] = fresh();
    expect(errnoOf(iommufd_ioas_allow_iovas(s, ioas, [{ start: 0x1000n, last: 0x1000n }]))).toBe('EINVAL');
    expect(errnoOf(iommufd_ioas_allow_iovas(s, ioas, [{ start: 0x1001n, last: 0x1000n }]))).toBe('EINVAL');
    const r = iommufd_ioas_allow_iovas(s, ioas, [{ start: 0x0fffn, last: 0x1000n }]);
    expect(ioasOf(r.state, ioas).allowed).toEqual([{ start: 0x0fffn, last: 0x1000n }]);
  });

  it('ranges of one list that overlap (even by one byte) are -EINVAL; touching ranges are loaded', () => {
    const [s, ioas] = fresh();
    const a = { start: 0x1000n, last: 0x1fffn };
    expect(iommufd_ioas_allow_iovas(s, ioas, [a, { start: 0x1fffn, last: 0x2fffn }])).toEqual({
      ok: false,
      state: s,
      errno: 'EINVAL',
    });
    const r = iommufd_ioas_allow_iovas(s, ioas, [a, { start: 0x2000n, last: 0x2fffn }]);
    expect(ioasOf(r.state, ioas).allowed).toEqual([a, { start: 0x2000n, last: 0x2fffn }]);
  });

  it('a range meeting a reserved range is -EADDRINUSE and keeps the old list; the new list replaces the old one', () => {
    const [s0, ioas] = fresh();
    const s1 = iommufd_ioas_allow_iovas(s0, ioas, [{ start: 0x10_0000n, last: 0x1f_ffffn }]).state;
    const s = iommufd_test_add_reserved(s1, ioas, 0x40_0000n, 0x1000n).state;
    expect(iommufd_ioas_allow_iovas(s, ioas, [{ start: 0x3f_f000n, last: 0x40_0000n }])).toEqual({
      ok: false,
      state: s,
      errno: 'EADDRINUSE',
    });
    const r = iommufd_ioas_allow_iovas(s, ioas, [{ start: 0x3f_f000n, last: 0x3f_ffffn }]);
    expect(ioasOf(r.state, ioas).allowed).toEqual([{ start: 0x3f_f000n, last: 0x3f_ffffn }]);
    expect(ioasOf(iommufd_ioas_allow_iovas(s, ioas, []).state, ioas).allowed).toEqual([]);
  });
});

describe('iommufd_ioas_iova_ranges (ioas.c): the holes of reserved_itree over [0, ULONG_MAX]', () => {
  it('an empty IOAS has one range [0, ULONG_MAX]; a capacity of 0 is -EMSGSIZE with num_iovas still written', () => {
    const [s, ioas] = fresh();
    const all = { start: 0n, last: ULONG_MAX };
    expect(iommufd_ioas_iova_ranges(s, ioas, 0)).toEqual({
      ok: false,
      state: s,
      errno: 'EMSGSIZE',
      partial: { ranges: [all], filled: [], numIovas: 1, alignment: 1n },
    });
    expect(iommufd_ioas_iova_ranges(s, ioas, 1)).toEqual({
      ok: true,
      state: s,
      value: { ranges: [all], filled: [all], numIovas: 1, alignment: 1n },
    });
  });

  it('capacity n - 1 is -EMSGSIZE with n - 1 filled; n and n + 1 succeed; areas and allowed ranges do not count', () => {
    const [s0, ioas] = withAreas([[0x10_0000n, 0x1000n]]);
    const s = iommufd_test_add_reserved(s0, ioas, 0x1000n, 0x1000n).state;
    const ranges = [
      { start: 0n, last: 0xfffn },
      { start: 0x2000n, last: ULONG_MAX },
    ];
    const at = (capacity: number) => iommufd_ioas_iova_ranges(s, ioas, capacity);
    expect(at(1)).toEqual({
      ok: false,
      state: s,
      errno: 'EMSGSIZE',
      partial: { ranges, filled: ranges.slice(0, 1), numIovas: 2, alignment: 1n },
    });
    expect(at(2)).toEqual({
      ok: true,
      state: s,
      value: { ranges, filled: ranges, numIovas: 2, alignment: 1n },
    });
    expect(at(3)).toEqual({
      ok: true,
      state: s,
      value: { ranges, filled: ranges, numIovas: 2, alignment: 1n },
    });
  });
});

describe('iommufd_test_add_reserved (drivers/iommu/iommufd/selftest.c, CONFIG_IOMMUFD_TEST)', () => {
  it('length 0 is -EINVAL; start + length - 1 past ULONG_MAX -EOVERFLOW (ULONG_MAX with length 1 is reserved)', () => {
    const [s, ioas] = fresh();
    expect(iommufd_test_add_reserved(s, ioas, 0x1000n, 0n)).toEqual({ ok: false, state: s, errno: 'EINVAL' });
    expect(iommufd_test_add_reserved(s, ioas, ULONG_MAX, 2n)).toEqual({
      ok: false,
      state: s,
      errno: 'EOVERFLOW',
    });
    const r = iommufd_test_add_reserved(s, ioas, ULONG_MAX, 1n);
    expect(ioasOf(r.state, ioas).reserved).toEqual([{ start: ULONG_MAX, last: ULONG_MAX, owner: null }]);
  });

  it('over an area or an allowed range it is -EADDRINUSE (iopt_reserve_iova); right next to them it is reserved', () => {
    const [s0, ioas] = withAreas([[0x2000n, 0x1000n]]);
    const s = iommufd_ioas_allow_iovas(s0, ioas, [{ start: 0x10_0000n, last: 0x10_ffffn }]).state;
    expect(
      [0x1000n, 0x1001n, 0x2fffn, 0x3000n].map((st) =>
        errnoOf(iommufd_test_add_reserved(s, ioas, st, 0x1000n)),
      ),
    ).toEqual(['ok', 'EADDRINUSE', 'EADDRINUSE', 'ok']);
    expect(
      [0xf_f000n, 0xf_f001n, 0x10_ffffn, 0x11_0000n].map((st) =>
        errnoOf(iommufd_test_add_reserved(s, ioas, st, 0x1000n)),
      ),
    ).toEqual(['ok', 'EADDRINUSE', 'EADDRINUSE', 'ok']);
  });
});
