import { describe, expect, it } from 'vitest';
import { build } from '../../platform/build.ts';
import {
  directRegionPage,
  imsicPage,
  SW_MSI_BASE,
  SW_MSI_LENGTH,
  X86_MSI_BASE,
  X86_MSI_LENGTH,
} from '../../platform/layout.ts';
import { armIts, riscv, topo, x86 } from '../testing.ts';
import { deviceResvRegions, overlaps } from './resv.ts';

const regions = (d: ReturnType<typeof armIts>, harts = 2, resv: ('direct' | 'direct-relaxable')[] = []) =>
  deviceResvRegions(d.hardware, d.policy, topo([{}, { resv }], { harts }), 1);

describe('deviceResvRegions (get_resv_regions per IOMMU driver; docs/linux-policy.md#who-reports-which-region)', () => {
  it('SMMUv3 reports SW_MSI at MSI_IOVA_BASE 0x8000000, length MSI_IOVA_LENGTH 0x100000 (arm_smmu_get_resv_regions)', () => {
    expect(regions(armIts())).toEqual([{ start: 0x800_0000n, length: 0x10_0000n, type: 'SW_MSI' }]);
    expect(SW_MSI_BASE).toBe(0x800_0000n);
    expect(SW_MSI_LENGTH).toBe(0x10_0000n);
  });

  it('VT-d and AMD-Vi report IOMMU_RESV_MSI 0xFEE00000-0xFEEFFFFF (intel_iommu_get_resv_regions IOAPIC_RANGE, amd_iommu_get_resv_regions MSI_RANGE)', () => {
    for (const ir of ['vtd', 'amd'] as const) {
      expect(regions(x86(ir))).toEqual([{ start: 0xfee0_0000n, length: 0x10_0000n, type: 'MSI' }]);
    }
    expect(X86_MSI_BASE + X86_MSI_LENGTH - 1n).toBe(0xfeef_ffffn);
  });

  it('RISC-V hw-msi: one IOMMU_RESV_MSI region covering every hart IMSIC S-file page and nothing below it (RFC v2 patch 05, 20250920203851.2205115-25-ajones@ventanamicro.com; docs/linux-policy.md#rfc-v2-irqbypass-and-the-hart-restricted-msi-table)', () => {
    const harts = 4;
    const r = regions(riscv('msi-table-all', { msiRegion: 'hw-msi' }), harts);
    expect(r).toHaveLength(1);
    const [msi] = r;
    expect(msi?.type).toBe('MSI');
    expect(msi?.start).toBe(0x2800_0000n);
    for (let h = 0; h < harts; h++) {
      const page = imsicPage(harts, h, 'S') << 12n;
      expect(msi !== undefined && overlaps(msi, page, 0x1000n)).toBe(true);
    }
    expect(msi !== undefined && overlaps(msi, 0x27ff_f000n, 0x1000n)).toBe(false);
  });

  it('RISC-V direct-relaxable-imsic: one IOMMU_RESV_DIRECT_RELAXABLE page per hart S-file (seed 002, 2026-05 "Map IMSIC addresses for paging domains")', () => {
    const harts = 3;
    const r = regions(riscv('raw-physical', { msiRegion: 'direct-relaxable-imsic' }), harts);
    expect(r).toEqual(
      Array.from({ length: harts }, (_, h) => ({
        start: imsicPage(harts, h, 'S') << 12n,
        length: 0x1000n,
        type: 'DIRECT_RELAXABLE',
      })),
    );
    expect(r.map((x) => x.start)).toEqual([0x2800_0000n, 0x2800_4000n, 0x2800_8000n]);
  });

  it('RISC-V upstream reports no MSI region at all (riscv-iommu has no get_resv_regions op: drivers/iommu/riscv/iommu.c riscv_iommu_ops, Linux 7.0; docs/linux-policy.md#who-reports-which-region)', () => {
    expect(regions(riscv('raw-physical', { msiRegion: 'none' }))).toEqual([]);
  });

  it('hw-msi-and-sw-msi reports both an MSI and a SW_MSI region (the insane combination iopt_table_enforce_dev_resv_regions rejects; docs/invariants.md#hw-sw-msi-exclusive)', () => {
    expect(regions(armIts({ msiRegion: 'hw-msi-and-sw-msi' })).map((r) => r.type)).toEqual(['MSI', 'SW_MSI']);
  });

  it('firmware regions (RMRR / IVMD / IORT RMR) come first, one page at 0xd0000+deviceIndex, DIRECT or DIRECT_RELAXABLE (intel_iommu_get_resv_regions, iort_get_rmrs; docs/linux-policy.md#who-reports-which-region)', () => {
    expect(regions(armIts(), 2, ['direct'])).toEqual([
      { start: directRegionPage(1) << 12n, length: 0x1000n, type: 'DIRECT' },
      { start: 0x800_0000n, length: 0x10_0000n, type: 'SW_MSI' },
    ]);
    expect(regions(x86('vtd'), 2, ['direct-relaxable'])[0]).toEqual({
      start: 0xd000_1000n,
      length: 0x1000n,
      type: 'DIRECT_RELAXABLE',
    });
  });

  it('build probes every device with its regions (iommu_probe_device → iommu_get_resv_regions)', () => {
    const d = x86('amd');
    const t = topo([{ resv: ['direct'] }, {}]);
    const s = build(d, t);
    expect(s.devices.map((x) => x.resv)).toEqual(
      [0, 1].map((i) => deviceResvRegions(d.hardware, d.policy, t, i)),
    );
  });

  it('overlaps is half-open: the page right after the SW_MSI window does not intersect it (vfio_iommu_iova_dma_valid range arithmetic)', () => {
    const sw = { start: SW_MSI_BASE, length: SW_MSI_LENGTH, type: 'SW_MSI' } as const;
    expect(overlaps(sw, 0x80f_f000n, 0x1000n)).toBe(true);
    expect(overlaps(sw, 0x810_0000n, 0x1000n)).toBe(false);
    expect(overlaps(sw, 0x7ff_f000n, 0x1000n)).toBe(false);
  });
});
