import { z } from 'zod';
import { SPEC_VERSIONS } from '../hw/riscv-iommu/config.ts';

/** IVHD device-entry flags that let an interrupt type through unremapped (AMD IOMMU spec, IVHD device entry "DTE setting"). */
export const AMD_IVRS_PASS_FLAGS = ['NMIPass', 'INITPass', 'ExtIntPass', 'Lint0Pass', 'Lint1Pass'] as const;

/**
 * The hardware a design runs on, reduced to the choices that change MSI delivery. The concrete
 * platform configuration (addresses, tables) is built from this by model/platform/hw-view.ts.
 */
export const HardwareSchema = z.discriminatedUnion('arch', [
  z.object({
    arch: z.literal('riscv'),
    /** capabilities.MSI_FLAT: the DC has msiptp / msi_addr_mask / msi_addr_pattern. */
    msiFlat: z.boolean(),
    /** Which revision of the IOMMU spec's DC checks the hardware follows (docs/hardware.md#msiptp-with-a-bare-g-stage). */
    specVersion: z.enum(SPEC_VERSIONS),
    /** HYPOTHETICAL: the IOMMU validates MSI data per PTE (MSI PTE mode M = 2; docs/hardware.md#msi-pte-formats). Absent = no. */
    msiDataValidation: z.boolean().optional(),
  }),
  z.object({
    arch: z.literal('arm'),
    /** The MSI controller behind the SMMUv3 (`gicv3-mbi`: SPIs raised through the distributor's GICD_SETSPI_NSR). */
    irqchip: z.enum(['gicv3-its', 'gicv2m', 'gicv3-mbi']),
    /**
     * The IORT ID mapping from a requester id to the ITS DeviceID (model/platform/iort.ts): `unique`
     * (DeviceID = RID, the default when absent), `aliased` (every device of an IOMMU group signals
     * with one DMA alias, a PCIe-to-PCI bridge's) or `all-zero` (the DeviceID is not wired).
     */
    deviceIds: z.enum(['unique', 'aliased', 'all-zero']).optional(),
  }),
  z.object({
    arch: z.literal('x86'),
    ir: z.enum(['vtd', 'amd', 'none']),
    /** VT-d only: IRTE source-id verification (Linux `set_msi_sid`; off with intremap=nosid). */
    vtdSourceIdCheck: z.boolean(),
    /** VT-d only: compatibility-format MSIs blocked (GCMD.CFI cleared by iommu_enable_irq_remapping). */
    compatFormatBlocked: z.boolean(),
    /**
     * VT-d only: every device also issues DMA with a second devfn on its own bus (pci_add_dma_alias:
     * the quirk_dma_func*_alias quirks, NTB proxy IDs), so set_msi_sid can verify only the bus
     * (set_irte_verify_bus, SVT=2). Absent = false: each device's IRTEs verify its own requester id.
     */
    vtdSameBusDmaAliases: z.boolean().optional(),
    /**
     * AMD only: the IVRS IVHD device-entry flags firmware sets for every device (IVHD_DEV_ALL),
     * which Linux copies into each DTE (drivers/iommu/amd/init.c set_dev_entry_from_acpi_range,
     * amd_iommu_make_clear_dte). Absent = none. Lint0Pass / Lint1Pass govern LINT0 / LINT1 messages,
     * which no MSI data encodes, and have no effect on a device write.
     */
    amdIvrsPass: z.array(z.enum(AMD_IVRS_PASS_FLAGS)).optional(),
  }),
]);
export type Hardware = z.infer<typeof HardwareSchema>;

/**
 * How MSI doorbells become reachable through the device's translation:
 * - `prepare-msi`: the irqchip calls iommu_dma_prepare_msi for its one doorbell (GIC ITS / v2m).
 * - `hw-window`: a fixed untranslated window decoded by the IOMMU (x86 0xFEE00000).
 * - `raw-physical`: the irqchip composes the physical page and never asks the IOMMU (upstream IMSIC).
 * - `map-all-at-attach`: every IMSIC S-file page is mapped into the SW_MSI window when a translating
 *   domain is attached (seed 000, "series1").
 * - `prepare-msi-all-imsics`: the IMSIC irqchip calls iommu_dma_prepare_msi for every IMSIC page when
 *   an IRQ is allocated (seed 002; iommu_dma_prepare_msi_list in the 2026-08 series).
 * - `msi-table-affinity`: the device's MSI page table maps the S-files of the harts its IRQs are
 *   affined to, updated on alloc and irq_set_affinity; paging domains identity-map all IMSICs in S1
 *   (RFC v2 patches 05 and 08).
 * - `msi-table-all`: the MSI page table maps every host IMSIC file (HW_MSI aperture matching
 *   DC.msi_addr_*; seed 000, Jason's S2 proposal).
 * - `msi-table-guest-files`: the MSI page table maps only the guest interrupt files of the VM the
 *   device is assigned to (an idealised irqbypass in the direction of RFC v2 patches 10-17; the
 *   PTEs follow KVM's vCPU moves).
 * - `msi-table-irqbypass-rfc-v2`: RFC v2 patches 08 + 10-17 as posted: the IR irq domain maps a host
 *   S-file PTE for every vector allocated (as `msi-table-affinity`); a VM's first
 *   irq_set_vcpu_affinity in a domain clears its table and switches it to the guest layout, after
 *   which only guest-file PTEs are written; vCPU moves do not rewrite them.
 * - `resv-msi-identity`: the IMSIC composes physical addresses and every paging domain
 *   identity-maps every IMSIC page on attach; no MSI table (series 1 patch 05).
 * - `msi-table-userspace-window`: as `msi-table-all` until the VMM supplies a domain's MSI window
 *   (iommufd_hwpt_set_msi_window, seed 000: "setting the DC.msi_addr* should come from userspace
 *   and create a new reserved region"); from then on the domain's DC.msi_addr_* is that window,
 *   reserved in the IOAS, and its MSI table maps the VM's guest interrupt files.
 */
