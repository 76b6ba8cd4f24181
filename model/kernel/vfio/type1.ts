import { domainOf, groupOf, setDomain, warn } from '../../platform/edit.ts';
import {
  IOMMU_CACHE,
  IOMMU_READ,
  IOMMU_WRITE,
  type KernelEvent,
  type ResvRegion,
  type State,
  type Type1Container,
  type VfioDma,
} from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import type { Range } from '../interval.ts';
import { ULONG_MAX } from '../interval.ts';
import { iommu_attach_group, iommu_detach_group, iommu_paging_domain_alloc } from '../iommu/core.ts';
import { iommu_get_msi_cookie } from '../iommu/dma-iommu.ts';
import { iommu_map } from '../iommu/pgtable.ts';
import { mergedResv } from '../iommu/resv.ts';
import { iommu_group_has_isolated_msi } from '../irq/isolated.ts';

/**
 * A VFIO type1 container (drivers/vfio/vfio_iommu_type1.c, VFIO_TYPE1v2_IOMMU): its groups and
 * domains, the DMA mappings userspace made, and the valid IOVA list. Simplification: every domain
 * of the platform driver has the same ops and cache-coherency enforcement, so a later group joins
 * the container's first domain.
 */

/** dma_entry_limit's default: U16_MAX mappings per container. */
const DMA_ENTRY_LIMIT = 65535;
/** vfio_iommu_map: the DMA's READ|WRITE with IOMMU_CACHE. */
export const VFIO_MAP_PROT = IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE;

export const containerOf = (s: State, token: string): Type1Container =>
  s.type1.get(token) ?? {
    groups: new Map(),
    domains: [],
    dmas: [],
    iovas: [],
    pgsize: s.pageSize,
    dmaAvail: DMA_ENTRY_LIMIT,
  };
const setContainer = (s: State, token: string, c: Type1Container): State => ({
  ...s,
  type1: new Map(s.type1).set(token, c),
});

/** The failed call's state: the one before it, with the warnings the call printed (the rest is unwound). */
export const unwound = (before: State, after: State): State => {
  const warnings = after.events
    .slice(before.events.length)
    .filter((e): e is Extract<KernelEvent, { kind: 'warn' }> => e.kind === 'warn');
  return warnings.reduce((s, w) => warn(s, w.text), before);
};

/** vfio_find_dma: an existing DMA that overlaps [start, start + size). */
const findDma = (c: Type1Container, start: bigint, size: bigint): VfioDma | undefined =>
  c.dmas.find((d) => d.iova < start + size && start < d.iova + d.size);

/** vfio_iommu_aper_conflict: the new aperture misses the list, or would leave a DMA outside it. */
const aperConflict = (c: Type1Container, start: bigint, end: bigint): boolean => {
  const first = c.iovas[0];
  const last = c.iovas[c.iovas.length - 1];
  // Stryker disable next-line LogicalOperator,ConditionalExpression: first and last are both undefined (empty list) or both defined, so && and either side alone decide the same
  if (first === undefined || last === undefined) return false;
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,BooleanLiteral: a disjoint or one-address aperture also leaves aper_resize no range (or the DMA checks below hit), so -EINVAL follows from the same out() either way
  if (start > last.last || end < first.start) return true;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: with start <= first.start the searched range is empty or negative and vfio_find_dma finds none of the DMAs, which lie inside the list
  if (start > first.start && findDma(c, first.start, start - first.start) !== undefined) return true;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: with end >= last.last the range is empty or negative, and a longer range only reaches past the list where no DMA lies
  if (end < last.last && findDma(c, end + 1n, last.last - end) !== undefined) return true;
  return false;
};

/** vfio_iommu_aper_resize: clip the list to [start, end] (an empty list becomes [start, end]). */
const aperResize = (iovas: readonly Range[], start: bigint, end: bigint): Range[] => {
  if (iovas.length === 0) return [{ start, last: end }];
  const list = iovas.map((r) => ({ ...r }));
  // Stryker disable next-line EqualityOperator: the loop also breaks on n === undefined once the list is empty
  while (list.length > 0) {
    const n = list[0];
    // Stryker disable next-line EqualityOperator: start == n.start breaks with the node unchanged, as setting its start to start would
    if (n === undefined || start < n.start) break;
    // Stryker disable next-line ConditionalExpression: start >= n.start is already known from the break above
    if (start >= n.start && start < n.last) {
      list[0] = { ...n, start };
      break;
    }
    list.shift();
  }
  return list.flatMap((n) => {
    // Stryker disable next-line EqualityOperator: end == n.last keeps the node as clipping it to end would
    if (end > n.last) return [n];
    // Stryker disable next-line ConditionalExpression: end <= n.last is already known from the line above
    if (end > n.start && end <= n.last) return [{ ...n, last: end }];
    return [];
  });
};

