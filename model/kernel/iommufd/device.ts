import { deviceOf, domainOf, groupOf, ioasOf, setDevice, setGroup, warn } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import {
  driverOf,
  groupSetDomain,
  iommu_attach_group,
  iommu_detach_group,
  iommu_device_claim_dma_owner,
  iommu_device_release_dma_owner,
} from '../iommu/core.ts';
import { iommu_group_has_isolated_msi } from '../irq/isolated.ts';
import { vmmDoorbellIpa } from '../kvm/guest-s1.ts';
import { igroupOf, ioasInCtx, setIgroup } from './ctx.ts';
import {
  findHwptPaging,
  hwptDestroy,
  hwptInCtx,
  hwptIoas,
  hwptOf,
  hwptPut,
  iommufd_hwpt_paging_alloc,
  setHwpt,
} from './hwpt.ts';
import { devOwner, iopt_remove_reserved_iova, iopt_table_enforce_dev_resv_regions } from './io-pagetable.ts';
import { iommufd_group_setup_msi } from './sw-msi.ts';

/**
 * iommufd devices (drivers/iommu/iommufd/device.c): bind, attach, replace, detach, unbind, at
 * IOMMU_NO_PASID. Simplification: no PASID attachments, no fault objects, no vIOMMU.
 */

/** The dev_warn iommufd_device_bind prints when allow_unsafe_interrupts lets a non-isolated group in. */
export const UNSAFE_INTERRUPTS_WARNING =
  'MSI interrupts are not secure, they cannot be isolated by the platform. Check that platform features like interrupt remapping are enabled. Use the "allow_unsafe_interrupts" module parameter to override';

/**
 * VFIO_DEVICE_BIND_IOMMUFD → iommufd_device_bind, for device `device` and context `ictx`:
 * - vfio_df_ioctl_bind_iommufd: a device already bound is -EINVAL (vfio_df_open: one open per cdev),
 *   one whose group file is set to a container -EBUSY (vfio_device_block_group); mock devices are
 *   bound by the selftest directly;
 * - no IOMMU_CAP_CACHE_COHERENCY: -EINVAL; no group (not probed): -ENODEV;
 * - a group without isolated MSI: -EPERM unless allow_unsafe_interrupts (then a warning); mock
 *   devices are exempt (iommufd_selftest_is_mock_dev);
 * - iommu_device_claim_dma_owner(dev, ictx): a second device of an owned group binds only from the
 *   owning context (-EPERM otherwise).
 */
export const iommufd_device_bind = (s0: State, device: number, ictx: string): Res => {
  const dev = deviceOf(s0, device);
  if (!dev.mock) {
    if (dev.iommufd !== undefined) return fail(s0, 'EINVAL');
    if (dev.probed && groupOf(s0, dev.group).vfioContainer !== undefined) return fail(s0, 'EBUSY');
  }
  if (!dev.cacheCoherent) return fail(s0, 'EINVAL');
  if (!dev.probed) return fail(s0, 'ENODEV');
  let s = s0;
  if (!dev.mock && !iommu_group_has_isolated_msi(s, dev.group)) {
    if (!s.params.iommufdUnsafe) return fail(s, 'EPERM');
    s = warn(s, UNSAFE_INTERRUPTS_WARNING);
  }
  const claimed = iommu_device_claim_dma_owner(s, device, ictx);
  if (!claimed.ok) return claimed;
  s = setDevice(claimed.state, { ...deviceOf(claimed.state, device), iommufd: ictx });
  const ig = igroupOf(s, ictx, dev.group);
  return done(setIgroup(s, ictx, dev.group, { ...ig, bound: ig.bound + 1 }), undefined);
};

