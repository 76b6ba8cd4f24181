import { ioasOf } from '../../platform/edit.ts';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE, type State } from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import { firstIntersecting, holes, type Range, ULONG_MAX } from '../interval.ts';
import { iopt_map_pages, iopt_set_allow_iova, iopt_unmap_iova_range } from './io-pagetable.ts';

/** conv_iommu_prot for IOMMU_IOAS_MAP_READABLE | WRITEABLE: IOMMU_CACHE is always set (iommufd requires coherency). */
export const IOAS_MAP_PROT = IOMMU_CACHE | IOMMU_READ | IOMMU_WRITE;
const U64_MAX = ULONG_MAX;

/**
 * IOMMU_IOAS_MAP (iommufd_ioas_map → iopt_map_user_pages), READ|WRITE, from fresh user memory:
 * iova or length ≥ ULONG_MAX is -EOVERFLOW, an empty or huge length -EINVAL (iopt_alloc_pages);
 * `fixed` null lets the kernel choose the IOVA. Returns the IOVA.
 */
export const iommufd_ioas_map = (
  s: State,
  ioas: number,
  fixed: bigint | null,
  length: bigint,
): Res<bigint> => {
  if ((fixed ?? 0n) >= ULONG_MAX || length >= ULONG_MAX) return fail(s, 'EOVERFLOW');
  if (length === 0n || length > ULONG_MAX - s.pageSize) return fail(s, 'EINVAL');
  const pages = (length + 0xfffn) >> 12n;
  const r = iopt_map_pages(s, ioas, fixed, length, s.nextRamPage, IOAS_MAP_PROT);
  return r.ok ? done({ ...r.state, nextRamPage: s.nextRamPage + pages }, r.value) : r;
};

/**
 * IOMMU_IOAS_UNMAP: (0, U64_MAX) unmaps everything (success on an empty IOAS); otherwise iova or
 * length ≥ ULONG_MAX is -EOVERFLOW, length 0 -EINVAL, a range that only partly covers an area
 * -ENOENT, and a range with no area -ENOENT. Returns the bytes unmapped.
 */
export const iommufd_ioas_unmap = (s: State, ioas: number, iova: bigint, length: bigint): Res<bigint> => {
  if (iova === 0n && length === U64_MAX) return iopt_unmap_iova_range(s, ioas, 0n, ULONG_MAX);
  if (iova >= ULONG_MAX || length >= ULONG_MAX) return fail(s, 'EOVERFLOW');
  if (length === 0n) return fail(s, 'EINVAL');
  if (iova + length - 1n > ULONG_MAX) return fail(s, 'EOVERFLOW');
  const r = iopt_unmap_iova_range(s, ioas, iova, iova + length - 1n);
  if (!r.ok) return r;
  return r.value === 0n ? fail(r.state, 'ENOENT') : r;
};

/**
 * IOMMU_IOAS_ALLOW_IOVAS (iommufd_ioas_allow_iovas): every range must have start < last and not
 * overlap another of the list (-EINVAL, iommufd_ioas_load_iovas); the list then replaces the
 * allowed ranges unless one intersects a reserved range (-EADDRINUSE).
 */
export const iommufd_ioas_allow_iovas = (s: State, ioas: number, ranges: readonly Range[]): Res => {
  const loaded: Range[] = [];
  for (const r of ranges) {
    if (r.start >= r.last) return fail(s, 'EINVAL');
    if (firstIntersecting(loaded, r.start, r.last) !== undefined) return fail(s, 'EINVAL');
    loaded.push(r);
  }
  return iopt_set_allow_iova(s, ioas, loaded);
};

export interface IovaRanges {
  /** Every hole of the reserved ranges over [0, ULONG_MAX], ascending. */
  readonly ranges: readonly Range[];
  /** The first `num_iovas` of them, copied to the caller's array. */
  readonly filled: readonly Range[];
  readonly numIovas: number;
  readonly alignment: bigint;
}

/**
 * IOMMU_IOAS_IOVA_RANGES (iommufd_ioas_iova_ranges): the holes of the reserved ranges (areas and
 * allowed ranges do not count), `num_iovas` set to their number and out_iova_alignment to
 * iova_alignment; -EMSGSIZE when the caller's array was too small.
 */
export const iommufd_ioas_iova_ranges = (s: State, ioas: number, capacity: number): Res<IovaRanges> => {
  const a = ioasOf(s, ioas);
  const ranges = holes(a.reserved, 0n, ULONG_MAX);
  const value = {
    ranges,
    filled: ranges.slice(0, capacity),
    numIovas: ranges.length,
    alignment: a.alignment,
  };
  return ranges.length > capacity
    ? { ok: false, state: s, errno: 'EMSGSIZE', partial: value }
    : done(s, value);
};
