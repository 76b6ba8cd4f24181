import type { KResult } from '../kernel/errno.ts';
import type { Range } from '../kernel/interval.ts';
import type { Hardware, Policy } from '../kernel/policy.ts';
import type { Op, Topology } from './scenario.ts';

/**
 * The kernel-and-hardware state the model steps through. Plain immutable data: every step returns
 * a new State and never mutates its input.
 */

/** Reserved-region types (include/linux/iommu.h enum iommu_resv_type). */
export type ResvType = 'DIRECT' | 'DIRECT_RELAXABLE' | 'RESERVED' | 'MSI' | 'SW_MSI';
export interface ResvRegion {
  readonly start: bigint;
  readonly length: bigint;
  readonly type: ResvType;
}

export type DomainType = 'IDENTITY' | 'DMA' | 'UNMANAGED' | 'BLOCKED' | 'NESTED';

/** IOMMU_* prot flags (include/linux/iommu.h). */
export const IOMMU_READ = 1 << 0;
export const IOMMU_WRITE = 1 << 1;
export const IOMMU_CACHE = 1 << 2;
export const IOMMU_NOEXEC = 1 << 3;
export const IOMMU_MMIO = 1 << 4;
export const IOMMU_PRIV = 1 << 5;

/** Why a page is mapped: a user/VMM mapping, an MSI doorbell, a firmware direct map, an IMSIC identity map. */
export type MapOrigin = 'user' | 'msi' | 'direct' | 'imsic-identity';
/** One 4 KiB page of a domain's page table: the physical page, why it is there, its IOMMU_* prot bits. */
export interface Mapping {
  readonly ppn: bigint;
  readonly origin: MapOrigin;
  readonly prot: number;
}

/** enum iommu_domain_cookie_type, reduced to what the model distinguishes. */
export type Cookie =
  | { readonly type: 'NONE' }
  | { readonly type: 'DMA_IOVA' }
  /** iommu_get_msi_cookie: bump allocator from `base` (no upper bound, as read). */
  | { readonly type: 'DMA_MSI'; readonly base: bigint; readonly next: bigint }
  /** IOMMU_DOMAIN_MIXED (seed 004): MSI IOVAs taken from holes between user mappings. */
  | { readonly type: 'MIXED' }
  | { readonly type: 'IOMMUFD'; readonly owner: string };

/**
 * An iommufd hw_pagetable (drivers/iommu/iommufd/hw_pagetable.c) around its domain: a PAGING hwpt
 * of an IOAS, or a NESTED hwpt over a NEST_PARENT paging hwpt (the domain's `parent`).
 */
export interface Hwpt {
  readonly ictx: string;
  readonly kind: 'paging' | 'nested';
  /** PAGING: the IOAS (index into State.ioases) whose areas fill the domain. */
  readonly ioas?: number;
  /** hwpt_paging->auto_domain: allocated by an attach to an IOAS, destroyed with its last user. */
  readonly auto: boolean;
  readonly nestParent: boolean;
  /** hwpt_paging->present_sw_msi: ids of the context's sw_msi maps installed in this domain. */
  readonly presentSwMsi: readonly number[];
  /** obj.users: attached devices, nested children, and the user's handle of a manual allocation. */
  readonly users: number;
  readonly destroyed: boolean;
}

