import { GICD_SETSPI_NSR } from '../hw/arm-gic/gicd.ts';
import { GITS_TRANSLATER } from '../hw/arm-gic/its.ts';
import { MSI_SETSPI_NS } from '../hw/arm-gic/v2m.ts';
import type { ImsicConfig, ImsicFile } from '../hw/riscv-aia/imsic.ts';
import { imsicFileAddr } from '../hw/riscv-aia/imsic.ts';
import { pageOf } from '../types/addr.ts';

/**
 * Fixed physical and IOVA layout of the modelled platforms. Addresses follow QEMU's `virt`
 * machines and Linux's constants where they exist; the rest are model choices.
 */

// RISC-V (QEMU virt: S-level IMSICs at 0x28000000, M-level at 0x24000000).
export const IMSIC_GUEST_INDEX_BITS = 2; // 3 guest files per hart (GEILEN = 3)
export const IMSIC_IDS = 63;
/** Identity 1 of every S-file is the IPI (irq-riscv-imsic-state.h IMSIC_IPI_ID). */
export const IMSIC_IPI_ID = 1;
const buildImsicConfig = (harts: number): ImsicConfig => ({
  mBase: 0x2400_0000n,
  sBase: 0x2800_0000n,
  mHartShift: 12,
  guestIndexBits: IMSIC_GUEST_INDEX_BITS,
  hartIndexBits: 2,
  groupIndexBits: 0,
  groupIndexShift: 24,
  beMsi: false,
  harts: Array.from({ length: harts }, (_, h) => ({
    group: 0,
    hart: h,
    mIds: IMSIC_IDS,
    sIds: IMSIC_IDS,
    guestIds: IMSIC_IDS,
    geilen: (1 << IMSIC_GUEST_INDEX_BITS) - 1,
  })),
});
const imsicConfigs = new Map<number, ImsicConfig>();
/** The platform's IMSIC layout for `harts` harts (one shared value per hart count). */
export const imsicConfig = (harts: number): ImsicConfig => {
  const known = imsicConfigs.get(harts);
  if (known !== undefined) return known;
  const c = buildImsicConfig(harts);
  imsicConfigs.set(harts, c);
  return c;
};
/** The host page of hart `h`'s file: S, or guest file G<i>. */
export const imsicPage = (harts: number, hart: number, file: ImsicFile): bigint =>
  pageOf(imsicFileAddr(imsicConfig(harts), 0, hart, file));
/** Guest file index a VM uses on every hart: VM n gets G<n+1> (kvm_riscv_aia_alloc_hgei). */
export const vmGuestFile = (vm: number): ImsicFile => `G${vm + 1}`;
/** MSI page table geometry: pattern = S region page, mask = hart and guest index bits (RFC v2 patch 05). */
export const IMSIC_MSI_PATTERN = 0x2800_0000n >> 12n;
export const IMSIC_MSI_MASK = (1n << BigInt(2 + IMSIC_GUEST_INDEX_BITS)) - 1n;
export const msiFileIndex = (hart: number, guest: number): bigint =>
  (BigInt(hart) << BigInt(IMSIC_GUEST_INDEX_BITS)) | BigInt(guest);
export const MSI_PT_PPN = 0x9_0000n;

// Arm (QEMU virt: GICv2m frame at 0x08020000, ITS at 0x08080000; Linux MSI_IOVA_BASE/LENGTH).
export const ITS_BASE = 0x0808_0000n;
export const ITS_DOORBELL = ITS_BASE + GITS_TRANSLATER;
export const V2M_BASE = 0x0802_0000n;
export const V2M_DOORBELL = V2M_BASE + MSI_SETSPI_NS;
export const V2M_FIRST_SPI = 64;
export const V2M_NUM_SPIS = 32;
export const LPI_BASE = 8192;
/** GICv3 distributor (QEMU virt VIRT_GIC_DIST 0x08000000); its GICD_SETSPI_NSR is the MBI doorbell. */
export const GICD_BASE = 0x0800_0000n;
export const MBI_DOORBELL = GICD_BASE + GICD_SETSPI_NSR;
/** The DT mbi-ranges of the modelled distributor: SPIs 96..127 (drivers/irqchip/irq-gic-v3-mbi.c mbi_init). */
export const MBI_FIRST_SPI = 96;
export const MBI_NUM_SPIS = 32;
/** The doorbell PA an Arm irqchip composes its messages with. */
export const armMsiDoorbell = (irqchip: 'gicv3-its' | 'gicv2m' | 'gicv3-mbi'): bigint =>
  irqchip === 'gicv2m' ? V2M_DOORBELL : irqchip === 'gicv3-mbi' ? MBI_DOORBELL : ITS_DOORBELL;
/** Implemented SPIs of the distributor (GICD_TYPER.ITLinesNumber = 3: INTIDs 32..159). */
export const GICD_SPIS = 128;
export const SW_MSI_BASE = 0x800_0000n;
export const SW_MSI_LENGTH = 0x10_0000n;

// x86: the interrupt window, LAPIC vectors (arch/x86/include/asm/irq_vectors.h).
export const X86_MSI_BASE = 0xfee0_0000n;
export const X86_MSI_LENGTH = 0x10_0000n;
export const X86_SYSTEM_VECTORS = { RESCHEDULE_VECTOR: 0xfd, CALL_FUNCTION_VECTOR: 0xfc } as const;
/** FIRST_EXTERNAL_VECTOR: vectors below it are the CPU's exceptions (#MC is 18), taken by their exception handlers. */
export const X86_FIRST_EXTERNAL_VECTOR = 0x20;
/** FIRST_SYSTEM_VECTOR: POSTED_MSI_NOTIFICATION_VECTOR, the lowest system vector (with CONFIG_X86_LOCAL_APIC). */
export const X86_FIRST_SYSTEM_VECTOR = 0xeb;
/**
 * Device vectors: the vector matrix allocates FIRST_EXTERNAL_VECTOR up to below FIRST_SYSTEM_VECTOR
 * (arch/x86/kernel/apic/vector.c arch_early_irq_init → irq_alloc_matrix). Simplification: the
 * legacy ISA vectors 0x30-0x3f a PIC platform reserves are left out; a topology allocates at most
 * 16 vectors on a CPU, 0x20-0x2f.
 */
export const FIRST_DEVICE_VECTOR = X86_FIRST_EXTERNAL_VECTOR;
/** A vectored exception the write-space tries: 18, #MC (arch/x86/include/asm/trapnr.h X86_TRAP_MC). */
export const X86_TRAP_MC = 18;

// Memory: user and guest pages come from RAM; firmware direct regions sit below 4 GiB.
export const RAM_BASE_PAGE = 0x8_0000n;
export const directRegionPage = (device: number): bigint => 0xd_0000n + BigInt(device);
/** dma-iommu's IOVA allocator for DMA domains hands out pages top-down below 4 GiB. */
export const DMA_IOVA_TOP_PAGE = 0xf_ffffn;
