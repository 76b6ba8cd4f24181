import type { KernelOpName } from '../../../model/kernel/ops.ts';
import type { DefaultType, ResvType } from '../../../model/platform/state.ts';

/**
 * A parsed kernel case (conformance format section 4): names resolved to indices, every hex value
 * kept as `base + i·stride` so that a repeated step's affine values (4.7) and plain values share
 * one shape (stride 0).
 */
export interface Hv {
  readonly base: bigint;
  readonly stride: bigint;
}

/** A range [start, last] of hex values. */
export interface HRange {
  readonly start: Hv;
  readonly last: Hv;
}

/** A domain as a case names it: a step id, or the default domain of a group. */
export type DomainRef = { readonly id: string } | { readonly defaultOf: number };

/** A Mapping of section 4.5 (`size` defaults to page_size). */
export interface MappingSpec {
  readonly domain?: DomainRef;
  readonly iova: Hv;
  readonly phys: Hv;
  readonly size?: Hv;
  readonly prot?: number;
}

export interface DeviceSetup {
  readonly id: string;
  readonly group: number;
  readonly resv: readonly { readonly type: ResvType; readonly start: bigint; readonly length: bigint }[];
  readonly msiIsolated: boolean;
  readonly cacheCoherent: boolean;
  readonly mock: boolean;
  readonly nestingCapable: boolean;
}

export interface KernelSetup {
  readonly pageSize: bigint;
  readonly devices: readonly DeviceSetup[];
  /** Every group, listed ones first then those only devices name; index = position. */
  readonly groups: readonly { readonly id: string; readonly defaultType: DefaultType }[];
  readonly geometry?: { readonly start: bigint; readonly last: bigint; readonly pgsize: bigint };
  readonly params: { readonly iommufd: boolean; readonly type1: boolean };
  readonly ioas: readonly {
    readonly id: string;
    readonly mappings: readonly { iova: bigint; length: bigint }[];
  }[];
  readonly mock: boolean;
}

/** An op's arguments with names resolved (indices; hwpt and domain ids stay names, bound when the case runs). */
export type StepArgs =
  | { readonly op: 'probe_device'; readonly dev: number }
  | { readonly op: 'iommu_get_group_resv_regions'; readonly group: number }
  | { readonly op: 'iommu_device_claim_dma_owner'; readonly dev: number; readonly owner: string }
  | { readonly op: 'iommu_group_claim_dma_owner'; readonly group: number; readonly owner: string }
  | { readonly op: 'iommu_paging_domain_alloc'; readonly dev: number; readonly id: string }
  | { readonly op: 'iommu_attach_group'; readonly domain: DomainRef; readonly group: number }
  | { readonly op: 'iommu_get_msi_cookie'; readonly domain: DomainRef; readonly base: Hv }
  | { readonly op: 'iommu_dma_prepare_msi'; readonly dev: number; readonly doorbell: Hv }
  | { readonly op: 'iommufd_device_bind'; readonly dev: number; readonly ictx?: string }
  | {
      readonly op: 'iommufd_device_attach' | 'iommufd_device_replace';
      readonly dev: number;
      readonly pt: PtRef;
    }
  | { readonly op: 'iommufd_device_detach'; readonly dev: number }
  | {
      readonly op: 'hwpt_alloc';
      readonly dev: number;
      readonly ioas: number;
      readonly id: string;
      readonly flags: readonly ('NEST_PARENT' | 'DIRTY_TRACKING' | 'PASID')[];
    }
  | { readonly op: 'hwpt_alloc_nested'; readonly dev: number; readonly parent: string; readonly id: string }
  | { readonly op: 'ioas_map'; readonly ioas: number; readonly fixedIova: Hv | null; readonly length: Hv }
  | { readonly op: 'ioas_unmap'; readonly ioas: number; readonly iova: Hv; readonly length: Hv }
  | { readonly op: 'ioas_allow_iovas'; readonly ioas: number; readonly ranges: readonly HRange[] }
  | { readonly op: 'ioas_iova_ranges'; readonly ioas: number; readonly numIovas: number }
  | { readonly op: 'selftest_add_reserved'; readonly ioas: number; readonly start: Hv; readonly length: Hv }
  | { readonly op: 'selftest_mock_domain'; readonly ioas: number; readonly dev: number }
  | {
      readonly op: 'vfio_group_set_container' | 'vfio_attach_group' | 'vfio_detach_group';
      readonly group: number;
    }
  | { readonly op: 'vfio_map_dma'; readonly iova: Hv; readonly size: Hv }
  | { readonly op: 'vfio_get_info_iova_ranges'; readonly container: 'type1' | 'iommufd-compat' }
  | { readonly op: 'set_param'; readonly iommufd?: boolean; readonly type1?: boolean };

/** `pt`: an IOAS (index) or an hwpt (its step id). */
export type PtRef = { readonly ioas: number } | { readonly hwpt: string };

/** One `result` field, kept in file order. */
export type ResultCheck =
  | {
      readonly field:
        | 'msi_address'
        | 'msi_iova'
        | 'msi_address_unchanged'
        | 'out_iova_alignment'
        | 'iova_alignment'
        | 'msi_cookie_base';
      readonly value: Hv;
    }
  | { readonly field: 'msi_shift' | 'num_iovas' | 'nr_iovas'; readonly value: number }
  | {
      readonly field:
        | 'new_mappings'
        | 'mappings_installed_before_attach'
        | 'mappings_installed_before_switch'
        | 'still_mapped';
      readonly value: readonly MappingSpec[];
    }
  | {
      readonly field: 'ranges' | 'ranges_filled' | 'default_domain_identity_mappings' | 'not_mapped';
      readonly value: readonly HRange[];
    }
  | { readonly field: 'iova_within' | 'iova_range_must_not_intersect'; readonly value: HRange }
  | {
      readonly field: 'regions';
      readonly value: readonly { readonly type: ResvType; readonly start: Hv; readonly length: Hv }[];
    }
  | { readonly field: 'sysfs_reserved_regions'; readonly value: readonly string[] }
  | { readonly field: 'require_direct'; readonly value: boolean }
  | { readonly field: 'group_domain'; readonly value: 'BLOCKED' | 'DEFAULT' | { readonly id: string } }
  | { readonly field: 'kernel_warning' | 'domain_cookie' | 'cookie' | 'type'; readonly value: string };

export interface KernelStepSpec {
  readonly op: KernelOpName;
  readonly repeat: number;
  /** The step carries `repeat` (its differences are reported as steps[k](i=<i>)). */
  readonly repeated: boolean;
  readonly args: StepArgs;
  /** "ok" or an errno name without the sign ("EINVAL"). */
  readonly expect: string;
  readonly result: readonly ResultCheck[];
}

export interface KernelCase {
  readonly setup: KernelSetup;
  readonly steps: readonly KernelStepSpec[];
}
