import { describe, expect, it } from 'vitest';
import { irqOf } from '../../platform/edit.ts';
import { itsDeviceId, ittEvents } from '../../platform/iort.ts';
import {
  FIRST_DEVICE_VECTOR,
  IMSIC_IDS,
  LPI_BASE,
  MBI_DOORBELL,
  MBI_FIRST_SPI,
  MBI_NUM_SPIS,
  V2M_FIRST_SPI,
  V2M_NUM_SPIS,
  X86_FIRST_SYSTEM_VECTOR,
  X86_MSI_BASE,
} from '../../platform/layout.ts';
import type { HwIrq, Irq, State } from '../../platform/state.ts';
import { alloc, armIts, armV2m, riscv, run, setup, topo, x86 } from '../testing.ts';
import { allocIrq, compatAddr, freeCpuVector, vtdRemappableAddr } from './alloc.ts';

/** `s` with IRQs of `device` (on hart 0) holding every identity in `hws`: a pool filled by earlier allocations. */
const holding = (s: State, hws: readonly HwIrq[], device = 1): State => ({
  ...s,
  irqs: hws.map(
    (hw, i): Irq => ({
      irq: i,
      device,
      vector: i,
      hart: 0,
      owner: 'host',
      via: 'host',
      hw,
      msg: { addr: 0n, data: 0 },
    }),
  ),
  nextIrq: hws.length,
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

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

  it('AMD IR: the interrupt remapping table is per device, its lowest free index is the IRTE and the MSI data, the address the bare 0xFEE00000 base (drivers/iommu/amd/iommu.c alloc_irq_index: scan of the devid table from min_index 0; fill_msi_msg: data = index)', () => {
    const s = setup(x86('amd'), topo([{}, {}]), [alloc(0), alloc(0), alloc(1)]);
    expect(s.irqs.map((q) => [q.device, q.hw])).toEqual([
      [0, { chip: 'amd', index: 0, vector: FIRST_DEVICE_VECTOR }],
      [0, { chip: 'amd', index: 1, vector: FIRST_DEVICE_VECTOR + 1 }],
      [1, { chip: 'amd', index: 0, vector: FIRST_DEVICE_VECTOR + 2 }],
    ]);
    expect(s.irqs.map((q) => q.msg)).toEqual([
      { addr: X86_MSI_BASE, data: 0 },
      { addr: X86_MSI_BASE, data: 1 },
      { addr: X86_MSI_BASE, data: 0 },
    ]);
  });

  it('allocation runs in process context: a DMA-domain doorbell mapped by msi_domain_alloc_irqs is not an atomic-context mapping (kernel/irq/msi.c msi_domain_alloc_irqs takes a mutex; seed 002 is about irq_set_affinity)', () => {
    const s = setup(riscv('prepare-msi', { defaultDomain: 'dma' }), topo([{}]), [alloc(0)]);
    expect(irqOf(s, 0, 0)?.msg.addr).toBe(0xffff_f000n); // premise: the doorbell page was mapped
    expect(s.atomicMappings).toEqual([]);
  });
});

