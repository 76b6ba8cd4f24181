import { describe, expect, it } from 'vitest';
import { deviceOf, domainOf, groupOf, setDevice, setDomain } from '../../platform/edit.ts';
import { IOMMU_READ, IOMMU_WRITE, type Mapping, type ResvRegion, type State } from '../../platform/state.ts';
import { setup, topo, x86 } from '../testing.ts';
import { createDirectMappings } from './domain.ts';

// drivers/iommu/iommu.c iommu_create_device_direct_mappings: start = ALIGN(entry->start, pg_size),
// end = ALIGN(entry->start + entry->length, pg_size); runs of pages iommu_iova_to_phys finds unmapped
// are identity-mapped with one iommu_map each; an already mapped page ends a run. RMRRs are
// IOMMU_READ | IOMMU_WRITE (drivers/iommu/intel/iommu.c intel_iommu_get_resv_regions).
const direct = (ppn: bigint): Mapping => ({ ppn, origin: 'direct', prot: IOMMU_READ | IOMMU_WRITE });

const dmaWith = (region: ResvRegion, premapped: readonly [bigint, Mapping][] = []): [State, number] => {
  const s0 = setup(x86('vtd', { defaultDomain: 'dma' }), topo([{}]));
  const id = groupOf(s0, 0).domain;
  const dev = deviceOf(s0, 0);
  const d = domainOf(s0, id);
  const s1 = setDevice(s0, { ...dev, resv: [...dev.resv, region] });
  return [setDomain(s1, { ...d, pages: new Map([...d.pages, ...premapped]) }), id];
};

describe('createDirectMappings (drivers/iommu/iommu.c iommu_create_device_direct_mappings)', () => {
  it('a three-page DIRECT region is identity-mapped page by page', () => {
    const [s, id] = dmaWith({ start: 0x10000n, length: 0x3000n, type: 'DIRECT' });
    const before = domainOf(s, id).pages;
    const after = domainOf(createDirectMappings(s, id, 0), id).pages;
    expect(after).toEqual(
      new Map([...before, [0x10n, direct(0x10n)], [0x11n, direct(0x11n)], [0x12n, direct(0x12n)]]),
    );
  });

  it('a page already mapped in the middle is left as it was; the pages around it are mapped', () => {
    const user: Mapping = { ppn: 0x99n, origin: 'user', prot: IOMMU_READ };
    const [s, id] = dmaWith({ start: 0x10000n, length: 0x3000n, type: 'DIRECT_RELAXABLE' }, [[0x11n, user]]);
    const before = domainOf(s, id).pages;
    const after = domainOf(createDirectMappings(s, id, 0), id).pages;
    expect(after).toEqual(new Map([...before, [0x10n, direct(0x10n)], [0x12n, direct(0x12n)]]));
  });

  it('an unaligned start is aligned up: [0x10800, 0x11800) maps only page 0x11 (ALIGN of start and of end)', () => {
    const [s, id] = dmaWith({ start: 0x10800n, length: 0x1000n, type: 'DIRECT' });
    const before = domainOf(s, id).pages;
    const after = domainOf(createDirectMappings(s, id, 0), id).pages;
    expect(after).toEqual(new Map([...before, [0x11n, direct(0x11n)]]));
  });

  it('RESERVED and MSI regions are not mapped', () => {
    const [s, id] = dmaWith({ start: 0x10000n, length: 0x1000n, type: 'RESERVED' });
    expect(domainOf(createDirectMappings(s, id, 0), id).pages).toEqual(domainOf(s, id).pages);
  });
});
