import { deviceOf, groupOf, setDevice } from '../platform/edit.ts';
import type { ResvRegion, State } from '../platform/state.ts';
import type { ErrnoName, Res } from './errno.ts';
import type { Range } from './interval.ts';
import {
  iommu_attach_group,
  iommu_device_claim_dma_owner,
  iommu_group_claim_dma_owner,
  iommu_paging_domain_alloc,
  iommu_probe_device,
} from './iommu/core.ts';
import { iommu_dma_prepare_msi, iommu_get_msi_cookie, type PreparedMsi } from './iommu/dma-iommu.ts';
import { mergedResv } from './iommu/resv.ts';
import {
  iommufd_device_attach,
  iommufd_device_bind,
  iommufd_device_detach,
  iommufd_device_replace,
  type Pt,
} from './iommufd/device.ts';
import { type HwptAllocFlag, iommufd_hwpt_alloc, iommufd_hwpt_alloc_nested } from './iommufd/hwpt.ts';
import {
  type IovaRanges,
  iommufd_ioas_allow_iovas,
  iommufd_ioas_iova_ranges,
  iommufd_ioas_map,
  iommufd_ioas_unmap,
} from './iommufd/ioas.ts';
import { iommufd_test_add_reserved, iommufd_test_mock_domain } from './iommufd/selftest.ts';
import { iommufd_vfio_iova_ranges } from './iommufd/vfio-compat.ts';
import { vfio_group_set_container } from './vfio/container.ts';
import {
  vfio_container_iova_ranges,
  vfio_dma_do_map,
  vfio_iommu_type1_attach_group,
  vfio_iommu_type1_detach_group,
} from './vfio/type1.ts';

/**
 * The kernel entry points as single model transitions, one per op of the conformance-case format
 * (docs/conformance-format.md section 4.3): devices, groups and IOASes by index, hwpts and domains by
 * domain id, owners and iommufd contexts by token. One iommufd context (`KERNEL_ICTX`) is the
 * default, one type1 container (`KERNEL_TYPE1`) serves every vfio_* op, and the VFIO compatibility
 * container of the default context has that context's vfio_ioas.
 */
export const KERNEL_ICTX = 'default';
export const KERNEL_TYPE1 = 'type1';

export type KernelOp =
  | { readonly op: 'probe_device'; readonly dev: number }
  | { readonly op: 'iommu_get_group_resv_regions'; readonly group: number }
  | { readonly op: 'iommu_device_claim_dma_owner'; readonly dev: number; readonly owner: string }
  | { readonly op: 'iommu_group_claim_dma_owner'; readonly group: number; readonly owner: string }
  | { readonly op: 'iommu_paging_domain_alloc'; readonly dev: number }
  | { readonly op: 'iommu_attach_group'; readonly domain: number; readonly group: number }
  | { readonly op: 'iommu_get_msi_cookie'; readonly domain: number; readonly base: bigint }
  | { readonly op: 'iommu_dma_prepare_msi'; readonly dev: number; readonly doorbell: bigint }
  | { readonly op: 'iommufd_device_bind'; readonly dev: number; readonly ictx: string }
  | { readonly op: 'iommufd_device_attach'; readonly dev: number; readonly pt: Pt }
  | { readonly op: 'iommufd_device_replace'; readonly dev: number; readonly pt: Pt }
  | { readonly op: 'iommufd_device_detach'; readonly dev: number }
  | {
      readonly op: 'hwpt_alloc';
      readonly dev: number;
      readonly ioas: number;
      readonly flags: readonly HwptAllocFlag[];
    }
  | { readonly op: 'hwpt_alloc_nested'; readonly dev: number; readonly parent: number }
  | {
      readonly op: 'ioas_map';
      readonly ioas: number;
      readonly fixedIova: bigint | null;
      readonly length: bigint;
    }
  | { readonly op: 'ioas_unmap'; readonly ioas: number; readonly iova: bigint; readonly length: bigint }
  | { readonly op: 'ioas_allow_iovas'; readonly ioas: number; readonly ranges: readonly Range[] }
  | { readonly op: 'ioas_iova_ranges'; readonly ioas: number; readonly numIovas: number }
  | {
      readonly op: 'selftest_add_reserved';
      readonly ioas: number;
      readonly start: bigint;
      readonly length: bigint;
    }
  | { readonly op: 'selftest_mock_domain'; readonly ioas: number; readonly dev: number }
  | { readonly op: 'vfio_group_set_container'; readonly group: number }
  | { readonly op: 'vfio_attach_group'; readonly group: number }
  | { readonly op: 'vfio_detach_group'; readonly group: number }
  | { readonly op: 'vfio_map_dma'; readonly iova: bigint; readonly size: bigint }
  | { readonly op: 'vfio_get_info_iova_ranges'; readonly container: 'type1' | 'iommufd-compat' }
  | { readonly op: 'set_param'; readonly iommufd?: boolean; readonly type1?: boolean };

export type KernelOpName = KernelOp['op'];

/** What a step returned besides its errno: the values the kernel wrote back to the caller. */
export interface KernelOut {
  /** A new domain or hwpt (its domain id), or the hwpt an attach / replace left the device on. */
  readonly domain?: number;
  /** The IOVA IOMMU_IOAS_MAP chose or used. */
  readonly iova?: bigint;
  readonly regions?: readonly ResvRegion[];
  readonly iovaRanges?: IovaRanges;
  /** VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE; undefined when the capability is absent. */
  readonly vfioRanges?: readonly Range[];
  readonly msi?: PreparedMsi;
}

