import { deviceOf, domainOf, ioasOf, setIoas, warn } from '../../platform/edit.ts';
import type { Area, Ioas, Reserved, State } from '../../platform/state.ts';
import { done, type ErrnoName, fail, type Res } from '../errno.ts';
import {
  alignUp,
  firstIntersecting,
  holes,
  lowestBit,
  type Range,
  roundupPowOfTwo,
  spans,
  ULONG_MAX,
} from '../interval.ts';
import { iommu_map, iommu_unmap } from '../iommu/pgtable.ts';

/**
 * The io_pagetable of an IOAS (drivers/iommu/iommufd/io_pagetable.c): areas of user memory,
 * reserved ranges (with the device or domain that reserved them), allowed ranges, the domains the
 * areas are filled into, and iova_alignment.
 */

/** The reserved-range owner for a device (iopt_table_enforce_dev_resv_regions passes dev) and a domain (aperture edges). */
export const devOwner = (device: number): string => `dev:${device}`;
export const domainOwner = (domainId: number): string => `domain:${domainId}`;

/** WARN_ON text: the kernel prints the file and function of the WARN. */
export const warnOn = (file: string, fn: string): string => `WARNING: at ${file} ${fn}`;

/**
 * The user buffer IOMMU_IOAS_MAP maps from: aligned to exactly 2 MiB (the selftests' huge-page
 * aligned buffer; the case format's `user_buffer_alignment`).
 */
export const USER_BUFFER_ALIGNMENT = 0x20_0000n;

/** HPAGE_SIZE (PMD size) for a PAGE_SIZE: 2 MiB with 4 KiB pages, 32 MiB with 16 KiB, 512 MiB with 64 KiB. */
// Stryker disable next-line ArithmeticOperator,ArrowFunction: HPAGE_SIZE (≥ 2 MiB for 4/16/64 KiB pages) never caps below the 2 MiB user-buffer alignment, so a larger or absent cap gives the same alignment
const hpageSize = (pageSize: bigint): bigint => pageSize * (pageSize / 8n);

const update = (s: State, a: Ioas, patch: Partial<Ioas>): State => setIoas(s, { ...a, ...patch });

/** iopt_reserve_iova: -EADDRINUSE over an area or an allowed range. */
export const iopt_reserve_iova = (
  s: State,
  ioas: number,
  start: bigint,
  last: bigint,
  owner: string | null,
): Res => {
  const a = ioasOf(s, ioas);
  if (
    firstIntersecting(a.areas, start, last) !== undefined ||
    firstIntersecting(a.allowed, start, last) !== undefined
  )
    return fail(s, 'EADDRINUSE');
  const r: Reserved = { start, last, owner };
  return done(update(s, a, { reserved: [...a.reserved, r] }), undefined);
};

/** iopt_remove_reserved_iova: drops every range `owner` reserved. */
export const iopt_remove_reserved_iova = (s: State, ioas: number, owner: string): State => {
  const a = ioasOf(s, ioas);
  const reserved = a.reserved.filter((r) => r.owner !== owner);
  // Stryker disable next-line ConditionalExpression: rewriting an unchanged reserved list gives an equal state (only object identity differs)
  return reserved.length === a.reserved.length ? s : update(s, a, { reserved });
};

/** iopt_check_iova: alignment (-EINVAL), overflow (-EOVERFLOW), a reserved range (-EINVAL), an existing area (-EEXIST). */
export const iopt_check_iova = (a: Ioas, iova: bigint, length: bigint): ErrnoName | undefined => {
  if ((iova & (a.alignment - 1n)) !== 0n) return 'EINVAL';
  const last = iova + length - 1n;
  if (last > ULONG_MAX) return 'EOVERFLOW';
  if (firstIntersecting(a.reserved, iova, last) !== undefined) return 'EINVAL';
  if (firstIntersecting(a.areas, iova, last) !== undefined) return 'EEXIST';
  return undefined;
};

/** __alloc_iova_check_range: the aligned start if [start, last] fits `length`. */
const checkRange = (start: bigint, last: bigint, length: bigint, align: bigint): bigint | undefined => {
  // Stryker disable next-line ConditionalExpression: bigint does not wrap, so without the guard alignUp lands past ULONG_MAX ≥ last and the range is refused anyway
  if (start + align - 1n > ULONG_MAX) return undefined;
  const aligned = alignUp(start, align);
  if (aligned >= last || last - aligned < length - 1n) return undefined;
  return aligned;
};

/**
 * iopt_alloc_iova: the lowest IOVA (never 0) inside an allowed range (all of [PAGE_SIZE,
 * ULONG_MAX − PAGE_SIZE] when none is set) that avoids reserved ranges and areas, aligned to
 * min(roundup_pow_of_two(length), the buffer's alignment, HPAGE_SIZE); -EINVAL when that is below
 * iova_alignment, -ENOSPC when nothing fits.
 */
