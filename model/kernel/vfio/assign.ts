import { deviceOf, domainOf, dropIrqsOf, groupOf, setDomain, setGroup } from '../../platform/edit.ts';
import type { Op } from '../../platform/scenario.ts';
import { type Owner, ownerKey, type State } from '../../platform/state.ts';
import { err, type KResult, OK, type Res } from '../errno.ts';
import { afterAttach } from '../iommu/attach.ts';
import { iommu_group_store_type as storeType } from '../iommu/core.ts';
import { releaseFreedMsiPtes } from '../iommu/msi-table.ts';
import { ctxOf, iommufd_ioas_alloc } from '../iommufd/ctx.ts';
import { iommufd_device_attach, iommufd_device_bind, iommufd_device_unbind } from '../iommufd/device.ts';
import { hwptDestroy, hwptOf, iommufd_hwpt_alloc, iommufd_hwpt_alloc_nested } from '../iommufd/hwpt.ts';
import { guestStage1 } from '../kvm/guest-s1.ts';
import { vfio_group_detach_container, vfio_group_set_container } from './container.ts';
import { forgetUserMsiIovas } from './msi-iova.ts';

/**
 * The scenario ops that give a group to a VFIO owner and take it back, as macros over the kernel
 * entry points. Each scenario owner has its own type1 container and its own iommufd context (one
 * IOAS), both named by the owner key; the two are unrelated objects, as in Linux. A macro is all or
 * nothing: when one of its kernel calls fails, the state is the one before the op (VFIO unwinds a
 * failed open) and the result is that call's errno.
 */

export type Step = { state: State; result: KResult };
type AssignOp = Extract<Op, { op: 'vfio_group_assign' }>;

// Stryker disable next-line StringLiteral: every caller passes a failed result, so the default errno is never used
const refused = (s: State, r: Res<unknown>): Step => ({ state: s, result: err(r.ok ? 'EINVAL' : r.errno) });

/** The owner's IOAS in its iommufd context, created on first use (IOMMU_IOAS_ALLOC). */
export const ownerIoas = (s: State, key: string): [State, number] => {
  const existing = ctxOf(s, key).ioas[0];
  return existing === undefined ? iommufd_ioas_alloc(s, key) : [s, existing];
};

/** The live NEST_PARENT hwpt the VMM allocated on `ioas` for its vIOMMU, if any. */
const nestParentOf = (s: State, ioas: number): number | undefined =>
  // Stryker disable next-line OptionalChaining: `ioas` comes from ownerIoas, which always returns an existing IOAS
  s.ioases[ioas]?.hwpts.find((h) => {
    const hw = domainOf(s, h).hwpt;
    // Stryker disable next-line OptionalChaining: an IOAS's hwpt_list holds only hwpt domains (iopt_table_add_domain)
    return hw?.nestParent === true && !hw.destroyed;
  });

/**
 * The VMM gives a VM's device a nested hwpt over a NEST_PARENT hwpt of its IOAS (Arm nesting through
 * iommufd, seed 001): the VM's stage 1 is the nested domain's page table, holding what the guest's
 * own kernel maps for the device (guestStage1: the RMR's direct pages, the guest's own MSI page).
 */
const nestedFor = (s0: State, device: number, ioas: number): Res<number> => {
  let s = s0;
  let parent = nestParentOf(s, ioas);
  if (parent === undefined) {
    const p = iommufd_hwpt_alloc(s, device, ioas, new Set(['NEST_PARENT']));
    if (!p.ok) return p;
    [s, parent] = [p.state, p.value];
  }
  const n = iommufd_hwpt_alloc_nested(s, device, parent);
  if (!n.ok) return n;
  const g = guestStage1(s.policy);
  return {
    ...n,
    state: setDomain(n.state, { ...domainOf(n.state, n.value), pages: g.pages, msiPages: g.msiPages }),
  };
};

/** The VMM destroys the hwpts it allocated that nothing uses any more (IOMMU_DESTROY; only its own handle is left). */
export const destroyUnused = (s0: State, key: string): State => {
  let s = s0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of s.domains) {
      const h = d.hwpt;
      if (h === undefined || h.ictx !== key || h.destroyed || h.auto || h.users !== 1) continue;
      s = hwptDestroy({ ...s }, d.id);
      s = setDomain(s, { ...domainOf(s, d.id), hwpt: { ...hwptOf(s, d.id), users: 0 } });
      changed = true;
    }
  }
  return s;
};