/** vfio_iommu_resv_exclude: every non-RELAXABLE region cut out of the list; nothing left is -EINVAL. */
const resvExclude = (iovas: readonly Range[], regions: readonly ResvRegion[]): Range[] | undefined => {
  let list = [...iovas];
  for (const r of regions) {
    if (r.type === 'DIRECT_RELAXABLE') continue;
    const start = r.start;
    const end = r.start + r.length - 1n;
    list = list.flatMap((n) => {
      if (start > n.last || end < n.start) return [n];
      const out: Range[] = [];
      if (start > n.start) out.push({ start: n.start, last: start - 1n });
      if (end < n.last) out.push({ start: end + 1n, last: n.last });
      return out;
    });
  }
  return list.length === 0 ? undefined : list;
};

/** vfio_iommu_has_sw_msi: a SW_MSI base, unless an IOMMU_RESV_MSI region takes precedence. */
export const vfio_iommu_has_sw_msi = (regions: readonly ResvRegion[]): bigint | undefined => {
  let base: bigint | undefined;
  for (const r of regions) {
    if (r.type === 'MSI') return undefined;
    if (r.type === 'SW_MSI') base = r.start;
  }
  return base;
};

/** vfio_update_pgsize_bitmap: the largest smallest-page of the domains, never below PAGE_SIZE. */
const pgsizeOf = (s: State, domains: readonly number[]): bigint =>
  // Stryker disable next-line EqualityOperator: on equal page sizes either side gives the same value
  domains.reduce((m, d) => (domainOf(s, d).pgsize > m ? domainOf(s, d).pgsize : m), s.pageSize);

/** The reserved regions of the group as iommu_get_group_resv_regions merges them. */
export const groupRegions = (s: State, group: number): ResvRegion[] =>
  // Stryker disable next-line ObjectLiteral,ArrayDeclaration: every device index of a group is in s.devices, the fallback is unreachable
  mergedResv(groupOf(s, group).devices.map((d) => s.devices[d] ?? { resv: [] }));

/**
 * vfio_iommu_type1_attach_group, in the kernel's order: a group already in the container is
 * -EINVAL; a new UNMANAGED domain is allocated and attached (iommu_attach_group: -EBUSY off the
 * default/blocking domain); an aperture that conflicts with the list is -EINVAL; a user DMA over a
 * non-RELAXABLE reserved region is -EINVAL (vfio_iommu_resv_conflict); the list is clipped to the
 * aperture and the regions cut out (nothing left: -EINVAL); then the isolated-MSI check (-EPERM
 * with "No interrupt remapping support" unless allow_unsafe_interrupts). The group joins an
 * existing domain of the container when it can; otherwise the DMAs are replayed into the new
 * domain and, with a SW_MSI region, iommu_get_msi_cookie(domain, SW_MSI start).
 */
