import { describe, expect, it } from 'vitest';
import { deviceDomain, groupOf, setGroup } from '../../platform/edit.ts';
import { imsicPage, SW_MSI_BASE } from '../../platform/layout.ts';
import { assign, riscv, run, setup, topo } from '../testing.ts';
import { afterAttach } from './attach.ts';

/**
 * afterAttach: seed 000 ("series1") has the domain owner map every IMSIC S-file page into its MSI
 * window when a translating domain is attached — iommu_dma_prepare_msi (drivers/iommu/dma-iommu.c)
 * once per hart (the group is assigned with allow_unsafe_interrupts: no isolated MSI on these designs), each a new page of the DMA_MSI cookie's bump allocator from the SW_MSI base.
 */
describe('afterAttach: map-all-at-attach (seed 000 series1)', () => {
  const swMsiPage = SW_MSI_BASE >> 12n;

  it('a type1 attach maps the S-file page of every hart, hart h at SW_MSI base + h pages, and no more', () => {
    for (const harts of [1, 3]) {
      const s = setup(riscv('map-all-at-attach'), topo([{}], { harts }), [
        assign(0, 'type1', { unsafe: true }),
      ]);
      const expected = new Map(
        Array.from({ length: harts }, (_, h) => [imsicPage(harts, h, 'S'), swMsiPage + BigInt(h)] as const),
      );
      expect(deviceDomain(s, 0).msiPages).toEqual(expected);
      expect([...deviceDomain(s, 0).pages.keys()].sort()).toEqual([...expected.values()]);
    }
  });

  it('the prepare-msi policy maps nothing at attach (pages come with each vector)', () => {
    const s = setup(riscv('prepare-msi'), topo([{}], { harts: 2 }), [assign(0, 'type1', { unsafe: true })]);
    expect(deviceDomain(s, 0).msiPages).toEqual(new Map());
  });

  it('a group back on its identity default domain gets nothing mapped', () => {
    const s = setup(riscv('map-all-at-attach'), topo([{}], { harts: 2 }), [
      assign(0, 'type1', { unsafe: true }),
    ]);
    const { state, results } = run(s, [{ op: 'vfio_group_release', group: 0 }]);
    expect(results).toEqual([{ ok: true }]);
    expect(deviceDomain(state, 0).type).toBe('IDENTITY');
    expect(deviceDomain(state, 0).msiPages).toEqual(new Map());
  });

  it('a group with no device has no device to call iommu_dma_prepare_msi for: nothing changes', () => {
    const s0 = setup(riscv('map-all-at-attach'), topo([{}], { harts: 2 }), [
      assign(0, 'type1', { unsafe: true }),
    ]);
    const s = setGroup(s0, { ...groupOf(s0, 0), devices: [] });
    expect(afterAttach(s, 0)).toBe(s);
  });
});
