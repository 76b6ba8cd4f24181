import { match } from 'ts-pattern';
import { deviceOf, domainOf, groupOf, setDomain } from '../../platform/edit.ts';
import { DMA_IOVA_TOP_PAGE } from '../../platform/layout.ts';
import {
  type Domain,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_WRITE,
  NO_DOMAIN,
  type State,
} from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import { iommufd_sw_msi } from '../iommufd/sw-msi.ts';
import { vmmGuestMsiAddr } from '../kvm/guest-s1.ts';
import { pagingDomainFor } from './domain.ts';
import { iommu_map } from './pgtable.ts';
import { overlaps } from './resv.ts';

/** What iommu_dma_prepare_msi leaves in the MSI descriptor: msi_desc_set_iommu_msi_iova(desc, iova, shift). */
export interface MsiIovaSet {
  readonly iova: bigint;
  readonly shift: number;
}

/**
 * msi_msg_set_addr (include/linux/msi.h): with a shift, the stored IOVA with the doorbell's offset
 * within the 2^shift page; without one, the physical doorbell.
 */
export const msi_msg_set_addr = (set: MsiIovaSet, doorbell: bigint): bigint => {
  if (set.shift === 0) return doorbell;
  const mask = (1n << BigInt(set.shift)) - 1n;
  return (set.iova & ~mask) | (doorbell & mask);
};

/** The result of iommu_dma_prepare_msi for one doorbell: the descriptor's IOVA/shift and the composed address. */
export interface PreparedMsi extends MsiIovaSet {
  readonly addr: bigint;
}
export type MsiIova = Res<PreparedMsi>;

const NO_IOVA: MsiIovaSet = { iova: 0n, shift: 0 };
const prepared = (s: State, set: MsiIovaSet, doorbell: bigint): MsiIova =>
  done(s, { ...set, addr: msi_msg_set_addr(set, doorbell) });

/** Reserved regions of every device attached to `d`. */
const attachedResv = (s: State, d: Domain) =>
  s.devices.filter((dev) => s.groups[dev.group]?.domain === d.id).flatMap((dev) => dev.resv);

/**
 * The lowest or highest free granule of `d` not inside a reserved region of its devices (the
 * DMA_IOVA allocator top-down below 4 GiB; IOMMU_DOMAIN_MIXED's holes bottom-up).
 */
const freeIova = (s: State, d: Domain, from: bigint, step: 1n | -1n, granule: bigint): bigint => {
  const resv = attachedResv(s, d);
  const pagesPer = granule >> 12n;
  for (let g = from; g > 0n; g += step) {
    const iova = g * granule;
    let clash = resv.some((r) => r.type !== 'SW_MSI' && overlaps(r, iova, granule));
    for (let p = 0n; p < pagesPer && !clash; p++) clash = d.pages.has((iova >> 12n) + p);
    if (!clash) return iova;
  }
  throw new Error('model inconsistency: IOVA space exhausted');
};

/** cookie_msi_granule: the IOVA granule (the domain's smallest page) for DMA_IOVA, PAGE_SIZE for DMA_MSI. */
const msiGranule = (s: State, d: Domain): bigint => (d.cookie.type === 'DMA_IOVA' ? d.pgsize : s.pageSize);

/**
 * iommu_dma_get_msi_page (drivers/iommu/dma-iommu.c): reuse the page already mapped for this
 * doorbell granule, else allocate an IOVA and iommu_map it WRITE|NOEXEC|MMIO. When the map fails —
 * the MSI cookie's bump allocator has no upper bound and can land on an IOVA the user mapped —
 * the allocation is rewound (iommu_dma_free_iova) and the caller gets -ENOMEM. MSI pages are never
 * unmapped individually.
 */