/** iommufd_device_unbind → iommufd_device_destroy: the DMA claim is released; the igroup goes with its last device. */
export const iommufd_device_unbind = (s0: State, device: number): State => {
  const dev = deviceOf(s0, device);
  const ictx = dev.iommufd;
  if (ictx === undefined) return s0;
  let s = iommufd_device_detach(s0, device);
  s = iommu_device_release_dma_owner(s, device);
  s = setDevice(s, { ...deviceOf(s, device), iommufd: undefined });
  const ig = igroupOf(s, ictx, dev.group);
  return setIgroup(s, ictx, dev.group, ig.bound <= 1 ? undefined : { ...ig, bound: ig.bound - 1 });
};

/**
 * iommufd_hw_pagetable_attach (device.c): -EBUSY for a device already attached, -EINVAL when its
 * group is attached to another hwpt; the device's reserved regions go into the paging hwpt's IOAS
 * (iommufd_device_attach_reserved_iova, recording the group's SW_MSI start); on the group's first
 * attach iommufd_group_setup_msi installs its MSI pages before iommu_attach_group_handle attaches
 * the group (-EBUSY off its default/blocking domain; require_direct refuses blocking domains).
 */
export const iommufd_hw_pagetable_attach = (s0: State, hwpt: number, device: number): Res => {
  const dev = deviceOf(s0, device);
  const ictx = hwptOf(s0, hwpt).ictx;
  const ig0 = igroupOf(s0, ictx, dev.group);
  if (ig0.attached.includes(device)) return fail(s0, 'EBUSY');
  if (ig0.hwpt !== undefined && ig0.hwpt !== hwpt) return fail(s0, 'EINVAL');
  const first = ig0.hwpt === undefined;
  const paging = findHwptPaging(s0, hwpt);
  const ioas = hwptIoas(s0, paging);
  const enforced = iopt_table_enforce_dev_resv_regions(s0, ioas, device, true);
  // igroup->sw_msi_start is written through the pointer as the regions are walked; for a nested
  // hwpt under `vmm-ipa` the VMM has named the doorbell IPA instead (seed 001, not in Linux 7.0).
  const vmmIpa = paging !== hwpt ? vmmDoorbellIpa(s0.policy) : undefined;
  const start = vmmIpa ?? enforced.swMsiStart;
  const withStart = (st: State) =>
    start === undefined
      ? st
      : setIgroup(st, ictx, dev.group, { ...igroupOf(st, ictx, dev.group), swMsiStart: start });
  if (!enforced.res.ok) return fail(withStart(enforced.res.state), enforced.res.errno);
  let s = withStart(enforced.res.state);
  const unresv = (st: State) => iopt_remove_reserved_iova(st, ioas, devOwner(device));
  if (first) {
    const msi = iommufd_group_setup_msi(s, ictx, igroupOf(s, ictx, dev.group), paging);
    if (!msi.ok) return fail(unresv(msi.state), msi.errno);
    s = msi.state;
    const g = groupOf(s, dev.group);
    if (g.handle) return fail(unresv(s), 'EBUSY');
    const attached = iommu_attach_group(s, hwpt, dev.group);
    if (!attached.ok) return fail(unresv(attached.state), attached.errno);
    s = setGroup(attached.state, { ...groupOf(attached.state, dev.group), handle: true });
  }
  const ig = igroupOf(s, ictx, dev.group);
  s = setIgroup(s, ictx, dev.group, { ...ig, hwpt, attached: [...ig.attached, device] });
  return done(setHwpt(s, hwpt, { users: hwptOf(s, hwpt).users + 1 }), undefined);
};

/**
 * iommufd_hw_pagetable_detach: the device leaves its group's attachment; the last one detaches the
 * group (iommu_detach_group_handle: back to the blocking domain while the group is owned); the
 * device's reserved ranges leave the IOAS; the hwpt loses a user (an auto domain is destroyed).
 */