describe('allocIrq on a full identity pool is -ENOSPC, and the last free identity is still given (irqchip domain alloc callbacks)', () => {
  it('IMSIC: every S-file identity 2..IMSIC_IDS of the hart taken is -ENOSPC; another hart still allocates (drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_domain_alloc: imsic_vector_alloc NULL → -ENOSPC)', () => {
    const s0 = setup(riscv('raw-physical'), topo([{}, {}], { harts: 2 }));
    const imsic = (eiid: number): HwIrq => ({ chip: 'imsic', file: 'S', eiid });
    const full = holding(s0, range(2, IMSIC_IDS + 1).map(imsic));
    expect(allocIrq(full, 0, 0, 0)).toEqual({ ok: false, errno: 'ENOSPC' });
    const r = allocIrq(full, 0, 0, 1);
    expect(r.ok && r.irq.hw).toEqual(imsic(2));
    const last = allocIrq(holding(s0, range(2, IMSIC_IDS).map(imsic)), 0, 0, 0);
    expect(last.ok && last.irq.hw).toEqual(imsic(IMSIC_IDS));
  });

  it("GICv3 ITS: every event of the device's ITT in use is -ENOSPC; the last free event is still given (drivers/irqchip/irq-gic-v3-its.c its_alloc_device_irq: bitmap_find_free_region fails → -ENOSPC; ITT size: docs/hardware.md#arm-gicv3-its)", () => {
    const s0 = setup(armIts(), topo([{}, {}]));
    const events = ittEvents(s0, itsDeviceId(s0, 0));
    const its = (event: number): HwIrq => ({ chip: 'its', event, lpi: LPI_BASE + event });
    expect(allocIrq(holding(s0, range(0, events).map(its), 0), 0, 1, 0)).toEqual({
      ok: false,
      errno: 'ENOSPC',
    });
    // Another device's events are in its own ITT.
    expect(allocIrq(holding(s0, range(0, events).map(its), 1), 0, 1, 0)).toMatchObject({
      ok: true,
      irq: { hw: { event: 0 } },
    });
    const last = allocIrq(holding(s0, range(0, events - 1).map(its), 0), 0, 1, 0);
    expect(last).toMatchObject({ ok: true, irq: { hw: { chip: 'its', event: events - 1 } } });
  });

  it('GICv2m and GICv3 MBI: every SPI of the frame or of the mbi-ranges taken is -ENOSPC; the last free SPI is still given (drivers/irqchip/irq-gic-v2m.c gicv2m_irq_domain_alloc: bitmap_find_free_region < 0 → -ENOSPC; irq-gic-v3-mbi.c mbi_irq_domain_alloc: no range with a free bit → -ENOSPC)', () => {
    const mbi = {
      ...armIts({ isolatedMsiClaim: false }),
      hardware: { arch: 'arm', irqchip: 'gicv3-mbi' },
    } as const;
    const frames = [
      { design: armV2m(), chip: 'v2m', first: V2M_FIRST_SPI, count: V2M_NUM_SPIS },
      { design: mbi, chip: 'mbi', first: MBI_FIRST_SPI, count: MBI_NUM_SPIS },
    ] as const;
    for (const { design, chip, first, count } of frames) {
      const s0 = setup(design, topo([{}, {}]));
      const spi = (n: number): HwIrq => ({ chip, spi: n });
      const top = first + count;
      expect(allocIrq(holding(s0, range(first, top).map(spi)), 0, 0, 0)).toEqual({
        ok: false,
        errno: 'ENOSPC',
      });
      const last = allocIrq(holding(s0, range(first, top - 1).map(spi)), 0, 0, 0);
      expect(last.ok && last.irq.hw).toEqual(spi(top - 1));
    }
  });

  it('x86: every device vector of the target CPU taken is -ENOSPC, with or without IR (arch/x86/kernel/apic/vector.c assign_vector_locked ← kernel/irq/matrix.c irq_matrix_alloc → -ENOSPC)', () => {
    for (const ir of ['vtd', 'amd', 'none'] as const) {
      const s0 = setup(x86(ir), topo([{}, {}]));
      const lapic = (vector: number): HwIrq => ({ chip: 'lapic', vector });
      const full = holding(s0, range(FIRST_DEVICE_VECTOR, X86_FIRST_SYSTEM_VECTOR).map(lapic));
      expect(allocIrq(full, 0, 0, 0)).toEqual({ ok: false, errno: 'ENOSPC' });
      expect(allocIrq(full, 0, 0, 1).ok).toBe(true);
    }
  });

  it('VT-d: all 65536 IRTEs of the remapping table taken fails with -ENOMEM, not a shared IRTE (drivers/iommu/intel/irq_remapping.c intel_irq_remapping_alloc: alloc_irte < 0 → goto out_free_parent with ret = -ENOMEM)', () => {
    const s0 = setup(x86('vtd'), topo([{}, {}]));
    const vtd = (irte: number): HwIrq => ({ chip: 'vtd', irte, vector: FIRST_DEVICE_VECTOR });
    expect(allocIrq(holding(s0, range(0, 0x10000).map(vtd)), 0, 0, 1)).toEqual({
      ok: false,
      errno: 'ENOMEM',
    });
    const last = allocIrq(holding(s0, range(0, 0xffff).map(vtd)), 0, 0, 1);
    expect(last.ok && last.irq.hw).toMatchObject({ chip: 'vtd', irte: 0xffff });
  });

  it("AMD IR: all 2048 indices of the device's remapping table taken is -ENOSPC; another device's table is its own (drivers/iommu/amd/iommu.c irq_remapping_alloc: alloc_irq_index → -ENOSPC, MAX_IRQS_PER_TABLE_2K)", () => {
    const s0 = setup(x86('amd'), topo([{}, {}]));
    const amd = (index: number): HwIrq => ({ chip: 'amd', index, vector: FIRST_DEVICE_VECTOR });
    expect(allocIrq(holding(s0, range(0, 0x800).map(amd), 0), 0, 0, 1)).toEqual({
      ok: false,
      errno: 'ENOSPC',
    });
    expect(allocIrq(holding(s0, range(0, 0x800).map(amd), 1), 0, 0, 1)).toMatchObject({
      ok: true,
      irq: { hw: { index: 0 } },
    });
    const last = allocIrq(holding(s0, range(0, 0x7ff).map(amd), 0), 0, 0, 1);
    expect(last.ok && last.irq.hw).toMatchObject({ chip: 'amd', index: 0x7ff });
  });
});
