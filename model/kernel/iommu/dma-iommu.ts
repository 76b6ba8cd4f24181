import { match } from 'ts-pattern';
import { deviceOf, domainOf, groupOf, mapPage, setDomain } from '../../platform/edit.ts';
import { DMA_IOVA_TOP_PAGE } from '../../platform/layout.ts';
import type { Domain, State } from '../../platform/state.ts';
import { PAGE_MASK, pageOf } from '../../types/addr.ts';
import type { ErrnoName } from '../errno.ts';
import { iommufdSwMsi } from '../iommufd/sw-msi.ts';
import { pagingDomainFor } from './domain.ts';
import { overlaps } from './resv.ts';

export type MsiIova = { ok: true; state: State; addr: bigint } | { ok: false; errno: ErrnoName };

/** Reserved regions of every device attached to `d`. */
const attachedResv = (s: State, d: Domain) =>
  s.devices.filter((dev) => s.groups[dev.group]?.domain === d.id).flatMap((dev) => dev.resv);

/** The lowest or highest free IOVA page of `d` not inside a reserved region of its devices. */
const freeIovaPage = (s: State, d: Domain, from: bigint, step: 1n | -1n): bigint => {
  const resv = attachedResv(s, d);
  for (let p = from; p > 0n; p += step) {
    const clash = d.pages.has(p) || resv.some((r) => r.type !== 'SW_MSI' && overlaps(r, p << 12n, 0x1000n));
    if (!clash) return p;
  }
  throw new Error('model inconsistency: IOVA space exhausted');
};

/**
 * iommu_dma_get_msi_page (drivers/iommu/dma-iommu.c): reuse the page already mapped for this
 * doorbell, else allocate an IOVA and map it (WRITE|NOEXEC|MMIO). MSI pages are never unmapped
 * individually.
 */
const getMsiPage = (s: State, domainId: number, physPage: bigint): { state: State; iovaPage: bigint } => {
  const d = domainOf(s, domainId);
  const known = d.msiPages.get(physPage);
  if (known !== undefined) return { state: s, iovaPage: known };
  // iova_reserve_iommu_regions → cookie_init_hw_msi_region: in a DMA_IOVA domain every granule of
  // an IOMMU_RESV_MSI region is a ready msi page with iova == phys, and nothing is mapped.
  const hwMsi = attachedResv(s, d).some((r) => r.type === 'MSI' && overlaps(r, physPage << 12n, 0x1000n));
  if (d.cookie.type === 'DMA_IOVA' && hwMsi) {
    return {
      state: setDomain(s, { ...d, msiPages: new Map(d.msiPages).set(physPage, physPage) }),
      iovaPage: physPage,
    };
  }
  const [iovaPage, cookie] = match(d.cookie)
    // DMA_IOVA: the domain's IOVA allocator, top-down below 4 GiB; SW_MSI is not reserved in it
    // ("We ARE the software that manages these!", iova_reserve_iommu_regions).
    .with({ type: 'DMA_IOVA' }, (c) => [freeIovaPage(s, d, DMA_IOVA_TOP_PAGE, -1n), c] as const)
    // DMA_MSI: bump allocator from the SW_MSI base, no check against the window length (as read).
    .with({ type: 'DMA_MSI' }, (c) => [pageOf(c.next), { ...c, next: c.next + 0x1000n }] as const)
    // IOMMU_DOMAIN_MIXED (seed 004): the lowest hole between the user's mappings.
    .with({ type: 'MIXED' }, (c) => [freeIovaPage(s, d, 1n, 1n), c] as const)
    .otherwise(() => {
      throw new Error(`model inconsistency: getMsiPage on cookie ${d.cookie.type}`);
    });
  const next: Domain = {
    ...mapPage(d, iovaPage, { ppn: physPage, origin: 'msi' }),
    cookie,
    msiPages: new Map(d.msiPages).set(physPage, iovaPage),
  };
  return { state: setDomain(s, next), iovaPage };
};

/**
 * iommu_dma_prepare_msi (drivers/iommu/iommu.c): the address a device must use for the physical
 * doorbell `phys`. IDENTITY passes through; DMA_IOVA / DMA_MSI cookies go to iommu_dma_sw_msi, an
 * IOMMUFD cookie to iommufd_sw_msi; any other domain (BLOCKED, UNMANAGED without a cookie) is
 * -EOPNOTSUPP. The offset within the page is kept (msi_msg_set_addr).
 */
export const iommu_dma_prepare_msi = (s: State, device: number, phys: bigint): MsiIova => {
  const domainId = groupOf(s, deviceOf(s, device).group).domain;
  const d = domainOf(s, domainId);
  if (d.type === 'IDENTITY') return { ok: true, state: s, addr: phys };
  const cookieDomain = domainOf(s, pagingDomainFor(s, domainId));
  return match(cookieDomain.cookie)
    .with({ type: 'DMA_IOVA' }, { type: 'DMA_MSI' }, { type: 'MIXED' }, (): MsiIova => {
      const r = getMsiPage(s, cookieDomain.id, pageOf(phys));
      return { ok: true, state: r.state, addr: (r.iovaPage << 12n) | (phys & PAGE_MASK) };
    })
    .with({ type: 'IOMMUFD' }, (c) => iommufdSwMsi(s, c.owner, device, cookieDomain.id, phys))
    .with({ type: 'NONE' }, (): MsiIova => ({ ok: false, errno: 'EOPNOTSUPP' }))
    .exhaustive();
};
