import { deviceOf, dropIrqsOf, groupOf, setGroup } from '../../platform/edit.ts';
import { SW_MSI_BASE, SW_MSI_LENGTH } from '../../platform/layout.ts';
import type { Op } from '../../platform/scenario.ts';
import {
  type Cookie,
  type Mapping,
  type Owner,
  ownerKey,
  type ResvRegion,
  type State,
} from '../../platform/state.ts';
import { pageOf } from '../../types/addr.ts';
import { err, type KResult, OK } from '../errno.ts';
import { attachGroup } from '../iommu/attach.ts';
import { allocDomain } from '../iommu/domain.ts';
import { resetMsiTables } from '../iommu/msi-table.ts';
import { overlaps } from '../iommu/resv.ts';
import { iommufdGroupSetupMsi } from '../iommufd/sw-msi.ts';
import { iommu_group_has_isolated_msi } from '../irq/isolated.ts';
import { forgetUserMsiIovas } from './msi-iova.ts';

export type Step = { state: State; result: KResult };

/**
 * The cookie of an owner's UNMANAGED domain: IOMMU_DOMAIN_MIXED's hole allocator where the design
 * has it (seed 004), iommufd's sw_msi for iommufd, else VFIO type1's MSI cookie at the SW_MSI base
 * unless a HW MSI region takes precedence (vfio_iommu_has_sw_msi).
 */
export const unmanagedCookie = (
  s: State,
  backend: 'type1' | 'iommufd',
  key: string,
  regions: readonly ResvRegion[],
): Cookie => {
  if (s.policy.msiIova === 'holes') return { type: 'MIXED' };
  if (backend === 'iommufd') return { type: 'IOMMUFD', owner: key };
  const sw = regions.find((r) => r.type === 'SW_MSI');
  return !regions.some((r) => r.type === 'MSI') && sw !== undefined
    ? { type: 'DMA_MSI', base: sw.start, next: sw.start }
    : { type: 'NONE' };
};
type AssignOp = Extract<Op, { op: 'vfio_group_assign' }>;

/** Every reserved region of every device in `group`. */
export const groupResv = (s: State, group: number): ResvRegion[] =>
  groupOf(s, group).devices.flatMap((d) => deviceOf(s, d).resv);

/** User mappings of a domain that intersect a region which is not DIRECT_RELAXABLE. */
const resvConflict = (pages: ReadonlyMap<bigint, Mapping>, regions: ResvRegion[]): boolean =>
  [...pages].some(
    ([iova, m]) =>
      m.origin === 'user' &&
      regions.some((r) => r.type !== 'DIRECT_RELAXABLE' && overlaps(r, iova << 12n, 0x1000n)),
  );

/**
 * VFIO claims `group` for a userspace driver or a VM, through VFIO type1
 * (vfio_group_ioctl_set_container → iommu_group_claim_dma_owner, then vfio_iommu_type1_attach_group)
 * or iommufd (iommufd_device_bind → iommu_device_claim_dma_owner, then iommufd_device_attach).
 * Every refusal returns the errno Linux returns (linux-msi-facts §1.3, §1.5, §1.6).
 */