export const DOORBELL_POLICIES = [
  'prepare-msi',
  'hw-window',
  'raw-physical',
  'map-all-at-attach',
  'prepare-msi-all-imsics',
  'msi-table-affinity',
  'msi-table-all',
  'msi-table-guest-files',
  'msi-table-irqbypass-rfc-v2',
  'resv-msi-identity',
  'msi-table-userspace-window',
] as const;
export type DoorbellPolicy = (typeof DOORBELL_POLICIES)[number];
/** Policies whose IR irq domain maps a host S-file MSI PTE per allocated IRQ (RFC v2 patch 08). */
export const hasIrDomainPtes = (p: DoorbellPolicy): boolean =>
  p === 'msi-table-affinity' || p === 'msi-table-irqbypass-rfc-v2';

/** The MSI-related reserved regions the IOMMU driver's get_resv_regions reports for every device. */
export const MSI_REGION_POLICIES = [
  'sw-msi',
  'hw-msi',
  'none',
  'direct-relaxable-imsic',
  'hw-msi-and-sw-msi',
] as const;

export const PolicySchema = z.object({
  /** Default domain type of host-owned groups (IOMMU_DMA on: dma; off or iommu.passthrough=1: identity). */
  defaultDomain: z.enum(['identity', 'dma']),
  /** Translation stage paging domains use (RISC-V: first stage S1 or G-stage S2; Arm SMMUv3 uses S1). */
  pagingStage: z.enum(['s1', 's2']),
  msiRegion: z.enum(MSI_REGION_POLICIES),
  doorbells: z.enum(DOORBELL_POLICIES),
  /** The MSI irq domain sets IRQ_DOMAIN_FLAG_ISOLATED_MSI. */
  isolatedMsiClaim: z.boolean(),
  /**
   * When a DIRECT region sets dev->iommu->require_direct: `always` (iommu_create_device_direct_mappings
   * after seed 001's patch) or `dma-default-only` (before it: only when the domain is a DMA domain).
   */
  requiresDirect: z.enum(['always', 'dma-default-only']),
  /**
   * How MSI IOVAs are chosen in an UNMANAGED domain: `cookie` (VFIO's MSI cookie at the SW_MSI base,
   * iommufd's sw_msi), `holes` (IOMMU_DOMAIN_MIXED: allocated between user mappings, seed 004) or
   * `userspace-per-vector` (VFIO_IRQ_SET_DATA_MSI_IOVA, seed 003).
   */
  msiIova: z.enum(['cookie', 'holes', 'userspace-per-vector']),
  /**
   * Arm nesting: a VM's S1 sits over the host S2. `rmr`: the VMM publishes an IORT RMR over the host
   * SW_MSI window (Linux 7.0's "approach 1"); `no-rmr`: it publishes nothing; `vmm-ipa`: the VMM
   * tells the host the doorbell IPA, which the host maps in S2, and the guest's own MSI IOVA, which
   * the host programs (seed 001, Robin Murphy; not in Linux 7.0).
   */
  nestedGuest: z.enum(['none', 'rmr', 'no-rmr', 'vmm-ipa']),
  /**
   * With `rmr`: the reserved-region type the guest kernel gives the RMR (model/kernel/kvm/guest-s1.ts):
   * `DIRECT` (iort_get_rmrs without ACPI_IORT_RMR_REMAP_PERMITTED; the default when absent),
   * `DIRECT_RELAXABLE` (with it), `MSI` (reported as IOMMU_RESV_MSI) or `MSI_DIRECT` (the proposed
   * IOMMU_RESV_MSI_DIRECT, never merged; seed 001).
   */
  guestRmr: z.enum(['DIRECT', 'DIRECT_RELAXABLE', 'MSI', 'MSI_DIRECT']).optional(),
  /**
   * Nesting: which guest domain the device is in: `dma` (the guest kernel's DMA default domain; the
   * default when absent) or `vfio` (the guest hands it to its own VFIO: an UNMANAGED domain with the
   * guest's SW_MSI cookie when it sees no MSI region).
   */
  guestDomain: z.enum(['dma', 'vfio']).optional(),
  /** The IOMMU driver reports IOMMU_CAP_CACHE_COHERENCY (iommufd_device_bind requires it). */
  cacheCoherencyCap: z.boolean(),
});
export type Policy = z.infer<typeof PolicySchema>;

/**
 * Linux 7.0's own policy, with no design knob: SW_MSI cookies and iommufd sw_msi, require_direct on
 * every probe, irqchips calling iommu_dma_prepare_msi, DMA default domains (IOMMU_DMA).
 */
export const LINUX_POLICY: Policy = {
  defaultDomain: 'dma',
  pagingStage: 's1',
  msiRegion: 'sw-msi',
  doorbells: 'prepare-msi',
  isolatedMsiClaim: true,
  requiresDirect: 'always',
  msiIova: 'cookie',
  nestedGuest: 'none',
  cacheCoherencyCap: true,
};

/** What the model needs of a design: its hardware and its kernel policy. */
export interface DesignCore {
  readonly id: string;
  readonly hardware: Hardware;
  readonly policy: Policy;
}
