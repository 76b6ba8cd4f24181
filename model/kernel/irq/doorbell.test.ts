import { describe, expect, it } from 'vitest';
import { imsicPage } from '../../platform/layout.ts';
import { assign, riscv, setup, topo } from '../testing.ts';
import { imsicDoorbell } from './doorbell.ts';

// drivers/iommu/dma-iommu.c iommu_dma_get_msi_page → iommu_dma_alloc_iova: a PCI device's first try is
// below 4 GiB (DMA_BIT_MASK(32)), and drivers/iommu/iova.c alloc_iova_fast allocates top-down from
// limit_pfn, so an empty DMA domain's first 4 KiB MSI page is IOVA 0xFFFFF000, the next 0xFFFFE000.
// Seed 002_d96c86f760c068ce.txt: a mapping made from irq_set_affinity runs in atomic context.
describe('imsicDoorbell (drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_compose_msi_msg → iommu_dma_prepare_msi)', () => {
  it('raw-physical: the hart S-file address, state untouched', () => {
    const s = setup(riscv('raw-physical'), topo([{}], { harts: 2 }));
    expect(imsicDoorbell(s, 0, 1, 7, true)).toEqual({
      ok: true,
      state: s,
      addr: imsicPage(2, 1, 'S') << 12n,
    });
  });

  it('prepare-msi on a DMA domain from irq_set_affinity: the top IOVA below 4 GiB, recorded as an atomic mapping', () => {
    const s = setup(riscv('prepare-msi', { defaultDomain: 'dma' }), topo([{}], { harts: 2 }));
    const r = imsicDoorbell(s, 0, 1, 7, true);
    expect(r.ok && r.addr).toBe(0xffff_f000n);
    expect(r.ok && r.state.atomicMappings).toEqual([{ irq: 7, page: 0xf_ffffn }]);
    const quiet = imsicDoorbell(s, 0, 1, 7, false);
    expect(quiet.ok && quiet.state.atomicMappings).toEqual([]);
  });

  it('prepare-msi-all-imsics: every hart page is prepared in hart order and the target hart address returned', () => {
    const s = setup(riscv('prepare-msi-all-imsics', { defaultDomain: 'dma' }), topo([{}], { harts: 2 }));
    const r = imsicDoorbell(s, 0, 1, 7, true);
    expect(r.ok && r.addr).toBe(0xffff_e000n);
    expect(r.ok && r.state.atomicMappings).toEqual([
      { irq: 7, page: 0xf_ffffn },
      { irq: 7, page: 0xf_fffen },
    ]);
    // Prepared again: every page is already an msi page, so nothing new is mapped or recorded.
    if (!r.ok) throw new Error(r.errno);
    const again = imsicDoorbell(r.state, 0, 0, 8, true);
    expect(again).toEqual({ ok: true, state: r.state, addr: 0xffff_f000n });
  });

  it('an UNMANAGED domain without a cookie: iommu_dma_prepare_msi -EOPNOTSUPP is passed up', () => {
    const s = setup(riscv('prepare-msi', { msiRegion: 'none' }), topo([{}], { harts: 2 }), [
      assign(0, 'type1', { unsafe: true }),
    ]);
    expect(imsicDoorbell(s, 0, 0, 7, false)).toEqual({ ok: false, errno: 'EOPNOTSUPP' });
  });

  it('hw-window: the hart S-file physical address, nothing asked of the IOMMU (the fixed window is decoded untranslated, model/kernel/policy.ts DOORBELL_POLICIES)', () => {
    const s = setup(riscv('hw-window', { defaultDomain: 'dma' }), topo([{}], { harts: 2 }));
    expect(imsicDoorbell(s, 0, 1, 7, true)).toEqual({
      ok: true,
      state: s,
      addr: imsicPage(2, 1, 'S') << 12n,
    });
  });

  it('map-all-at-attach: every S-file page is already mapped in the DMA domain, so the address is its IOVA and irq_set_affinity maps nothing in atomic context (seed 000 series1; iommu_dma_prepare_msi finds the msi_page, iommu_dma_get_msi_page)', () => {
    const s = setup(riscv('map-all-at-attach', { defaultDomain: 'dma' }), topo([{}], { harts: 2 }));
    const dom = s.domains[s.groups[0]?.domain ?? -1];
    const iovaOf = (hart: number) =>
      [...(dom?.pages.entries() ?? [])].find(([, m]) => m.ppn === imsicPage(2, hart, 'S'))?.[0];
    expect(iovaOf(1)).toBeDefined(); // premise: mapped at attach
    const r = imsicDoorbell(s, 0, 1, 7, true);
    expect(r.ok && r.addr >> 12n).toBe(iovaOf(1));
    expect(r.ok && r.state.atomicMappings).toEqual([]);
    expect(r.ok && r.state.domains).toBe(s.domains);
  });

  it('prepare-msi-all-imsics for a hart the platform does not have: a model inconsistency, never an undefined address', () => {
    const s = setup(riscv('prepare-msi-all-imsics', { defaultDomain: 'dma' }), topo([{}], { harts: 2 }));
    expect(() => imsicDoorbell(s, 0, 2, 7, false)).toThrow('model inconsistency: target hart not prepared');
  });
});