const getMsiPage = (s: State, domainId: number, phys: bigint): Res<bigint> => {
  const d = domainOf(s, domainId);
  const granule = msiGranule(s, d);
  const page = phys & ~(granule - 1n);
  const known = d.msiPages.get(page >> 12n);
  if (known !== undefined) return done(s, known << 12n);
  // iova_reserve_iommu_regions → cookie_init_hw_msi_region: in a DMA_IOVA domain every granule of
  // an IOMMU_RESV_MSI region is a ready msi page with iova == phys, and nothing is mapped.
  const hwMsi = attachedResv(s, d).some((r) => r.type === 'MSI' && overlaps(r, page, granule));
  if (d.cookie.type === 'DMA_IOVA' && hwMsi) {
    return done(setDomain(s, { ...d, msiPages: new Map(d.msiPages).set(page >> 12n, page >> 12n) }), page);
  }
  const [iova, cookie] = match(d.cookie)
    // DMA_IOVA: the domain's IOVA allocator, top-down below 4 GiB; SW_MSI is not reserved in it
    // ("We ARE the software that manages these!", iova_reserve_iommu_regions).
    .with(
      { type: 'DMA_IOVA' },
      (c) => [freeIova(s, d, ((DMA_IOVA_TOP_PAGE + 1n) << 12n) / granule - 1n, -1n, granule), c] as const,
    )
    // DMA_MSI: bump allocator from the SW_MSI base, no check against the window length (as read).
    .with({ type: 'DMA_MSI' }, (c) => [c.next, { ...c, next: c.next + granule }] as const)
    // IOMMU_DOMAIN_MIXED (seed 004): the lowest hole between the user's mappings.
    .with({ type: 'MIXED' }, (c) => [freeIova(s, d, 1n, 1n, granule), c] as const)
    .otherwise(() => {
      throw new Error(`model inconsistency: getMsiPage on cookie ${d.cookie.type}`);
    });
  const mapped = iommu_map(s, domainId, iova, page, granule, IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO, 'msi');
  if (!mapped.ok) return fail(s, 'ENOMEM');
  const after = domainOf(mapped.state, domainId);
  const next: Domain = { ...after, cookie, msiPages: new Map(after.msiPages).set(page >> 12n, iova >> 12n) };
  return done(setDomain(mapped.state, next), iova);
};

/** iommu_dma_sw_msi: the msi page for the doorbell, then msi_desc_set_iommu_msi_iova(iova, ilog2(granule)). */
const iommu_dma_sw_msi = (s: State, domainId: number, doorbell: bigint): MsiIova => {
  const d = domainOf(s, domainId);
  const r = getMsiPage(s, domainId, doorbell);
  if (!r.ok) return fail(r.state, r.errno);
  const granule = msiGranule(s, d);
  return prepared(r.state, { iova: r.value, shift: granule.toString(2).length - 1 }, doorbell);
};

/**
 * iommu_dma_prepare_msi (drivers/iommu/iommu.c) for one MSI descriptor of `device` whose irqchip
 * composes doorbell `doorbell`: a device in no group, or a group on an IDENTITY domain, keeps the
 * physical address; DMA_IOVA / DMA_MSI cookies go to iommu_dma_sw_msi, an IOMMUFD cookie to
 * iommufd_sw_msi; any other domain (BLOCKED, UNMANAGED without a cookie) is -EOPNOTSUPP.
 */
export const iommu_dma_prepare_msi = (s: State, device: number, doorbell: bigint): MsiIova => {
  const dev = deviceOf(s, device);
  if (!dev.probed) return prepared(s, NO_IOVA, doorbell);
  const domainId = groupOf(s, dev.group).domain;
  if (domainId === NO_DOMAIN) return prepared(s, NO_IOVA, doorbell);
  const d = domainOf(s, domainId);
  if (d.type === 'IDENTITY') return prepared(s, NO_IOVA, doorbell);
  return match(d.cookie)
    .with({ type: 'DMA_IOVA' }, { type: 'DMA_MSI' }, { type: 'MIXED' }, () =>
      iommu_dma_sw_msi(s, domainId, doorbell),
    )
    .with({ type: 'IOMMUFD' }, () => {
      const r = iommufd_sw_msi(s, device, pagingDomainFor(s, domainId), doorbell);
      return r.ok ? done(r.state, vmmGuestMsiAddr(r.state, domainId, r.value)) : r;
    })
    .with({ type: 'NONE' }, () => fail<PreparedMsi>(s, 'EOPNOTSUPP'))
    .exhaustive();
};

/**
 * iommu_get_msi_cookie (drivers/iommu/dma-iommu.c): only an UNMANAGED domain (-EINVAL), only
 * without a cookie (-EEXIST); the cookie's bump allocator starts at `base`.
 */
export const iommu_get_msi_cookie = (s: State, domainId: number, base: bigint): Res => {
  const d = domainOf(s, domainId);
  if (d.type !== 'UNMANAGED') return fail(s, 'EINVAL');
  if (d.cookie.type !== 'NONE') return fail(s, 'EEXIST');
  return done(setDomain(s, { ...d, cookie: { type: 'DMA_MSI', base, next: base } }), undefined);
};
