import { describe, expect, it } from 'vitest';
import { irqOf } from '../../platform/edit.ts';
import { FIRST_DEVICE_VECTOR, MBI_DOORBELL, MBI_FIRST_SPI } from '../../platform/layout.ts';
import { alloc, armIts, run, setup, topo, x86 } from '../testing.ts';
import { compatAddr, freeCpuVector, vtdRemappableAddr } from './alloc.ts';

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

  it('x86 device vectors run from FIRST_EXTERNAL_VECTOR 0x20 to below FIRST_SYSTEM_VECTOR 0xeb, per CPU (arch/x86/kernel/apic/vector.c arch_early_irq_init: irq_alloc_matrix(NR_VECTORS, FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR); kernel/irq/matrix.c matrix_alloc_area: lowest free bit)', () => {
    const s = setup(x86('none'), topo([{}]), [alloc(0)]);
    const q = irqOf(s, 0, 0);
    if (q?.hw.chip !== 'lapic') throw new Error('no LAPIC IRQ');
    expect(q.hw.vector).toBe(0x20);
    const onCpu0 = (vectors: number[]) => ({
      ...s,
      irqs: vectors.map((vector) => ({ ...q, hw: { ...q.hw, vector } })),
    });
    const upTo = (last: number) => Array.from({ length: last - 0x20 + 1 }, (_, i) => 0x20 + i);
    expect(freeCpuVector(onCpu0([]), 0)).toBe(0x20);
    expect(freeCpuVector(onCpu0([0x20, 0x22]), 0)).toBe(0x21);
    expect(freeCpuVector(onCpu0(upTo(0xe9)), 0)).toBe(0xea);
    expect(freeCpuVector(onCpu0(upTo(0xea)), 0)).toBeUndefined();
    // Another CPU's vectors are its own.
    expect(freeCpuVector(onCpu0(upTo(0xea)), 1)).toBe(0x20);
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
