import { describe, expect, it } from 'vitest';
import { irqOf } from '../../platform/edit.ts';
import { FIRST_DEVICE_VECTOR, MBI_DOORBELL, MBI_FIRST_SPI } from '../../platform/layout.ts';
import { alloc, armIts, run, setup, topo, x86 } from '../testing.ts';
import { compatAddr, vtdRemappableAddr } from './alloc.ts';

describe('msi_domain_alloc_irqs (kernel/irq/msi.c; irqchip compose_msi_msg)', () => {
  it('allocating beyond the device vectors is -ENOSPC (pci_alloc_irq_vectors: table size exhausted)', () => {
    const s = setup(armIts(), topo([{ vectors: 1 }]));
    const { state, results } = run(s, [alloc(0), alloc(0)]);
    expect(results[0]?.ok).toBe(true);
    expect(results[1]).toEqual({ ok: false, errno: 'ENOSPC' });
    expect(state.irqs).toHaveLength(1);
  });

  it('VT-d composes remappable format: 0xFEE00000 | handle<<5 | IF(bit 4) | SHV(bit 3), sub-handle 0 in data (intel_ir_compose_msi_msg / fill_msi_msg)', () => {
    const s = setup(x86('vtd'), topo([{}]), [alloc(0), alloc(0)]);
    expect(vtdRemappableAddr(1)).toBe(0xfee0_0038n);
    expect(irqOf(s, 0, 0)?.msg).toEqual({ addr: 0xfee0_0018n, data: 0 });
    expect(irqOf(s, 0, 1)?.msg).toEqual({ addr: 0xfee0_0038n, data: 0 });
  });

  it('x86 without IR composes compatibility format on CPU 0: address 0xFEE00000, data = the vector, the first device vector of model/platform/layout.ts (__irq_msi_compose_msg)', () => {
    const s = setup(x86('none'), topo([{}]), [alloc(0)]);
    expect(compatAddr(0)).toBe(0xfee0_0000n);
    expect(irqOf(s, 0, 0)?.msg).toEqual({ addr: 0xfee0_0000n, data: FIRST_DEVICE_VECTOR });
  });

  it('GICv3 MBI takes the lowest free SPI of mbi-ranges and maps GICD_SETSPI_NSR with iommu_dma_prepare_msi: the message is the doorbell IOVA + 0x40 and the SPI (drivers/irqchip/irq-gic-v3-mbi.c mbi_irq_domain_alloc, mbi_compose_msi_msg)', () => {
    const mbi = {
      ...armIts({ defaultDomain: 'dma', isolatedMsiClaim: false }),
      hardware: { arch: 'arm', irqchip: 'gicv3-mbi' },
    } as const;
    const s = setup(mbi, topo([{}, {}]), [alloc(0), alloc(1), alloc(0)]);
    expect(s.irqs.map((q) => q.hw)).toEqual([
      { chip: 'mbi', spi: MBI_FIRST_SPI },
      { chip: 'mbi', spi: MBI_FIRST_SPI + 1 },
      { chip: 'mbi', spi: MBI_FIRST_SPI + 2 },
    ]);
    const q = irqOf(s, 0, 0);
    expect(q?.msg.data).toBe(MBI_FIRST_SPI);
    expect((q?.msg.addr ?? 0n) & 0xfffn).toBe(MBI_DOORBELL & 0xfffn);
    // The DMA domain's MSI page maps the distributor page (iommu_dma_get_msi_page).
    const dom = s.domains[s.groups[0]?.domain ?? -1];
    expect(
      [...(dom?.pages.values() ?? [])].some((m) => m.origin === 'msi' && m.ppn === MBI_DOORBELL >> 12n),
    ).toBe(true);
  });
});
