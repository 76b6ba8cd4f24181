import { describe, expect, it } from 'vitest';
import {
  armMsiDoorbell,
  DMA_IOVA_TOP_PAGE,
  directRegionPage,
  GICD_BASE,
  GICD_SPIS,
  IMSIC_IDS,
  IMSIC_IPI_ID,
  IMSIC_MSI_MASK,
  IMSIC_MSI_PATTERN,
  ITS_BASE,
  ITS_DOORBELL,
  imsicConfig,
  imsicPage,
  MBI_DOORBELL,
  MBI_FIRST_SPI,
  MBI_NUM_SPIS,
  msiFileIndex,
  RAM_BASE_PAGE,
  SW_MSI_BASE,
  SW_MSI_LENGTH,
  V2M_BASE,
  V2M_DOORBELL,
  vmGuestFile,
  X86_FIRST_EXTERNAL_VECTOR,
  X86_MSI_BASE,
  X86_MSI_LENGTH,
  X86_SYSTEM_VECTORS,
  X86_TRAP_MC,
} from './layout.ts';

/** The platform layout, value by value from its sources (QEMU hw/arm/virt.c and hw/riscv/virt.c memory maps, Linux headers). */
describe('RISC-V IMSIC layout (QEMU hw/riscv/virt.c VIRT_IMSIC_M / VIRT_IMSIC_S; AIA spec, IMSIC memory regions)', () => {
  it('M files at 0x24000000 one page per hart, S files at 0x28000000, 2 hart index bits, 3 guest files of 63 identities', () => {
    const c = imsicConfig(2);
    expect(c).toEqual({
      mBase: 0x2400_0000n,
      sBase: 0x2800_0000n,
      mHartShift: 12,
      guestIndexBits: 2,
      hartIndexBits: 2,
      groupIndexBits: 0,
      groupIndexShift: 24,
      beMsi: false,
      harts: [0, 1].map((hart) => ({ group: 0, hart, mIds: 63, sIds: 63, guestIds: 63, geilen: 3 })),
    });
    expect(imsicConfig(2)).toBe(c);
    expect(imsicConfig(4).harts.map((h) => h.hart)).toEqual([0, 1, 2, 3]);
    expect(IMSIC_IDS).toBe(63);
    expect(IMSIC_IPI_ID).toBe(1);
  });

  it('a hart’s S file and guest files are consecutive pages, 4 pages (2^guestIndexBits) per hart', () => {
    expect(imsicPage(2, 0, 'S')).toBe(0x28000n);
    expect(imsicPage(2, 0, 'G1')).toBe(0x28001n);
    expect(imsicPage(2, 1, 'S')).toBe(0x28004n);
    expect(imsicPage(4, 3, 'G3')).toBe(0x2800fn);
    expect(imsicPage(2, 1, 'M')).toBe(0x24001n);
    expect(vmGuestFile(0)).toBe('G1');
    expect(vmGuestFile(1)).toBe('G2');
  });

  it('MSI page table: pattern the S region’s page, mask the 4 hart+guest index bits; file index hart << 2 | guest', () => {
    expect(IMSIC_MSI_PATTERN).toBe(0x28000n);
    expect(IMSIC_MSI_MASK).toBe(0xfn);
    expect(msiFileIndex(0, 0)).toBe(0n);
    expect(msiFileIndex(1, 0)).toBe(4n);
    expect(msiFileIndex(1, 2)).toBe(6n);
    expect(msiFileIndex(3, 3)).toBe(15n);
  });
});

describe('Arm layout (QEMU hw/arm/virt.c VIRT_GIC_DIST / VIRT_GIC_V2M / VIRT_GIC_ITS; Linux MSI_IOVA_BASE)', () => {
  it('doorbells: GITS_TRANSLATER at ITS + 0x10040, MSI_SETSPI_NS at v2m + 0x40, GICD_SETSPI_NSR at GICD + 0x40', () => {
    expect(ITS_BASE).toBe(0x0808_0000n);
    expect(ITS_DOORBELL).toBe(0x0809_0040n);
    expect(V2M_BASE).toBe(0x0802_0000n);
    expect(V2M_DOORBELL).toBe(0x0802_0040n);
    expect(GICD_BASE).toBe(0x0800_0000n);
    expect(MBI_DOORBELL).toBe(0x0800_0040n);
    expect(armMsiDoorbell('gicv3-its')).toBe(0x0809_0040n);
    expect(armMsiDoorbell('gicv2m')).toBe(0x0802_0040n);
    expect(armMsiDoorbell('gicv3-mbi')).toBe(0x0800_0040n);
  });
  it('SPIs: 128 implemented, MBI range 96..127; the SW_MSI window 0x8000000 + 1 MiB (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h MSI_IOVA_BASE/LENGTH)', () => {
    expect([GICD_SPIS, MBI_FIRST_SPI, MBI_NUM_SPIS]).toEqual([128, 96, 32]);
    expect([SW_MSI_BASE, SW_MSI_LENGTH]).toEqual([0x800_0000n, 0x10_0000n]);
  });
});

describe('x86 and memory layout (arch/x86/include/asm/irq_vectors.h, trapnr.h; Intel SDM vol. 3 MSI address)', () => {
  it('interrupt window 0xFEE00000 + 1 MiB, first external vector 0x20, IPIs 0xfd and 0xfc, #MC 18', () => {
    expect([X86_MSI_BASE, X86_MSI_LENGTH]).toEqual([0xfee0_0000n, 0x10_0000n]);
    expect(X86_FIRST_EXTERNAL_VECTOR).toBe(0x20);
    expect(X86_SYSTEM_VECTORS).toEqual({ RESCHEDULE_VECTOR: 0xfd, CALL_FUNCTION_VECTOR: 0xfc });
    expect(X86_TRAP_MC).toBe(18);
  });
  it('RAM from page 0x80000, direct regions one page per device from 0xd0000, DMA IOVAs top-down from the last page below 4 GiB', () => {
    expect(RAM_BASE_PAGE).toBe(0x8_0000n);
    expect(directRegionPage(0)).toBe(0xd_0000n);
    expect(directRegionPage(3)).toBe(0xd_0003n);
    expect(DMA_IOVA_TOP_PAGE).toBe((1n << 20n) - 1n);
  });
});
