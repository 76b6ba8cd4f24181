import { deviceOf, domainOf, groupOf } from '../../platform/edit.ts';
import { DMA_IOVA_TOP_PAGE, ITS_DOORBELL, SW_MSI_BASE, SW_MSI_LENGTH } from '../../platform/layout.ts';
import {
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_READ,
  IOMMU_WRITE,
  type Mapping,
  type ResvType,
  type State,
} from '../../platform/state.ts';
import { pageOf } from '../../types/addr.ts';
import type { PreparedMsi } from '../iommu/dma-iommu.ts';
import { overlaps } from '../iommu/resv.ts';
import type { Policy } from '../policy.ts';

/**
 * The nested guest's own kernel on Arm: what its reserved regions are and what its stage 1 holds
 * for the assigned device, computed as the guest's Linux 7.0 would (the guest runs the same
 * arm-smmu-v3, IORT and dma-iommu code over the vSMMU the VMM emulates).
 */

/**
 * A reserved-region type as the guest kernel sees it: Linux's enum iommu_resv_type
 * (include/linux/iommu.h) plus IOMMU_RESV_MSI_DIRECT, proposed by Jason Gunthorpe in seed 001
 * <ZELOqZliiwbG6l5K@nvidia.com> and never merged.
 */
export type GuestResvType = ResvType | 'MSI_DIRECT';
export interface GuestResvRegion {
  readonly start: bigint;
  readonly length: bigint;
  readonly type: GuestResvType;
}

/**
 * The guest's vITS doorbell (GITS_TRANSLATER) in guest physical space. Simplification: the VMM's
 * emulated ITS sits at the host ITS's address (QEMU virt places its ITS frame at 0x08080000).
 */
export const GUEST_ITS_DOORBELL = ITS_DOORBELL;

/**
 * arm_smmu_get_resv_regions in the guest (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c): the
 * SW_MSI window at MSI_IOVA_BASE, then iommu_dma_get_resv_regions → iort_iommu_get_resv_regions,
 * which gives the VMM's RMR over that same window (with `nestedGuest: rmr`) the type `guestRmr`:
 * iort_get_rmrs (drivers/acpi/arm64/iort.c) makes an RMR with ACPI_IORT_RMR_REMAP_PERMITTED
 * DIRECT_RELAXABLE and any other DIRECT; `MSI` is Robin Murphy's "mark it as IOMMU_RESV_MSI" and
 * `MSI_DIRECT` Jason Gunthorpe's proposed type (seed 001 <ZELOqZliiwbG6l5K@nvidia.com>).
 */
export const guestResvRegions = (policy: Policy): GuestResvRegion[] => {
  const sw: GuestResvRegion = { start: SW_MSI_BASE, length: SW_MSI_LENGTH, type: 'SW_MSI' };
  if (policy.nestedGuest !== 'rmr') return [sw];
  return [sw, { start: SW_MSI_BASE, length: SW_MSI_LENGTH, type: policy.guestRmr ?? 'DIRECT' }];
};

/** What the guest's kernel has put in the device's stage 1, and where it maps its own doorbell. */
export interface GuestStage1 {
  /** The guest's domain for the device: its DMA default domain, or its own VFIO's UNMANAGED one. */
  readonly domain: 'DMA' | 'UNMANAGED';
  readonly pages: ReadonlyMap<bigint, Mapping>;
  /** The guest's msi pages (doorbell GPA page → IOVA page), as iommu_dma_get_msi_page records them. */
  readonly msiPages: ReadonlyMap<bigint, bigint>;
}

const pagesOf = (r: GuestResvRegion): bigint[] => {
  const out: bigint[] = [];
  for (let p = pageOf(r.start); p < pageOf(r.start + r.length); p++) out.push(p);
  return out;
};

/** An MSI-class region: a hardware MSI window, or the proposed MSI_DIRECT (an MSI region that is also direct-mapped). */
const isMsiClass = (t: GuestResvType): boolean => t === 'MSI' || t === 'MSI_DIRECT';