export const vfio_iommu_type1_attach_group = (s0: State, token: string, group: number): Res => {
  const c = containerOf(s0, token);
  if (c.groups.has(group)) return fail(s0, 'EINVAL');
  const first = groupOf(s0, group).devices[0];
  // Stryker disable next-line ConditionalExpression,StringLiteral: every group has a device (TopologySchema numbers groups without gaps), so -ENODEV is unreachable
  if (first === undefined) return fail(s0, 'ENODEV');
  const alloc = iommu_paging_domain_alloc(s0, first, token);
  // Stryker disable next-line ConditionalExpression: a group lists only probed devices (group->devices), so iommu_paging_domain_alloc never fails here
  if (!alloc.ok) return fail(s0, alloc.errno);
  const domain = alloc.value;
  const att = iommu_attach_group(alloc.state, domain, group);
  if (!att.ok) return fail(unwound(s0, att.state), att.errno);
  let s = att.state;
  const out = (st: State, e: Parameters<typeof fail>[1]) =>
    fail(unwound(s0, iommu_detach_group(st, group)), e);
  const geo = domainOf(s, domain).aperture;
  if (aperConflict(c, geo.start, geo.last)) return out(s, 'EINVAL');
  const regions = groupRegions(s, group);
  if (regions.some((r) => r.type !== 'DIRECT_RELAXABLE' && findDma(c, r.start, r.length) !== undefined))
    return out(s, 'EINVAL');
  const iovas = resvExclude(aperResize(c.iovas, geo.start, geo.last), regions);
  if (iovas === undefined) return out(s, 'EINVAL');
  const msiBase = vfio_iommu_has_sw_msi(regions);
  if (!s.params.type1Unsafe && !iommu_group_has_isolated_msi(s, group)) {
    s = warn(
      s,
      'vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform',
    );
    return out(s, 'EPERM');
  }
  // IOMMU_DOMAIN_MIXED (seed 004): the domain's MSI IOVAs come from holes between user mappings.
  if (s.policy.msiIova === 'holes') s = setDomain(s, { ...domainOf(s, domain), cookie: { type: 'MIXED' } });
  // Stryker disable next-line ConditionalExpression: a domain of another driver refuses the group (iommu_attach_group -EINVAL) and it goes back to its new domain, the same end state
  const joinable = c.domains.find((d) => domainOf(s, d).driver === domainOf(s, domain).driver);
  if (joinable !== undefined) {
    const moved = iommu_attach_group(iommu_detach_group(s, group), joinable, group);
    // Stryker disable next-line ConditionalExpression: the group is on its core domain after the detach and the domain has its driver, so iommu_attach_group never fails
    if (moved.ok) {
      const groups = new Map(c.groups).set(group, joinable);
      return done(setContainer(moved.state, token, { ...c, groups, iovas }), undefined);
    }
    const back = iommu_attach_group(moved.state, domain, group);
    // Stryker disable next-line BooleanLiteral,ConditionalExpression: unreachable, the join above never fails
    if (!back.ok) return fail(unwound(s0, back.state), back.errno);
    s = back.state;
  }
  for (const dma of c.dmas) {
    const r = iommu_map(s, domain, dma.iova, dma.ppn << 12n, dma.size, VFIO_MAP_PROT, 'user');
    if (!r.ok) return out(r.state, r.errno);
    s = r.state;
  }
  if (msiBase !== undefined && s.policy.msiIova !== 'holes') {
    const ck = iommu_get_msi_cookie(s, domain, msiBase);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: the new UNMANAGED domain has no cookie here (holes policy skips this), so iommu_get_msi_cookie never fails
    if (!ck.ok && ck.errno !== 'ENODEV') return out(ck.state, ck.errno);
    s = ck.state;
  }
  const domains = [...c.domains, domain];
  const groups = new Map(c.groups).set(group, domain);
  return done(
    setContainer(s, token, { ...c, groups, domains, iovas, pgsize: pgsizeOf(s, domains) }),
    undefined,
  );
};

/**
 * vfio_iommu_type1_detach_group: the group goes back to its core domain; a domain left without
 * groups is freed, and with the container's last domain every DMA goes (vfio_iommu_unmap_unpin_all);
 * the aperture is widened again (vfio_iommu_aper_expand) and the regions of the remaining groups
 * cut out anew (vfio_iommu_resv_refresh; on failure the old list stays). A group that is not in
 * the container is ignored.
 */
export const vfio_iommu_type1_detach_group = (s0: State, token: string, group: number): State => {
  const c = containerOf(s0, token);
  const d = c.groups.get(group);
  if (d === undefined) return s0;
  let s = iommu_detach_group(s0, group);
  const groups = new Map(c.groups);
  groups.delete(group);
  let { domains, dmas } = c;
  const copy = c.iovas.map((r) => ({ ...r }));
  if (![...groups.values()].includes(d)) {
    if (domains.length === 1) dmas = [];
    domains = domains.filter((x) => x !== d);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: on an empty copy the block writes no entry (and a container holding a group has a non-empty list)
    if (copy.length > 0) {
      let start = 0n;
      let end = ULONG_MAX;
      for (const x of domains) {
        const geo = domainOf(s, x).aperture;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: with two drivers at most one domain remains, its aperture within [0, ULONG_MAX], so taking it unconditionally is the same
        if (geo.start > start) start = geo.start;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: with two drivers at most one domain remains, its aperture within [0, ULONG_MAX], so taking it unconditionally is the same
        if (geo.last < end) end = geo.last;
      }
      const firstR = copy[0];
      // Stryker disable next-line ConditionalExpression: copy is non-empty here, so firstR is defined
      if (firstR !== undefined) copy[0] = { ...firstR, start };
      const lastR = copy[copy.length - 1];
      // Stryker disable next-line ConditionalExpression,ArithmeticOperator: copy is non-empty so lastR is defined; only copy's first start and last end are read after, and copy[len + 1] becomes that last entry with end
      if (lastR !== undefined) copy[copy.length - 1] = { ...lastR, last: end };
    }
  }
  let iovas = c.iovas;
  const firstR = copy[0];
  const lastR = copy[copy.length - 1];
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a container holding the group has a non-empty list (attach refuses an empty one), so both are defined
  if (firstR !== undefined && lastR !== undefined) {
    const regions = [...groups.keys()].flatMap((g) => groupRegions(s, g));
    const refreshed = resvExclude(aperResize([], firstR.start, lastR.last), regions);
    // Stryker disable next-line ConditionalExpression: the refresh never empties the list: the aperture only widens and fewer groups' regions are cut, so the old ranges stay
    if (refreshed !== undefined) iovas = refreshed;
  }
  s = setContainer(s, token, { ...c, groups, domains, dmas, iovas, pgsize: pgsizeOf(s, domains) });
  return s;
};

