import { deviceOf, groupOf, mapPage, setDomain } from '../../platform/edit.ts';
import type { Domain, State } from '../../platform/state.ts';
import { ownerKey } from '../../platform/state.ts';
import { pageOf } from '../../types/addr.ts';
import { err, OK } from '../errno.ts';
import type { Step } from '../vfio/assign.ts';
import { overlaps } from './resv.ts';

/** The paging domains holding an owner's IOAS: its UNMANAGED domains (NESTED ones map through their parent). */
export const ownerDomains = (s: State, key: string): Domain[] =>
  s.domains.filter((d) => d.owner === key && d.type === 'UNMANAGED');

/**
 * The owner of `group` maps one page of its memory at `iova`: VFIO_IOMMU_MAP_DMA
 * (vfio_iommu_iova_dma_valid: only inside the IOVA list, from which every non-RELAXABLE reserved
 * region was cut) or IOMMU_IOAS_MAP (iopt_check_iova: -EINVAL on a reserved range, -EEXIST on an
 * existing area). The page is filled into every domain of the IOAS.
 */
export const iommu_map = (s0: State, group: number, iova: bigint): Step => {
  const g = groupOf(s0, group);
  if (g.owner.kind === 'host') return { state: s0, result: err('EPERM') };
  const key = ownerKey(g.owner);
  const page = pageOf(iova);
  const attached = s0.groups.filter((x) => x.owner.kind !== 'host' && ownerKey(x.owner) === key);
  const regions = attached.flatMap((x) => x.devices.flatMap((d) => deviceOf(s0, d).resv));
  if (regions.some((r) => r.type !== 'DIRECT_RELAXABLE' && overlaps(r, page << 12n, 0x1000n))) {
    return { state: s0, result: err('EINVAL') };
  }
  const domains = ownerDomains(s0, key);
  if (domains.some((d) => d.pages.has(page))) return { state: s0, result: err('EEXIST') };
  let s: State = { ...s0, nextRamPage: s0.nextRamPage + 1n };
  for (const d of domains) s = setDomain(s, mapPage(d, page, { ppn: s0.nextRamPage, origin: 'user' }));
  return { state: s, result: OK };
};