/**
 * The guest's stage 1 for its assigned device:
 * - The guest claims the device for its own VFIO (`guestDomain: vfio`) only when no region is
 *   DIRECT: iommu_create_device_direct_mappings sets require_direct for one, and
 *   __iommu_device_set_domain then refuses the blocking domain iommu_device_claim_dma_owner needs.
 * - DMA default domain (iommu_setup_default_domain → iommu_create_device_direct_mappings, after
 *   seed 001's patch): DIRECT and DIRECT_RELAXABLE pages are identity-mapped; the MSI_DIRECT
 *   proposal identity-maps its region in every domain (seed 001: "put the ARM special case in ARM
 *   code").
 * - The guest's ITS driver then prepares its vITS doorbell (its_msi_prepare → iommu_dma_prepare_msi).
 *   DMA_IOVA cookie (drivers/iommu/dma-iommu.c iommu_dma_get_msi_page): a doorbell inside an
 *   MSI-class region is a ready msi page with iova == phys (iova_reserve_iommu_regions →
 *   cookie_init_hw_msi_region), nothing is mapped; otherwise the IOVA allocator gives the highest
 *   free page below 4 GiB, skipping every reserved region except SW_MSI ("We ARE the software that
 *   manages these!"), and maps it to the doorbell. So a guest's DMA domain never uses its SW_MSI
 *   window for its MSIs.
 * - Its VFIO's UNMANAGED domain (vfio_iommu_type1_attach_group): an MSI cookie at the SW_MSI base
 *   (iommu_get_msi_cookie) unless an MSI region takes precedence (vfio_iommu_has_sw_msi; the
 *   MSI_DIRECT proposal is taken as an MSI region there); with the cookie, the doorbell is mapped at
 *   the SW_MSI base. Without one the guest's own iommu_dma_prepare_msi is -EOPNOTSUPP and maps
 *   nothing (simplification: the guest's own vector allocation is not modelled; the VMM traps its
 *   MSI-X writes either way).
 */
export const guestStage1 = (policy: Policy): GuestStage1 => {
  const known = stage1s.get(policy);
  // Stryker disable next-line ConditionalExpression: a cache: computeStage1 gives an equal stage 1 for the same policy
  if (known !== undefined) return known;
  const g = computeStage1(policy);
  stage1s.set(policy, g);
  return g;
};
/** One stage 1 per policy object: every nested hwpt of a design shares its (immutable) maps. */
const stage1s = new WeakMap<Policy, GuestStage1>();

const computeStage1 = (policy: Policy): GuestStage1 => {
  const regions = guestResvRegions(policy);
  const requireDirect = regions.some((r) => r.type === 'DIRECT');
  const domain = policy.guestDomain === 'vfio' && !requireDirect ? 'UNMANAGED' : 'DMA';
  const pages = new Map<bigint, Mapping>();
  const direct = (r: GuestResvRegion): boolean =>
    r.type === 'MSI_DIRECT' || (domain === 'DMA' && (r.type === 'DIRECT' || r.type === 'DIRECT_RELAXABLE'));
  for (const r of regions.filter(direct))
    for (const p of pagesOf(r)) pages.set(p, { ppn: p, origin: 'direct', prot: IOMMU_READ | IOMMU_WRITE });
  const doorbell = pageOf(GUEST_ITS_DOORBELL);
  const msiPage = { ppn: doorbell, origin: 'msi', prot: IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO } as const;
  const hwMsi = regions.some((r) => isMsiClass(r.type));
  if (domain === 'UNMANAGED') {
    if (hwMsi) return { domain, pages, msiPages: new Map() };
    pages.set(pageOf(SW_MSI_BASE), msiPage);
    return { domain, pages, msiPages: new Map([[doorbell, pageOf(SW_MSI_BASE)]]) };
  }
  if (regions.some((r) => isMsiClass(r.type) && overlaps(r, doorbell << 12n, 0x1000n)))
    return { domain, pages, msiPages: new Map([[doorbell, doorbell]]) };
  // Stryker disable next-line MethodExpression,ArrowFunction,ConditionalExpression,EqualityOperator,StringLiteral: every guest region lies in the SW_MSI window at 0x8000000, so none reaches DMA_IOVA_TOP_PAGE whether SW_MSI is skipped or not
  const reserved = regions.filter((r) => r.type !== 'SW_MSI');
  let iova = DMA_IOVA_TOP_PAGE;
  // Stryker disable next-line UpdateOperator,ConditionalExpression,LogicalOperator,ArrowFunction: unreachable loop: every guest region and direct page lies in the SW_MSI window at 0x8000000, far below DMA_IOVA_TOP_PAGE
  while (pages.has(iova) || reserved.some((r) => overlaps(r, iova << 12n, 0x1000n))) iova--;
  pages.set(iova, msiPage);
  return { domain, pages, msiPages: new Map([[doorbell, iova]]) };
};