/**
 * VFIO_IOMMU_MAP_DMA (vfio_dma_do_map), READ|WRITE, from fresh user memory (or, for a design's
 * uAPI that maps a doorbell, from physical address `phys`). A container with no group has no
 * IOMMU driver (VFIO_SET_IOMMU needs a group; the last group's leaving releases it,
 * drivers/vfio/container.c __vfio_container_detach_group), so vfio_fops_unl_ioctl answers the
 * ioctl -EINVAL. Then size 0 is -EINVAL, an
 * overflowing range -EOVERFLOW, one not aligned to the container's page size -EINVAL, one that
 * overlaps a DMA -EEXIST, no DMA entries left -ENOSPC, outside the valid IOVA list -EINVAL; then
 * the memory is mapped into every domain (an iommu_map refusal, such as an MSI page already at that
 * IOVA, undoes the map and is returned).
 */
export const vfio_dma_do_map = (s0: State, token: string, iova: bigint, size: bigint, phys?: bigint): Res => {
  const c = containerOf(s0, token);
  if (c.groups.size === 0) return fail(s0, 'EINVAL');
  if (size === 0n) return fail(s0, 'EINVAL');
  const end = iova + size - 1n;
  if (end > ULONG_MAX) return fail(s0, 'EOVERFLOW');
  if (((size | iova) & (c.pgsize - 1n)) !== 0n) return fail(s0, 'EINVAL');
  if (findDma(c, iova, size) !== undefined) return fail(s0, 'EEXIST');
  if (c.dmaAvail === 0) return fail(s0, 'ENOSPC');
  const valid = c.iovas.length === 0 || c.iovas.some((r) => iova >= r.start && end <= r.last);
  if (!valid) return fail(s0, 'EINVAL');
  const ppn = phys === undefined ? s0.nextRamPage : phys >> 12n;
  let s: State = phys === undefined ? { ...s0, nextRamPage: s0.nextRamPage + ((size + 0xfffn) >> 12n) } : s0;
  for (const d of c.domains) {
    const r = iommu_map(s, d, iova, ppn << 12n, size, VFIO_MAP_PROT, 'user');
    if (!r.ok) return fail(s0, r.errno);
    s = r.state;
  }
  return done(
    setContainer(s, token, { ...c, dmas: [...c.dmas, { iova, size, ppn }], dmaAvail: c.dmaAvail - 1 }),
    undefined,
  );
};

/**
 * VFIO_IOMMU_GET_INFO's VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE (vfio_iommu_iova_build_caps): the
 * valid IOVA list; a container whose list is empty reports no capability (nr_iovas absent).
 */
export const vfio_iommu_iova_ranges = (s: State, token: string): readonly Range[] =>
  containerOf(s, token).iovas;

/**
 * VFIO_IOMMU_GET_INFO as the container file answers it: -EINVAL for a container with no group,
 * which has no IOMMU driver to pass the ioctl to (drivers/vfio/container.c vfio_fops_unl_ioctl).
 */
export const vfio_container_iova_ranges = (s: State, token: string): Res<readonly Range[]> =>
  containerOf(s, token).groups.size === 0 ? fail(s, 'EINVAL') : done(s, vfio_iommu_iova_ranges(s, token));
