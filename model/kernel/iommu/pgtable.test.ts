import { describe, expect, it } from 'vitest';
import { domainOf, groupOf } from '../../platform/edit.ts';
import { armIts, assign, setup, topo } from '../testing.ts';
import { iommu_map, iommu_unmap } from './pgtable.ts';

const IOMMU_READ = 1;

describe('iommu_map / iommu_unmap page-table edits (drivers/iommu/iommu.c __iommu_map_domain_pgtbl, __iommu_unmap)', () => {
  it('an iova not aligned to the smallest page size is -EINVAL (__iommu_map_domain_pgtbl: !IS_ALIGNED(iova | paddr | size, min_pagesz))', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
    const d = groupOf(s, 0).domain;
    const r = iommu_map(s, d, 0x1000_0800n, 0x4000_0000n, 0x1000n, IOMMU_READ, 'user');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errno).toBe('EINVAL');
  });

  it('iommu_unmap of one page leaves the next page mapped (__iommu_unmap drops only [iova, iova + size))', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
    const d = groupOf(s, 0).domain;
    const r = iommu_map(s, d, 0x1000_0000n, 0x4000_0000n, 0x2000n, IOMMU_READ, 'user');
    if (!r.ok) throw new Error(r.errno);
    const u = iommu_unmap(r.state, d, 0x1000_0000n, 0x1000n);
    expect(domainOf(u, d).pages.has(0x1_0000n)).toBe(false);
    expect(domainOf(u, d).pages.get(0x1_0001n)?.ppn).toBe(0x4_0001n);
  });
});