export interface Domain {
  readonly id: number;
  readonly type: DomainType;
  readonly stage: 's1' | 's2';
  /** domain->geometry.aperture_start/_end (inclusive) and the smallest page size in pgsize_bitmap. */
  readonly aperture: Range;
  readonly pgsize: bigint;
  /** Which iommu_ops allocated it (domain->owner): the platform driver or the iommufd selftest mock. */
  readonly driver: 'iommu' | 'mock';
  readonly hwpt?: Hwpt;
  /** IOVA page → physical page (for NESTED: the guest's S1, IOVA page → IPA page). */
  readonly pages: ReadonlyMap<bigint, Mapping>;
  readonly cookie: Cookie;
  /** dma-iommu msi pages: physical doorbell page → IOVA page (iommu_dma_get_msi_page). */
  readonly msiPages: ReadonlyMap<bigint, bigint>;
  /** Owner key of whoever controls the domain's user mappings ("host" for default domains). */
  readonly owner: string;
  /** NESTED only: the parent S2 domain (iommufd hwpt_paging). */
  readonly parent?: number;
  /**
   * RISC-V: the domain's MSI page table, interrupt-file index → physical page (basic PTEs). It is
   * the domain's, not the device's (RFC v2 patch 08, riscv_iommu_domain.msi_root,
   * 20250920203851.2205115-28-ajones@ventanamicro.com): a device switched to another domain
   * (iommufd replace, assignment) uses that domain's table, and leaves this one behind.
   */
  readonly msiTable: ReadonlyMap<bigint, bigint>;
  /**
   * RFC v2 irqbypass (msi-table-irqbypass-rfc-v2): a VM's first irq_set_vcpu_affinity has cleared
   * the table and switched DC.msi_addr_* to the guest layout; host S-file PTEs are no longer written.
   */
  readonly msiGuestLayout?: true;
  /**
   * msi-table-userspace-window: the MSI window the VMM supplied for this domain (guest page numbers,
   * DC.msi_addr_pattern / msi_addr_mask; seed 000), reserved in its IOAS with the domain as owner.
   */
  readonly msiWindow?: MsiWindow;
}

/** A RISC-V MSI address window: a GPA page hits it iff (page & ~mask) === pattern ([[MSI_TRANS]]). */
export interface MsiWindow {
  readonly pattern: bigint;
  readonly mask: bigint;
}

export type Owner =
  | { readonly kind: 'host' }
  | {
      readonly kind: 'userspace' | 'vm';
      readonly index: number;
      readonly backend: 'type1' | 'iommufd';
      readonly unsafe: boolean;
    };

/** A stable key for an owner: "host", "userspace:0", "vm:1". */
export const ownerKey = (o: Owner): string => (o.kind === 'host' ? 'host' : `${o.kind}:${o.index}`);

/** A group or domain that does not exist yet: group->domain before the first probe. */
export const NO_DOMAIN = -1;

/** The default domain type a group gets (iommu_group_alloc_default_domain); `blocked` is the selftest mock's. */
export type DefaultType = 'identity' | 'dma' | 'blocked';

export interface Group {
  readonly id: number;
  /** The probed devices of the group, in probe order (group->devices). */
  readonly devices: readonly number[];
  /** group->domain: the domain every device of the group is attached to (NO_DOMAIN before the first probe). */
  readonly domain: number;
  /** Who the scenario gave the group to (a label for invariants and reports; the kernel's own record is `dmaOwner`). */
  readonly owner: Owner;
  readonly defaultType: DefaultType;
  /** group->default_domain and group->blocking_domain (NO_DOMAIN / absent until created). */
  readonly defaultDomain: number;
  readonly blockingDomain?: number;
  /** group->owner and group->owner_cnt (iommu_device_claim_dma_owner, iommu_group_claim_dma_owner). */
  readonly dmaOwner?: string | undefined;
  readonly ownerCnt: number;
  /** An attach handle is installed at IOMMU_NO_PASID (group->pasid_array, iommu_attach_group_handle). */
  readonly handle: boolean;
  /** The VFIO group file is open and set to this type1 container (VFIO_GROUP_SET_CONTAINER). */
  readonly vfioContainer?: string | undefined;
}

export interface Device {
  readonly index: number;
  readonly bdf: string;
  readonly rid: number;
  readonly group: number;
  readonly vectors: number;
  readonly resv: readonly ResvRegion[];
  /** dev->iommu->require_direct. */
  readonly requireDirect: boolean;
  /** Userspace-supplied MSI IOVAs per vector (seed 003). */
  readonly userMsiIova: ReadonlyMap<number, bigint>;
  /** msi_device_has_isolated_msi(dev). */
  readonly msiIsolated: boolean;
  /** device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY). */
  readonly cacheCoherent: boolean;
  /** The IOMMU driver supports IOMMU_HWPT_ALLOC_NEST_PARENT and nested domains for this device. */
  readonly nestingCapable: boolean;
  /** An iommufd selftest mock device (mock_ops: no reserved regions, exempt from the isolated-MSI check). */
  readonly mock: boolean;
  /** iommu_probe_device has run: the device is in its group (dev->iommu_group). */
  readonly probed: boolean;
  /** iommufd_device_bind: the iommufd context the device is bound to (VFIO cdev). */
  readonly iommufd?: string | undefined;
  /** The address msi_msg_set_addr composed for the device's MSI descriptor after iommu_dma_prepare_msi. */
  readonly msiAddr?: bigint | undefined;
}