export const iommufd_device_detach = (s0: State, device: number): State => {
  const dev = deviceOf(s0, device);
  const ictx = dev.iommufd;
  if (ictx === undefined) return s0;
  const ig = igroupOf(s0, ictx, dev.group);
  const hwpt = ig.hwpt;
  if (hwpt === undefined || !ig.attached.includes(device)) return s0;
  const attached = ig.attached.filter((d) => d !== device);
  let s = s0;
  if (attached.length === 0) {
    s = iommu_detach_group(s, dev.group);
    s = setGroup(s, { ...groupOf(s, dev.group), handle: false });
    s = setIgroup(s, ictx, dev.group, { ...igroupOf(s, ictx, dev.group), hwpt: undefined, attached });
  } else s = setIgroup(s, ictx, dev.group, { ...igroupOf(s, ictx, dev.group), attached });
  s = iopt_remove_reserved_iova(s, hwptIoas(s, findHwptPaging(s, hwpt)), devOwner(device));
  return hwptPut(s, hwpt);
};

/**
 * iommufd_group_do_replace_reserved_iova + iommufd_device_do_replace: -EINVAL unless the device is
 * attached; the same hwpt is a no-op; moving to another IOAS reserves every attached device's
 * regions there (without the sane-combination check); the group's MSI pages are installed in the
 * new paging domain before iommu_replace_group_handle switches the group without passing through
 * the blocking domain; the old IOAS drops the group's reservations. Returns the old hwpt.
 */
const doReplace = (s0: State, hwpt: number, device: number): Res<number | undefined> => {
  const dev = deviceOf(s0, device);
  const ictx = hwptOf(s0, hwpt).ictx;
  const ig = igroupOf(s0, ictx, dev.group);
  const old = ig.hwpt;
  if (old === undefined || !ig.attached.includes(device)) return fail(s0, 'EINVAL');
  if (old === hwpt) return done(s0, undefined);
  const paging = findHwptPaging(s0, hwpt);
  const oldPaging = findHwptPaging(s0, old);
  const ioas = hwptIoas(s0, paging);
  const oldIoas = hwptIoas(s0, oldPaging);
  const unresv = (st: State, from: number) =>
    ig.attached.reduce((acc, d) => iopt_remove_reserved_iova(acc, from, devOwner(d)), st);
  let s = s0;
  if (ioas !== oldIoas) {
    for (const d of ig.attached) {
      // Stryker disable next-line BooleanLiteral: every attached device passed the sane-combination check at attach (iommufd_hw_pagetable_attach), and the sw_msi_start found is not used here
      const r = iopt_table_enforce_dev_resv_regions(s, ioas, d, false).res;
      if (!r.ok) return fail(unresv(r.state, ioas), r.errno);
      s = r.state;
    }
  }
  const msi = iommufd_group_setup_msi(s, ictx, ig, paging);
  if (!msi.ok) return fail(unresv(msi.state, ioas), msi.errno);
  // The driver's attach_dev refuses a domain of another driver's ops.
  if (domainOf(msi.state, hwpt).driver !== driverOf(msi.state, device))
    return fail(unresv(msi.state, ioas), 'EINVAL');
  const switched = groupSetDomain(msi.state, dev.group, hwpt);
  if (!switched.ok) return fail(unresv(switched.state, ioas), switched.errno);
  s = switched.state;
  if (ioas !== oldIoas) s = unresv(s, oldIoas);
  s = setIgroup(s, ictx, dev.group, { ...igroupOf(s, ictx, dev.group), hwpt });
  const n = ig.attached.length;
  s = setHwpt(s, hwpt, { users: hwptOf(s, hwpt).users + n });
  s = setHwpt(s, old, { users: hwptOf(s, old).users - (n - 1) });
  return done(s, old);
};

type DoAttach = (s: State, hwpt: number, device: number) => Res<number | undefined>;
const doAttach: DoAttach = (s, hwpt, device) => {
  const r = iommufd_hw_pagetable_attach(s, hwpt, device);
  return r.ok ? done(r.state, undefined) : r;
};

/** What `pt` names: an IOAS or an hwpt (domain id). */
export type Pt = { readonly ioas: number } | { readonly hwpt: number };