export const iopt_alloc_iova = (s: State, a: Ioas, length: bigint): Res<bigint> => {
  if (length === 0n || length >= ULONG_MAX / 2n) return fail(s, 'EOVERFLOW');
  let align = roundupPowOfTwo(length);
  const bufferAlign = lowestBit(USER_BUFFER_ALIGNMENT);
  // Stryker disable next-line EqualityOperator: on equality the assignment writes the same value
  if (bufferAlign < align) align = bufferAlign;
  const max = hpageSize(s.pageSize);
  // Stryker disable next-line EqualityOperator,ConditionalExpression: align is already ≤ the 2 MiB buffer alignment ≤ HPAGE_SIZE, so the cap never changes it
  if (align >= max) align = max;
  if (align < a.alignment) return fail(s, 'EINVAL');
  const page = s.pageSize;
  const allowed =
    a.allowed.length === 0
      ? [{ start: page, last: ULONG_MAX - page }]
      : spans(a.allowed, page, ULONG_MAX - page).filter((x) => x.used);
  const used: Range[] = [...a.reserved, ...a.areas];
  for (const sp of allowed) {
    const start = checkRange(sp.start, sp.last, length, align);
    // Stryker disable next-line ConditionalExpression: a hole walk from an undefined start finds no hole (comparisons with undefined are false), so the span is skipped either way
    if (start === undefined) continue;
    for (const h of holes(used, start, sp.last)) {
      const iova = checkRange(h.start, h.last, length, align);
      if (iova !== undefined) return done(s, iova);
    }
  }
  return fail(s, 'ENOSPC');
};

/** Maps `area` into paging domain `domainId` (iopt_area_fill_domain). */
const fillOne = (s: State, domainId: number, area: Area): Res =>
  iommu_map(s, domainId, area.start, area.ppn << 12n, area.last - area.start + 1n, area.prot, 'user');

/**
 * iopt_map_pages: a new area at `iova` (or one iopt_alloc_iova picks), length aligned to
 * iova_alignment (-EINVAL), filled into every domain of the IOAS; a domain that refuses the map
 * (iommu_map: -EEXIST over an installed MSI page) unwinds the whole map.
 */
export const iopt_map_pages = (
  s0: State,
  ioas: number,
  iova: bigint | null,
  length: bigint,
  ppn: bigint,
  prot: number,
): Res<bigint> => {
  const a = ioasOf(s0, ioas);
  if ((length & (a.alignment - 1n)) !== 0n || length === 0n) return fail(s0, 'EINVAL');
  let at: bigint;
  if (iova === null) {
    const r = iopt_alloc_iova(s0, a, length);
    if (!r.ok) return r;
    at = r.value;
  } else {
    const e = iopt_check_iova(a, iova, length);
    if (e !== undefined) return fail(s0, e);
    at = iova;
  }
  const area: Area = { start: at, last: at + length - 1n, ppn, prot };
  let s = s0;
  for (const d of a.hwpts) {
    const r = fillOne(s, d, area);
    if (!r.ok) return fail(s0, r.errno);
    s = r.state;
  }
  return done(update(s, ioasOf(s, ioas), { areas: [...a.areas, area] }), at);
};

/**
 * iopt_unmap_iova_range: removes, in IOVA order, every area inside [start, last]; an area that
 * sticks out of the range is -ENOENT (the areas already removed stay removed). Returns the bytes
 * unmapped.
 */
export const iopt_unmap_iova_range = (s0: State, ioas: number, start: bigint, last: bigint): Res<bigint> => {
  let s = s0;
  let unmapped = 0n;
  const hits = ioasOf(s0, ioas)
    .areas.filter((x) => x.start <= last && start <= x.last)
    // Stryker disable next-line EqualityOperator: areas never share a start (iopt_check_iova refuses overlaps)
    .sort((x, y) => (x.start < y.start ? -1 : 1));
  for (const area of hits) {
    if (area.start < start || area.last > last) return fail(s, 'ENOENT');
    const a = ioasOf(s, ioas);
    for (const d of a.hwpts) s = iommu_unmap(s, d, area.start, area.last - area.start + 1n);
    s = update(s, ioasOf(s, ioas), { areas: ioasOf(s, ioas).areas.filter((x) => x !== area) });
    unmapped += area.last - area.start + 1n;
  }
  return done(s, unmapped);
};

/** iopt_set_allow_iova: the new allowed list replaces the old one unless a range intersects a reserved one (-EADDRINUSE). */
export const iopt_set_allow_iova = (s: State, ioas: number, allowed: readonly Range[]): Res => {
  const a = ioasOf(s, ioas);
  if (allowed.some((r) => firstIntersecting(a.reserved, r.start, r.last) !== undefined))
    return fail(s, 'EADDRINUSE');
  return done(update(s, a, { allowed }), undefined);
};

/**
 * iopt_table_enforce_dev_resv_regions: every region of the device except DIRECT_RELAXABLE is
 * reserved in turn (-EADDRINUSE unwinds the device's reservations). With `trackSwMsi` (attach; the
 * replace path passes NULL) MSI and SW_MSI are counted and the SW_MSI start recorded as met — even
 * when the call then fails — and both kinds, or two SW_MSI, are a WARN and -EINVAL ("Drivers must
 * offer sane combinations").
 */
