import { domainOf, mapPage, setDomain } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { PAGE_MASK, pageOf } from '../../types/addr.ts';
import type { MsiIova } from '../iommu/dma-iommu.ts';
import { swMsiStart } from '../iommu/domain.ts';

/** struct iommufd_sw_msi_maps holds a 64-bit bitmap: at most 64 doorbell pages per fd. */
export const IOMMUFD_SW_MSI_MAX = 64;

/**
 * iommufd_sw_msi (drivers/iommu/iommufd/driver.c): a per-fd list (sw_msi_start, doorbell page) →
 * pgoff, so the IOVA sw_msi_start + pgoff·PAGE_SIZE is the same in every domain of the fd; the page
 * is installed into the paging domain once (present_sw_msi). No SW_MSI: the message is unchanged.
 */
export const iommufdSwMsi = (
  s: State,
  owner: string,
  device: number,
  domainId: number,
  phys: bigint,
): MsiIova => {
  const start = swMsiStart(s, device);
  if (start === undefined) return { ok: true, state: s, addr: phys };
  const maps = s.swMsiMaps.get(owner) ?? new Map<bigint, number>();
  const page = pageOf(phys);
  let pgoff = maps.get(page);
  let state = s;
  if (pgoff === undefined) {
    // iommufd_sw_msi_get_map: a new page takes max(existing) + 1; beyond the bitmap, -EOVERFLOW.
    pgoff = maps.size === 0 ? 0 : Math.max(...maps.values()) + 1;
    if (pgoff >= IOMMUFD_SW_MSI_MAX) return { ok: false, errno: 'EOVERFLOW' };
    state = { ...state, swMsiMaps: new Map(state.swMsiMaps).set(owner, new Map(maps).set(page, pgoff)) };
  }
  const iovaPage = pageOf(start) + BigInt(pgoff);
  state = installSwMsi(state, domainId, iovaPage, page);
  return { ok: true, state, addr: (iovaPage << 12n) | (phys & PAGE_MASK) };
};

/** iommufd_sw_msi_install: map the doorbell page into the domain unless present. */
export const installSwMsi = (s: State, domainId: number, iovaPage: bigint, physPage: bigint): State => {
  const d = domainOf(s, domainId);
  if (d.pages.get(iovaPage)?.ppn === physPage) return s;
  return setDomain(s, {
    ...mapPage(d, iovaPage, { ppn: physPage, origin: 'msi' }),
    msiPages: new Map(d.msiPages).set(physPage, iovaPage),
  });
};

/**
 * iommufd_group_setup_msi (drivers/iommu/iommufd/device.c): before a group is attached to a new
 * domain, install its MSI pages at the same IOVA (simplification: every page of the fd, where the
 * kernel installs the pages in the group's required_sw_msi bitmap).
 */
export const iommufdGroupSetupMsi = (s: State, owner: string, device: number, domainId: number): State => {
  const start = swMsiStart(s, device);
  const maps = s.swMsiMaps.get(owner);
  if (start === undefined || maps === undefined) return s;
  let state = s;
  for (const [page, pgoff] of maps)
    state = installSwMsi(state, domainId, pageOf(start) + BigInt(pgoff), page);
  return state;
};