/** The hardware identity an IRQ was given, per irqchip. */
export type HwIrq =
  | { readonly chip: 'imsic'; readonly file: string; readonly eiid: number }
  | { readonly chip: 'its'; readonly event: number; readonly lpi: number }
  | { readonly chip: 'v2m'; readonly spi: number }
  | { readonly chip: 'mbi'; readonly spi: number }
  | { readonly chip: 'vtd'; readonly irte: number; readonly vector: number }
  | { readonly chip: 'amd'; readonly index: number; readonly vector: number }
  | { readonly chip: 'lapic'; readonly vector: number };

export interface MsiMsg {
  readonly addr: bigint;
  readonly data: number;
}

export interface Irq {
  /** Linux IRQ number. */
  readonly irq: number;
  readonly device: number;
  readonly vector: number;
  /** Affinity: the hart / CPU / vCPU the interrupt targets. */
  readonly hart: number;
  readonly owner: string;
  /** `host`: allocated through the host irq domain; `guest`: a guest-programmed irqbypass message. */
  readonly via: 'host' | 'guest';
  readonly hw: HwIrq;
  /** The message written into the device's MSI/MSI-X table. */
  readonly msg: MsiMsg;
  /**
   * RISC-V msi-table-affinity: the iommu_domain whose IR irq domain allocated the IRQ and holds its
   * MSI PTE (RFC v2 patch 08 creates the IR irq domain per iommu_domain); set_affinity edits that
   * domain's table even after the device has moved to another domain.
   */
  readonly domain?: number;
  /**
   * The messages the device was programmed with during the IRQ's last irq_set_affinity before
   * `msg` (imsic_irq_set_affinity: the old message, then the temporary one with the old address
   * and the new data): an MSI the device sent with one of them may still arrive after the move.
   */
  readonly inflight?: readonly MsiMsg[];
}

/** A mapping created while running irq_set_affinity (atomic context), recorded for affinity-atomic. */
export interface AtomicMapping {
  readonly irq: number;
  readonly page: bigint;
}

/** An IOVA area of an IOAS (struct iopt_area): user memory starting at physical page `ppn`. */
export interface Area extends Range {
  readonly ppn: bigint;
  readonly prot: number;
}

/** A reserved IOVA range (struct iopt_reserved); owner `dev:<index>`, `domain:<id>` or null (IOMMU_TEST_OP_ADD_RESERVED). */
export interface Reserved extends Range {
  readonly owner: string | null;
}

/** struct iommufd_ioas with its io_pagetable. */
export interface Ioas {
  readonly id: number;
  readonly ictx: string;
  readonly areas: readonly Area[];
  readonly reserved: readonly Reserved[];
  readonly allowed: readonly Range[];
  /** hwpt_list: the PAGING hwpts (domain ids) whose domains hold the areas. */
  readonly hwpts: readonly number[];
  /** iopt->iova_alignment. */
  readonly alignment: bigint;
}

/** struct iommufd_sw_msi_map: a doorbell page's fixed offset in the SW_MSI window of every domain of the context. */
export interface SwMsiMap {
  readonly start: bigint;
  readonly addr: bigint;
  readonly pgoff: number;
  readonly id: number;
}

/** struct iommufd_group: a group as one iommufd context sees it. */
export interface IGroup {
  /** igroup->sw_msi_start (undefined: PHYS_ADDR_MAX, no SW_MSI). */
  readonly swMsiStart?: bigint | undefined;
  /** igroup->required_sw_msi: ids of the sw_msi maps the group's MSIs use. */
  readonly required: readonly number[];
  /** The hwpt (domain id) the group is attached to at IOMMU_NO_PASID, and the attached devices. */
  readonly hwpt?: number | undefined;
  readonly attached: readonly number[];
  /** Bound devices of the group (igroup references). */
  readonly bound: number;
}

