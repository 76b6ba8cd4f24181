import type { KResult } from '../kernel/errno.ts';
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

/** Why a page is mapped: a user/VMM mapping, an MSI doorbell, a firmware direct map, an IMSIC identity map. */
export type MapOrigin = 'user' | 'msi' | 'direct' | 'imsic-identity';
export interface Mapping {
  readonly ppn: bigint;
  readonly origin: MapOrigin;
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

export interface Domain {
  readonly id: number;
  readonly type: DomainType;
  readonly stage: 's1' | 's2';
  /** IOVA page → physical page (for NESTED: the guest's S1, IOVA page → IPA page). */
  readonly pages: ReadonlyMap<bigint, Mapping>;
  readonly cookie: Cookie;
  /** dma-iommu msi pages: physical doorbell page → IOVA page (iommu_dma_get_msi_page). */
  readonly msiPages: ReadonlyMap<bigint, bigint>;
  /** Owner key of whoever controls the domain's user mappings ("host" for default domains). */
  readonly owner: string;
  /** NESTED only: the parent S2 domain (iommufd hwpt_paging). */
  readonly parent?: number;
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

export interface Group {
  readonly id: number;
  readonly devices: readonly number[];
  readonly domain: number;
  readonly owner: Owner;
  readonly defaultType: 'identity' | 'dma';
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
  /** RISC-V: the device's MSI page table, interrupt-file index → physical page (basic PTEs). */
  readonly msiTable: ReadonlyMap<bigint, bigint>;
  /** Userspace-supplied MSI IOVAs per vector (seed 003). */
  readonly userMsiIova: ReadonlyMap<number, bigint>;
}

/** The hardware identity an IRQ was given, per irqchip. */
export type HwIrq =
  | { readonly chip: 'imsic'; readonly file: string; readonly eiid: number }
  | { readonly chip: 'its'; readonly event: number; readonly lpi: number }
  | { readonly chip: 'v2m'; readonly spi: number }
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
}

/** A mapping created while running irq_set_affinity (atomic context), recorded for affinity-atomic. */
export interface AtomicMapping {
  readonly irq: number;
  readonly page: bigint;
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
  /** The IOAS (UNMANAGED domain) of each VFIO/iommufd owner, by owner key. */
  readonly ioas: ReadonlyMap<string, number>;
  /** iommufd per-fd sw_msi maps: owner key → physical doorbell page → pgoff (iommufd_sw_msi_get_map). */
  readonly swMsiMaps: ReadonlyMap<string, ReadonlyMap<bigint, number>>;
  readonly nextRamPage: bigint;
  readonly atomicMappings: readonly AtomicMapping[];
  /** The last operation, what the kernel returned for it, and the state it was applied to (without its own `last`). */
  readonly last?: { readonly op: Op; readonly result: KResult; readonly before: State };
}