export const vfio_group_assign = (s0: State, op: AssignOp): Step => {
  const g = groupOf(s0, op.group);
  const refuse = (e: Parameters<typeof err>[0]): Step => ({ state: s0, result: err(e) });
  const claimRefused = g.devices.some((d) => deviceOf(s0, d).requireDirect);
  const isolatedOrUnsafe = op.unsafe || iommu_group_has_isolated_msi(s0, op.group);
  const owner: Owner = {
    kind: op.to === 'guest' ? 'vm' : 'userspace',
    index: op.owner,
    backend: op.backend,
    unsafe: op.unsafe,
  };
  const key = ownerKey(owner);
  const regions = groupResv(s0, op.group);
  const existing = s0.ioas.get(key);
  const shared = existing === undefined ? undefined : s0.domains[existing];
  const conflict = shared !== undefined && resvConflict(shared.pages, regions);
  // __vfio_register_dev: a device without IOMMU_CAP_CACHE_COHERENCY is never a VFIO device at all
  // (-EINVAL), whichever backend would claim it; iommufd_device_bind checks the same first.
  if (!s0.policy.cacheCoherencyCap) return refuse('EINVAL');
  if (op.backend === 'type1') {
    // vfio_group_ioctl_set_container: a group already in a container is -EINVAL; a group iommufd
    // holds fails iommu_group_claim_dma_owner (-EPERM); __iommu_take_dma_ownership attaches the
    // blocking domain, refused for require_direct devices (-EINVAL).
    if (g.owner.kind !== 'host') return refuse(g.owner.backend === 'iommufd' ? 'EPERM' : 'EINVAL');
    if (claimRefused) return refuse('EINVAL');
    // vfio_iommu_type1_attach_group: vfio_iommu_resv_conflict (-EINVAL) before the isolated-MSI check (-EPERM).
    if (conflict) return refuse('EINVAL');
    if (!isolatedOrUnsafe) return refuse('EPERM');
  } else {
    // iommufd_device_bind: iommu_device_claim_dma_owner (-EPERM while another owner holds the
    // group), then isolated MSI (-EPERM) — as read, the require_direct refusal of the blocking
    // domain comes with the claim (-EINVAL).
    if (g.owner.kind !== 'host') return refuse('EPERM');
    if (!isolatedOrUnsafe) return refuse('EPERM');
    if (claimRefused) return refuse('EINVAL');
    // iopt_table_enforce_dev_resv_regions: each region is reserved in turn (iopt_reserve_iova:
    // -EADDRINUSE over a user mapping), then per device "Drivers must offer sane combinations" (-EINVAL).
    if (conflict) return refuse('EADDRINUSE');
    for (const d of g.devices) {
      const kinds = deviceOf(s0, d).resv.map((r) => r.type);
      const sw = kinds.filter((k) => k === 'SW_MSI').length;
      if ((kinds.includes('MSI') && sw > 0) || sw > 1) return refuse('EINVAL');
    }
  }
  let s = s0;
  let ioas = s.ioas.get(key);
  if (ioas !== undefined) {
    // An owner keeps one IOAS/container per backend; mixing backends for one owner is refused.
    const sharedBackend = s.groups.find((x) => x.owner.kind !== 'host' && ownerKey(x.owner) === key)?.owner;
    if (
      sharedBackend !== undefined &&
      sharedBackend.kind !== 'host' &&
      sharedBackend.backend !== op.backend
    ) {
      return refuse('EINVAL');
    }
  } else {
    const cookie = unmanagedCookie(s, op.backend, key, regions);
    [s, ioas] = allocDomain(s, 'UNMANAGED', key, cookie);
    s = { ...s, ioas: new Map(s.ioas).set(key, ioas) };
  }
  let target = ioas;
  // Arm nesting through iommufd: the VM's S1 over the IOAS as S2 (iommufd_viommu / nested hwpt);
  // the VMM publishes (or not) an identity RMR covering the host SW_MSI window (seed 001).
  if (op.to === 'guest' && op.backend === 'iommufd' && s.policy.nestedGuest !== 'none') {
    const s1 = new Map<bigint, Mapping>();
    if (s.policy.nestedGuest === 'rmr') {
      for (let p = pageOf(SW_MSI_BASE); p < pageOf(SW_MSI_BASE + SW_MSI_LENGTH); p++)
        s1.set(p, { ppn: p, origin: 'direct' });
    }
    [s, target] = allocDomain(s, 'NESTED', key);
    const nested = s.domains[target];
    if (nested !== undefined)
      s = {
        ...s,
        domains: s.domains.map((d) => (d.id === target ? { ...nested, pages: s1, parent: ioas } : d)),
      };
  }
  // The host driver is unbound: its vectors are freed before the group changes hands.
  s = forgetUserMsiIovas(dropIrqsOf(s, g.devices), g.devices);
  s = setGroup(s, { ...groupOf(s, op.group), owner });
  const first = g.devices[0];
  if (op.backend === 'iommufd' && first !== undefined) s = iommufdGroupSetupMsi(s, key, first, ioas);
  s = resetMsiTables(attachGroup(s, op.group, target), op.group);
  return { state: s, result: OK };
};

/**
 * The owner lets the group go (vfio_group_detach_container / iommufd_device_unbind →
 * iommu_group_release_dma_owner): its vectors are freed and the group returns to a fresh default
 * domain. MSI pages stay in the owner's domains (present_sw_msi only grows).
 */
export const vfio_group_release = (s0: State, group: number): Step => {
  const g = groupOf(s0, group);
  if (g.owner.kind === 'host') return { state: s0, result: err('EINVAL') };
  let s = forgetUserMsiIovas(dropIrqsOf(s0, g.devices), g.devices);
  s = setGroup(s, { ...groupOf(s, group), owner: { kind: 'host' } });
  const [s2, id] = allocDomain(s, g.defaultType === 'dma' ? 'DMA' : 'IDENTITY', 'host');
  return { state: resetMsiTables(attachGroup(s2, group, id), group), result: OK };
};

/** A host group's default domain type changes (sysfs iommu_group/type): the driver is unbound first. */
export const iommu_attach_group = (s0: State, group: number, type: 'identity' | 'dma'): Step => {
  const g = groupOf(s0, group);
  // iommu_group_store_type: a group with a DMA owner (group->owner_cnt) is -EPERM.
  if (g.owner.kind !== 'host') return { state: s0, result: err('EPERM') };
  let s = dropIrqsOf(s0, g.devices);
  s = setGroup(s, { ...g, defaultType: type });
  const [s2, id] = allocDomain(s, type === 'dma' ? 'DMA' : 'IDENTITY', 'host');
  return { state: resetMsiTables(attachGroup(s2, group, id), group), result: OK };
};