/**
 * iommufd_device_auto_get_domain: the first auto domain of the IOAS that accepts the device (an
 * incompatible one answers -EINVAL and the next is tried), else a new paging hwpt — attached
 * before it is filled on attach (immediate_attach), filled then switched to on replace.
 */
const autoGetDomain = (
  s0: State,
  device: number,
  ictx: string,
  ioas: number,
  how: DoAttach,
  immediate: boolean,
): Res<[number, number | undefined]> => {
  for (const h of ioasOf(s0, ioas).hwpts) {
    if (!hwptOf(s0, h).auto) continue;
    const r = how(s0, h, device);
    if (!r.ok) {
      if (r.errno === 'EINVAL') continue;
      return fail(r.state, r.errno);
    }
    return done(r.state, [h, r.value]);
  }
  const alloc = iommufd_hwpt_paging_alloc(
    s0,
    ictx,
    ioas,
    device,
    new Set(),
    immediate ? (s, h) => iommufd_hw_pagetable_attach(s, h, device) : undefined,
  );
  if (!alloc.ok) return fail(alloc.state, alloc.errno);
  let s = setHwpt(alloc.state, alloc.value, { auto: true });
  let destroy: number | undefined;
  if (!immediate) {
    const r = how(s, alloc.value, device);
    if (!r.ok) return fail(hwptDestroy(r.state, alloc.value), r.errno);
    s = r.state;
    destroy = r.value;
  }
  return done(s, [alloc.value, destroy]);
};

/**
 * iommufd_device_change_pt: `pt` must be an IOAS or live hwpt of the device's context (-ENOENT);
 * the old hwpt a replace returns loses the caller's reference afterwards. Returns the hwpt now
 * attached (the pt_id written back).
 */
const changePt = (s0: State, device: number, pt: Pt, how: DoAttach, immediate: boolean): Res<number> => {
  const ictx = deviceOf(s0, device).iommufd;
  if (ictx === undefined) return fail(s0, 'EINVAL');
  let r: Res<[number, number | undefined]>;
  if ('hwpt' in pt) {
    if (!hwptInCtx(s0, ictx, pt.hwpt)) return fail(s0, 'ENOENT');
    const a = how(s0, pt.hwpt, device);
    r = a.ok ? done(a.state, [pt.hwpt, a.value]) : fail(a.state, a.errno);
  } else {
    if (!ioasInCtx(s0, ictx, pt.ioas)) return fail(s0, 'ENOENT');
    r = autoGetDomain(s0, device, ictx, pt.ioas, how, immediate);
  }
  if (!r.ok) return fail(r.state, r.errno);
  const [now, destroy] = r.value;
  return done(destroy === undefined ? r.state : hwptPut(r.state, destroy), now);
};

/**
 * iommufd_device_attach (VFIO_DEVICE_ATTACH_IOMMUFD_PT on a bound device; an unbound one is -EINVAL,
 * vfio_device_fops_unl_ioctl): to an hwpt, or to an IOAS through an automatic domain.
 */
export const iommufd_device_attach = (s: State, device: number, pt: Pt): Res<number> =>
  // Stryker disable next-line BooleanLiteral: the model's drivers allocate paging domains without a device, so attach-then-fill (immediate_attach) and fill-then-attach give the same errno and attachment
  changePt(s, device, pt, doAttach, true);

/** iommufd_device_replace: as attach, for a device already attached; no change on failure. */
export const iommufd_device_replace = (s: State, device: number, pt: Pt): Res<number> =>
  changePt(s, device, pt, doReplace, false);

/** The hwpt the device's group is attached to in its context, if any. */
export const attachedHwpt = (s: State, device: number): number | undefined => {
  const ictx = deviceOf(s, device).iommufd;
  return ictx === undefined ? undefined : igroupOf(s, ictx, deviceOf(s, device).group).hwpt;
};