/**
 * VFIO claims `group` for a userspace driver or a VM. type1: VFIO_GROUP_SET_CONTAINER on the owner's
 * container (vfio_container_attach_group: iommu_group_claim_dma_owner, then
 * vfio_iommu_type1_attach_group), with vfio_iommu_type1's allow_unsafe_interrupts = `unsafe`.
 * iommufd: VFIO_DEVICE_BIND_IOMMUFD of every device to the owner's context (iommufd_device_bind:
 * iommu_device_claim_dma_owner) and VFIO_DEVICE_ATTACH_IOMMUFD_PT to its IOAS, or for a VM on a
 * nesting design to a nested hwpt, with iommufd's allow_unsafe_interrupts = `unsafe`. A device
 * without IOMMU_CAP_CACHE_COHERENCY is never a VFIO device (__vfio_register_dev: -EINVAL). The host
 * driver's vectors are freed before the group changes hands.
 */
export const vfio_group_assign = (s0: State, op: AssignOp): Step => {
  const g = groupOf(s0, op.group);
  if (g.devices.some((d) => !deviceOf(s0, d).cacheCoherent)) return { state: s0, result: err('EINVAL') };
  const owner: Owner = {
    kind: op.to === 'guest' ? 'vm' : 'userspace',
    index: op.owner,
    backend: op.backend,
    unsafe: op.unsafe,
  };
  const key = ownerKey(owner);
  let s: State;
  if (op.backend === 'type1') {
    const r = vfio_group_set_container(
      { ...s0, params: { ...s0.params, type1Unsafe: op.unsafe } },
      key,
      op.group,
    );
    if (!r.ok) return refused(s0, r);
    s = r.state;
  } else {
    let ioas: number;
    [s, ioas] = ownerIoas({ ...s0, params: { ...s0.params, iommufdUnsafe: op.unsafe } }, key);
    for (const d of g.devices) {
      const r = iommufd_device_bind(s, d, key);
      if (!r.ok) return refused(s0, r);
      s = r.state;
    }
    const first = g.devices[0];
    const nested = op.to === 'guest' && s.policy.nestedGuest !== 'none' && first !== undefined;
    let pt: { ioas: number } | { hwpt: number } = { ioas };
    if (nested) {
      const n = nestedFor(s, first, ioas);
      if (!n.ok) return refused(s0, n);
      [s, pt] = [n.state, { hwpt: n.value }];
    }
    for (const d of g.devices) {
      const r = iommufd_device_attach(s, d, pt);
      if (!r.ok) return refused(s0, r);
      s = r.state;
    }
  }
  s = forgetUserMsiIovas(dropIrqsOf(s, g.devices), g.devices);
  s = setGroup(s, { ...groupOf(s, op.group), owner });
  return { state: afterAttach(releaseFreedMsiPtes(s0, s), op.group), result: OK };
};

/**
 * The owner lets the group go: VFIO_GROUP_UNSET_CONTAINER (type1) or the cdev close of every device
 * (iommufd_device_detach, iommufd_device_unbind → iommu_device_release_dma_owner), after which the
 * group is back on its default domain — the same one it left. The owner's vectors are freed; MSI
 * pages stay in the owner's domains (present_sw_msi only grows).
 */
export const vfio_group_release = (s0: State, group: number): Step => {
  const g = groupOf(s0, group);
  if (g.owner.kind === 'host') return { state: s0, result: err('EINVAL') };
  let s = vfio_group_detach_container(s0, group);
  for (const d of g.devices) s = iommufd_device_unbind(s, d);
  s = destroyUnused(s, ownerKey(g.owner));
  s = forgetUserMsiIovas(dropIrqsOf(s, g.devices), g.devices);
  s = setGroup(s, { ...groupOf(s, group), owner: { kind: 'host' } });
  return { state: afterAttach(releaseFreedMsiPtes(s0, s), group), result: OK };
};

/**
 * The host changes a group's default domain type through sysfs (iommu_group_store_type →
 * iommu_setup_default_domain); the group's driver is unbound first, so its vectors go.
 */
export const iommu_group_store_type = (s0: State, group: number, type: 'identity' | 'dma'): Step => {
  const r = storeType(dropIrqsOf(s0, groupOf(s0, group).devices), group, type);
  if (!r.ok) return refused(s0, r);
  return { state: afterAttach(releaseFreedMsiPtes(s0, r.state), group), result: OK };
};
