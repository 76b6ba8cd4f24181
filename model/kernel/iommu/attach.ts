import { domainOf, groupOf } from '../../platform/edit.ts';
import { imsicPage } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import { iommu_dma_prepare_msi } from './dma-iommu.ts';
import { isPaging } from './domain.ts';

/**
 * What a design does once a group sits on a new domain, beyond Linux: seed 000's "series1" has the
 * domain owner map every IMSIC S-file page into its MSI window (iommu_dma_prepare_msi per page) when
 * a translating domain is attached. A domain without an MSI cookie has no window, and gets nothing.
 */
export const afterAttach = (s0: State, group: number): State => {
  if (s0.policy.doorbells !== 'map-all-at-attach') return s0;
  const g = groupOf(s0, group);
  const first = g.devices[0];
  if (first === undefined || !isPaging(domainOf(s0, g.domain))) return s0;
  let s = s0;
  for (let h = 0; h < s.topology.harts; h++) {
    // Stryker disable next-line StringLiteral: imsicFileAddr reads '' like 'S' (BigInt('') is 0n), same page
    const r = iommu_dma_prepare_msi(s, first, imsicPage(s.topology.harts, h, 'S') << 12n);
    // Stryker disable next-line ConditionalExpression: a failed iommu_dma_prepare_msi returns the state it was given
    if (r.ok) s = r.state;
  }
  return s;
};