/**
 * The doorbell IPA the VMM names for a nested device (`nestedGuest: vmm-ipa`, seed 001: "the VMM
 * would just tell us the IPA of where it's going to claim the given device's associated MSI
 * doorbell is, we map that to the real underlying address at S2"): the page of the guest's vITS
 * doorbell. Not in Linux 7.0 ("approach 2" of Nicolin Chen's cover.1739005085.git.nicolinc@nvidia.com).
 */
export const vmmDoorbellIpa = (policy: Policy): bigint | undefined =>
  policy.nestedGuest === 'vmm-ipa' ? pageOf(GUEST_ITS_DOORBELL) << 12n : undefined;

/**
 * With `vmm-ipa` the VMM also hands the host the guest's own MSI IOVA for the vector (the per-vector
 * gIOVA of Nicolin Chen's "vfio: Allow userspace to specify the address for each MSI vector",
 * VFIO_IRQ_SET_DATA_MSI_IOVA, cover.1731130093.git.nicolinc@nvidia.com), and the host programs that
 * address, so that the guest's S1 cookie translates it to the doorbell IPA. A guest that mapped no
 * doorbell leaves the VMM nothing to hand over: the host message is unchanged.
 */
export const vmmGuestMsiAddr = (s: State, domainId: number, set: PreparedMsi): PreparedMsi => {
  const d = domainOf(s, domainId);
  // Stryker disable next-line ConditionalExpression: on a non-NESTED hwpt msiPages maps the doorbell page to the page iommufd_sw_msi just returned (4 KiB pages), so the rewrite reproduces `set`
  if (s.policy.nestedGuest !== 'vmm-ipa' || d.type !== 'NESTED') return set;
  const giova = d.msiPages.get(pageOf(GUEST_ITS_DOORBELL));
  if (giova === undefined) return set;
  const iova = giova << 12n;
  return { iova, shift: 12, addr: iova | (set.addr & 0xfffn) };
};

/**
 * The guest's own iommu_dma_prepare_msi (drivers/iommu/iommu.c) for its vITS doorbell fails with
 * -EOPNOTSUPP: the device is in the guest's UNMANAGED domain without an MSI cookie (an MSI-class
 * region took precedence in vfio_iommu_has_sw_msi), so the guest's vector allocation fails before
 * any MSI-X write the VMM could trap.
 */
export const guestOwnMsiRefused = (s: State, device: number): boolean => {
  // Stryker disable next-line ConditionalExpression,StringLiteral: with nestedGuest none no device is nesting-capable (build.ts probeAll), so no NESTED domain exists and the return below is false anyway
  if (s.policy.nestedGuest === 'none' || s.policy.guestDomain !== 'vfio') return false;
  const d = domainOf(s, groupOf(s, deviceOf(s, device).group).domain);
  return d.type === 'NESTED' && !d.msiPages.has(pageOf(GUEST_ITS_DOORBELL));
};