export const iopt_table_enforce_dev_resv_regions = (
  s0: State,
  ioas: number,
  device: number,
  trackSwMsi: boolean,
): { readonly res: Res; readonly swMsiStart?: bigint } => {
  let s = s0;
  let hw = 0;
  let sw = 0;
  let swMsiStart: bigint | undefined;
  const unwind = (st: State, e: ErrnoName) => ({
    res: fail(iopt_remove_reserved_iova(st, ioas, devOwner(device)), e),
    // Stryker disable next-line ConditionalExpression: an absent swMsiStart and one set to undefined read the same
    ...(swMsiStart === undefined ? {} : { swMsiStart }),
  });
  for (const r of deviceOf(s0, device).resv) {
    if (r.type === 'DIRECT_RELAXABLE') continue;
    if (trackSwMsi && r.type === 'MSI') hw++;
    if (trackSwMsi && r.type === 'SW_MSI') {
      swMsiStart = r.start;
      sw++;
    }
    const got = iopt_reserve_iova(s, ioas, r.start, r.start + r.length - 1n, devOwner(device));
    if (!got.ok) return unwind(s, got.errno);
    s = got.state;
  }
  if ((sw > 0 && hw > 0) || sw > 1)
    return unwind(
      warn(s, warnOn('drivers/iommu/iommufd/io_pagetable.c', 'iopt_table_enforce_dev_resv_regions')),
      'EINVAL',
    );
  // Stryker disable next-line ConditionalExpression: an absent swMsiStart and one set to undefined read the same
  return { res: done(s, undefined), ...(swMsiStart === undefined ? {} : { swMsiStart }) };
};

/**
 * iopt_table_add_domain: iova_alignment becomes the largest smallest-page of its domains (more than
 * PAGE_SIZE: -EINVAL; an existing area not aligned to it: -EADDRINUSE); the IOVA outside the
 * domain's aperture is reserved (owner: the domain; -EADDRINUSE over an area); every area is
 * filled into the domain.
 */
export const iopt_table_add_domain = (s0: State, ioas: number, domainId: number): Res => {
  const a = ioasOf(s0, ioas);
  const d = domainOf(s0, domainId);
  // Stryker disable next-line EqualityOperator: on equal sizes both branches give the same alignment
  const align = d.pgsize > a.alignment ? d.pgsize : a.alignment;
  if (align > s0.pageSize) return fail(s0, 'EINVAL');
  // Stryker disable next-line ConditionalExpression: every area is aligned to the current iova_alignment (checked at map and on each raise), so the check cannot fire when it is unchanged
  if (align !== a.alignment) {
    const mask = align - 1n;
    // Stryker disable next-line ArithmeticOperator: start is already aligned (checked first), so 2·start + length ≡ length modulo the alignment
    if (a.areas.some((x) => (x.start & mask) !== 0n || ((x.last - x.start + 1n) & mask) !== 0n))
      return fail(s0, 'EADDRINUSE');
  }
  let s = s0;
  const edges: Range[] = [];
  if (d.aperture.start !== 0n) edges.push({ start: 0n, last: d.aperture.start - 1n });
  if (d.aperture.last !== ULONG_MAX) edges.push({ start: d.aperture.last + 1n, last: ULONG_MAX });
  for (const e of edges) {
    const r = iopt_reserve_iova(s, ioas, e.start, e.last, domainOwner(domainId));
    if (!r.ok) return fail(s0, r.errno);
    s = r.state;
  }
  for (const area of a.areas) {
    const r = fillOne(s, domainId, area);
    if (!r.ok) return fail(s0, r.errno);
    s = r.state;
  }
  const now = ioasOf(s, ioas);
  return done(update(s, now, { alignment: align, hwpts: [...now.hwpts, domainId] }), undefined);
};

/**
 * iopt_table_remove_domain: the domain leaves the IOAS, its areas are unmapped from it, its
 * aperture reservations dropped, and iova_alignment recomputed from the remaining domains.
 */
export const iopt_table_remove_domain = (s0: State, ioas: number, domainId: number): State => {
  let s = s0;
  // Stryker disable next-line ArithmeticOperator: areas of an IOAS with domains are page multiples (iopt_map_pages, iopt_table_add_domain), so iommu_unmap's page rounding covers the same pages for a size two bytes short
  for (const area of ioasOf(s, ioas).areas)
    s = iommu_unmap(s, domainId, area.start, area.last - area.start + 1n);
  s = iopt_remove_reserved_iova(s, ioas, domainOwner(domainId));
  const a = ioasOf(s, ioas);
  const hwpts = a.hwpts.filter((x) => x !== domainId);
  const alignment = hwpts.reduce((m, x) => {
    const pg = domainOf(s, x).pgsize;
    // Stryker disable next-line EqualityOperator: on equal sizes both branches give the same maximum
    return pg > m ? pg : m;
  }, 1n);
  return update(s, a, { hwpts, alignment });
};
