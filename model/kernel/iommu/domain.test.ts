import { describe, expect, it } from 'vitest';
import { build } from '../../platform/build.ts';
import { deviceDomain, deviceOf, domainOf, setDomain } from '../../platform/edit.ts';
import { directRegionPage, imsicPage } from '../../platform/layout.ts';
import { IOMMU_READ, IOMMU_WRITE } from '../../platform/state.ts';
import { armIts, riscv, topo, x86 } from '../testing.ts';
import { allocDomain, mapImsicsIdentity } from './domain.ts';

describe('iommu_create_device_direct_mappings (drivers/iommu/iommu.c; docs/linux-policy.md#direct-regions-block-assignment; docs/invariants.md#direct-mapped)', () => {
  it('a DMA default domain identity-maps DIRECT and DIRECT_RELAXABLE regions (iommu_is_dma_domain)', () => {
    const s = build(
      x86('vtd', { defaultDomain: 'dma' }),
      topo([{ resv: ['direct'] }, { resv: ['direct-relaxable'] }]),
    );
    for (const d of [0, 1]) {
      expect(deviceDomain(s, d).type).toBe('DMA');
      expect(deviceDomain(s, d).pages.get(directRegionPage(d))).toEqual({
        ppn: directRegionPage(d),
        origin: 'direct',
        prot: IOMMU_READ | IOMMU_WRITE,
      });
    }
  });

  it('an IDENTITY default domain gets no direct mapping but a DIRECT region still sets require_direct (side effect on every call)', () => {
    const s = build(armIts({ requiresDirect: 'always' }), topo([{ resv: ['direct'] }]));
    expect(deviceDomain(s, 0).pages.size).toBe(0);
    expect(deviceOf(s, 0).requireDirect).toBe(true);
  });

  it('a DIRECT_RELAXABLE region never sets require_direct', () => {
    const s = build(armIts({ defaultDomain: 'dma' }), topo([{ resv: ['direct-relaxable'] }]));
    expect(deviceOf(s, 0).requireDirect).toBe(false);
  });

  it('before seed 001 patch (dma-default-only) require_direct is recorded only on DMA domains', () => {
    const id = build(armIts({ requiresDirect: 'dma-default-only' }), topo([{ resv: ['direct'] }]));
    const dma = build(
      armIts({ requiresDirect: 'dma-default-only', defaultDomain: 'dma' }),
      topo([{ resv: ['direct'] }]),
    );
    expect(deviceOf(id, 0).requireDirect).toBe(false);
    expect(deviceOf(dma, 0).requireDirect).toBe(true);
  });
});

describe('mapImsicsIdentity (RFC v2 patch 05 riscv_iommu_ir_map_imsics)', () => {
  it('identity-maps the S-file page of each of the harts, no more, IOMMU_READ | IOMMU_WRITE', () => {
    const [s, id] = allocDomain(build(riscv('prepare-msi'), topo([{}], { harts: 3 })), 'UNMANAGED', 'user0');
    const pages = domainOf(mapImsicsIdentity(s, id), id).pages;
    const expected = [0, 1, 2].map((h) => {
      const p = imsicPage(3, h, 'S');
      return [p, { ppn: p, origin: 'imsic-identity', prot: IOMMU_READ | IOMMU_WRITE }] as const;
    });
    expect(pages).toEqual(new Map(expected));
  });

  it('an IMSIC page that is already mapped keeps its mapping (iommu_map never replaces a present IOVA)', () => {
    const [s0, id] = allocDomain(build(riscv('prepare-msi'), topo([{}], { harts: 1 })), 'UNMANAGED', 'user0');
    const p = imsicPage(1, 0, 'S');
    const user = { ppn: 0x1234n, origin: 'user', prot: IOMMU_READ } as const;
    const s = setDomain(s0, { ...domainOf(s0, id), pages: new Map([[p, user]]) });
    expect(domainOf(mapImsicsIdentity(s, id), id).pages).toEqual(new Map([[p, user]]));
  });
});