export interface KernelStep {
  readonly state: State;
  readonly errno?: ErrnoName;
  readonly out: KernelOut;
}

const from = <T>(r: Res<T>, out: (v: T) => KernelOut = () => ({})): KernelStep => {
  if (r.ok) return { state: r.state, out: out(r.value) };
  return { state: r.state, errno: r.errno, out: r.partial === undefined ? {} : out(r.partial) };
};
const okState = (state: State): KernelStep => ({ state, out: {} });

/** One kernel entry point on `s0`, its events recorded in the new state (State.events). */
export const kernelStep = (s0: State, op: KernelOp): KernelStep => {
  const s: State = { ...s0, events: [] };
  switch (op.op) {
    case 'probe_device':
      return from(iommu_probe_device(s, op.dev));
    case 'iommu_get_group_resv_regions': {
      const devices = groupOf(s, op.group).devices.map((d) => deviceOf(s, d));
      return { state: s, out: { regions: mergedResv(devices) } };
    }
    case 'iommu_device_claim_dma_owner':
      return from(iommu_device_claim_dma_owner(s, op.dev, op.owner));
    case 'iommu_group_claim_dma_owner':
      return from(iommu_group_claim_dma_owner(s, op.group, op.owner));
    case 'iommu_paging_domain_alloc':
      return from(iommu_paging_domain_alloc(s, op.dev, 'kernel'), (domain) => ({ domain }));
    case 'iommu_attach_group':
      return from(iommu_attach_group(s, op.domain, op.group));
    case 'iommu_get_msi_cookie':
      return from(iommu_get_msi_cookie(s, op.domain, op.base));
    case 'iommu_dma_prepare_msi': {
      const r = iommu_dma_prepare_msi(s, op.dev, op.doorbell);
      if (!r.ok) return { state: r.state, errno: r.errno, out: {} };
      const state = setDevice(r.state, { ...deviceOf(r.state, op.dev), msiAddr: r.value.addr });
      return { state, out: { msi: r.value } };
    }
    case 'iommufd_device_bind':
      return from(iommufd_device_bind(s, op.dev, op.ictx));
    case 'iommufd_device_attach':
      return from(iommufd_device_attach(s, op.dev, op.pt), (domain) => ({ domain }));
    case 'iommufd_device_replace':
      return from(iommufd_device_replace(s, op.dev, op.pt), (domain) => ({ domain }));
    case 'iommufd_device_detach':
      return okState(iommufd_device_detach(s, op.dev));
    case 'hwpt_alloc':
      return from(iommufd_hwpt_alloc(s, op.dev, op.ioas, new Set(op.flags)), (domain) => ({ domain }));
    case 'hwpt_alloc_nested':
      return from(iommufd_hwpt_alloc_nested(s, op.dev, op.parent), (domain) => ({ domain }));
    case 'ioas_map':
      return from(iommufd_ioas_map(s, op.ioas, op.fixedIova, op.length), (iova) => ({ iova }));
    case 'ioas_unmap':
      return from(iommufd_ioas_unmap(s, op.ioas, op.iova, op.length));
    case 'ioas_allow_iovas':
      return from(iommufd_ioas_allow_iovas(s, op.ioas, op.ranges));
    case 'ioas_iova_ranges':
      return from(iommufd_ioas_iova_ranges(s, op.ioas, op.numIovas), (iovaRanges) => ({ iovaRanges }));
    case 'selftest_add_reserved':
      return from(iommufd_test_add_reserved(s, op.ioas, op.start, op.length));
    case 'selftest_mock_domain':
      return from(iommufd_test_mock_domain(s, op.ioas, op.dev), (domain) => ({ domain }));
    case 'vfio_group_set_container':
      return from(vfio_group_set_container(s, KERNEL_TYPE1, op.group));
    case 'vfio_attach_group':
      return from(vfio_iommu_type1_attach_group(s, KERNEL_TYPE1, op.group));
    case 'vfio_detach_group':
      return okState(vfio_iommu_type1_detach_group(s, KERNEL_TYPE1, op.group));
    case 'vfio_map_dma':
      return from(vfio_dma_do_map(s, KERNEL_TYPE1, op.iova, op.size));
    case 'vfio_get_info_iova_ranges': {
      if (op.container === 'iommufd-compat')
        return from(iommufd_vfio_iova_ranges(s, KERNEL_ICTX), (vfioRanges) => ({ vfioRanges }));
      return from(vfio_container_iova_ranges(s, KERNEL_TYPE1), (vfioRanges) => ({ vfioRanges }));
    }
    case 'set_param':
      return okState({
        ...s,
        params: {
          iommufdUnsafe: op.iommufd ?? s.params.iommufdUnsafe,
          type1Unsafe: op.type1 ?? s.params.type1Unsafe,
        },
      });
    // Stryker disable next-line BlockStatement,ConditionalExpression: unreachable, the switch over KernelOp is exhaustive (the type checker proves it)
    default: {
      const never: never = op;
      // Stryker disable next-line StringLiteral: unreachable, the switch over KernelOp is exhaustive
      throw new Error(`model inconsistency: ${JSON.stringify(never)}`);
    }
  }
};
