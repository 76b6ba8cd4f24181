import { domainOf, groupOf, setGroup } from '../../platform/edit.ts';
import { imsicPage } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import { iommu_dma_prepare_msi } from './dma-iommu.ts';
import { createDirectMappings, isPaging, mapImsicsIdentity } from './domain.ts';

/**
 * Attaches every device of `group` to `domainId` (__iommu_group_set_domain), with what the kernel
 * and the design do around it: direct mappings (iommu_create_device_direct_mappings), the RFC v2
 * patch 05 IMSIC identity maps of first-stage paging domains, series1's mapping of every IMSIC
 * page into the SW_MSI window. Refusals are checked by callers; the MSI page table follows the
 * group's owner, not its domain (resetMsiTables).
 */
export const attachGroup = (s0: State, group: number, domainId: number): State => {
  let s = s0;
  const g = groupOf(s, group);
  for (const d of g.devices) s = createDirectMappings(s, domainId, d);
  const dom = domainOf(s, domainId);
  const doorbells = s.policy.doorbells;
  if (doorbells === 'msi-table-affinity' && isPaging(dom) && dom.stage === 's1')
    s = mapImsicsIdentity(s, domainId);
  s = setGroup(s, { ...groupOf(s, group), domain: domainId });
  const first = g.devices[0];
  if (doorbells === 'map-all-at-attach' && isPaging(dom) && first !== undefined) {
    // Seed 000 "series1": the domain owner maps every IMSIC page into its MSI window. A domain
    // without an MSI cookie has no window, and gets nothing.
    for (let h = 0; h < s.topology.harts; h++) {
      const r = iommu_dma_prepare_msi(s, first, imsicPage(s.topology.harts, h, 'S') << 12n);
      if (r.ok) s = r.state;
    }
  }
  return s;
};