/** struct iommufd_ctx, reduced to what MSI and IOVA policy depend on. */
export interface IommufdCtx {
  readonly ioas: readonly number[];
  readonly swMsi: readonly SwMsiMap[];
  readonly swMsiId: number;
  readonly igroups: ReadonlyMap<number, IGroup>;
  /** ictx->vfio_ioas: the IOAS of the VFIO compatibility container. */
  readonly vfioIoas?: number;
}

/** A VFIO_IOMMU_MAP_DMA entry (struct vfio_dma). */
export interface VfioDma {
  readonly iova: bigint;
  readonly size: bigint;
  readonly ppn: bigint;
}

/** A VFIO type1 container (struct vfio_iommu, VFIO_TYPE1v2_IOMMU). */
export interface Type1Container {
  /** group → the vfio_domain (domain id) it is attached to. */
  readonly groups: ReadonlyMap<number, number>;
  /** domain_list: the container's domains, in order. */
  readonly domains: readonly number[];
  readonly dmas: readonly VfioDma[];
  /** iova_list: the valid IOVA ranges, ascending, inclusive. */
  readonly iovas: readonly Range[];
  /** The smallest page size of iommu->pgsize_bitmap. */
  readonly pgsize: bigint;
  readonly dmaAvail: number;
}

/** The module parameters of the two backends (each `allow_unsafe_interrupts`). */
export interface Params {
  readonly iommufdUnsafe: boolean;
  readonly type1Unsafe: boolean;
}

/** What a kernel step did that a conformance case may observe: iommu_map calls, attaches, warnings. */
export type KernelEvent =
  | {
      readonly kind: 'map';
      readonly domain: number;
      readonly iova: bigint;
      readonly phys: bigint;
      readonly size: bigint;
      readonly prot: number;
    }
  | { readonly kind: 'attach'; readonly group: number; readonly domain: number }
  | { readonly kind: 'warn'; readonly text: string };

/**
 * Where a VM's vCPU runs and which guest interrupt file it holds there (RISC-V AIA: HGEI `hgei` of
 * host hart `hart`, the hart's guest file G<hgei>; arch/riscv/kvm/aia.c kvm_riscv_aia_alloc_hgei).
 */
export interface Vcpu {
  readonly hart: number;
  readonly hgei: number;
}

export interface State {
  readonly design: string;
  readonly hardware: Hardware;
  readonly policy: Policy;
  readonly topology: Topology;
  readonly devices: readonly Device[];
  readonly groups: readonly Group[];
  readonly domains: readonly Domain[];
  readonly irqs: readonly Irq[];
  readonly nextIrq: number;
  /** vcpus[vm][vcpu]: every VM has one vCPU per hart; at boot vCPU h of VM n runs on hart h with guest file G<n+1>. */
  readonly vcpus: readonly (readonly Vcpu[])[];
  /** CPU PAGE_SIZE. */
  readonly pageSize: bigint;
  /** Geometry of every paging domain the IOMMU drivers hand out, when a conformance case fixes it. */
  readonly geometry?: { readonly aperture: Range; readonly pgsize: bigint };
  readonly params: Params;
  /** iommufd contexts by token (a scenario owner key, or a conformance case's `ictx`). */
  readonly iommufd: ReadonlyMap<string, IommufdCtx>;
  readonly ioases: readonly Ioas[];
  /** VFIO type1 containers by token. */
  readonly type1: ReadonlyMap<string, Type1Container>;
  readonly nextRamPage: bigint;
  /** What the current step did (reset by every step). */
  readonly events: readonly KernelEvent[];
  readonly atomicMappings: readonly AtomicMapping[];
  /** The last operation, what the kernel returned for it, and the state it was applied to (without its own `last`). */
  readonly last?: { readonly op: Op; readonly result: KResult; readonly before: State };
}
