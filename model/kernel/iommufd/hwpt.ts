import { deviceOf, domainOf, ioasOf, setDomain } from '../../platform/edit.ts';
import type { Hwpt, State } from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import { driverOf } from '../iommu/core.ts';
import { allocDomain } from '../iommu/domain.ts';
import { ioasInCtx } from './ctx.ts';
import { iopt_table_add_domain, iopt_table_remove_domain } from './io-pagetable.ts';

/** IOMMU_HWPT_ALLOC_* flags (include/uapi/linux/iommufd.h) the case format names. */
export const HWPT_ALLOC_FLAGS = ['NEST_PARENT', 'DIRTY_TRACKING', 'PASID'] as const;
export type HwptAllocFlag = (typeof HWPT_ALLOC_FLAGS)[number];

export const hwptOf = (s: State, domainId: number): Hwpt => {
  const h = domainOf(s, domainId).hwpt;
  if (h === undefined) throw new Error(`model inconsistency: domain ${domainId} is no hwpt`);
  return h;
};
export const setHwpt = (s: State, domainId: number, patch: Partial<Hwpt>): State => {
  const d = domainOf(s, domainId);
  return setDomain(s, { ...d, hwpt: { ...hwptOf(s, domainId), ...patch } });
};

/** find_hwpt_paging: a PAGING hwpt itself, a NESTED hwpt's parent. */
export const findHwptPaging = (s: State, domainId: number): number => {
  const h = hwptOf(s, domainId);
  if (h.kind === 'paging') return domainId;
  const parent = domainOf(s, domainId).parent;
  if (parent === undefined) throw new Error(`model inconsistency: nested hwpt ${domainId} without parent`);
  return parent;
};

/** A live hwpt of the context (iommufd_get_object: a destroyed or foreign object is not found). */
export const hwptInCtx = (s: State, ictx: string, domainId: number): boolean => {
  const h = s.domains[domainId]?.hwpt;
  return h !== undefined && h.ictx === ictx && !h.destroyed;
};

/**
 * The hwpt object is destroyed (iommufd_hwpt_paging_destroy / iommufd_hwpt_nested_destroy): a
 * paging hwpt leaves its IOAS (iopt_table_remove_domain); a nested one drops its parent's users.
 */
export const hwptDestroy = (s0: State, domainId: number): State => {
  const h = hwptOf(s0, domainId);
  let s = setHwpt(s0, domainId, { destroyed: true });
  // Stryker disable next-line ConditionalExpression,LogicalOperator: every paging hwpt has an IOAS and no nested one has (iommufd_hwpt_paging_alloc, iommufd_hwpt_alloc_nested), so either half decides alone
  if (h.kind === 'paging' && h.ioas !== undefined) return iopt_table_remove_domain(s, h.ioas, domainId);
  const parent = domainOf(s, domainId).parent;
  // Stryker disable next-line ConditionalExpression: reached only for a nested hwpt, which always has a parent (iommufd_hwpt_alloc_nested)
  if (parent !== undefined) s = setHwpt(s, parent, { users: hwptOf(s, parent).users - 1 });
  return s;
};

/** iommufd_hw_pagetable_put: one user fewer; an auto domain goes with its last user. */
export const hwptPut = (s0: State, domainId: number): State => {
  const h = hwptOf(s0, domainId);
  const s = setHwpt(s0, domainId, { users: h.users - 1 });
  return h.auto && h.users - 1 === 0 ? hwptDestroy(s, domainId) : s;
};

/**
 * iommufd_hwpt_paging_alloc (drivers/iommu/iommufd/hw_pagetable.c): DIRTY_TRACKING needs
 * IOMMU_CAP_DIRTY_TRACKING (the mock has it; the case format gives real devices no such field, so
 * they do not); the driver's domain_alloc_paging_flags refuses NEST_PARENT unless it can nest
 * (-EOPNOTSUPP). The UNMANAGED domain gets an IOMMUFD cookie; with `attach` the device is
 * attached before iopt_table_add_domain fills it (immediate_attach), which on failure undoes both.
 */
export const iommufd_hwpt_paging_alloc = (
  s0: State,
  ictx: string,
  ioas: number,
  device: number,
  flags: ReadonlySet<HwptAllocFlag>,
  attach?: (s: State, hwpt: number) => Res,
): Res<number> => {
  const dev = deviceOf(s0, device);
  if (flags.has('DIRTY_TRACKING') && !dev.mock) return fail(s0, 'EOPNOTSUPP');
  if (flags.has('NEST_PARENT') && !dev.mock && !dev.nestingCapable) return fail(s0, 'EOPNOTSUPP');
  // IOMMU_DOMAIN_MIXED (seed 004) takes MSI IOVAs from holes between user mappings instead.
  const cookie =
    s0.policy.msiIova === 'holes'
      ? ({ type: 'MIXED' } as const)
      : ({ type: 'IOMMUFD', owner: ictx } as const);
  const [s1, id] = allocDomain(s0, 'UNMANAGED', ictx, cookie, { driver: driverOf(s0, device) });
  const hwpt: Hwpt = {
    ictx,
    kind: 'paging',
    ioas,
    auto: false,
    nestParent: flags.has('NEST_PARENT'),
    presentSwMsi: [],
    users: 0,
    destroyed: false,
  };
  let s = setDomain(s1, { ...domainOf(s1, id), hwpt });
  if (attach !== undefined) {
    const r = attach(s, id);
    if (!r.ok) return fail(setHwpt(r.state, id, { destroyed: true }), r.errno);
    s = r.state;
  }
  const added = iopt_table_add_domain(s, ioas, id);
  if (!added.ok) return fail(s0, added.errno);
  return done(added.state, id);
};

/**
 * IOMMU_HWPT_ALLOC of a paging hwpt on `ioas` for `device` (iommufd_hwpt_alloc): the device must be
 * bound (iommufd_get_device: -ENOENT) and the IOAS one of its context (-EINVAL). The user holds the
 * new hwpt.
 */
export const iommufd_hwpt_alloc = (
  s: State,
  device: number,
  ioas: number,
  flags: ReadonlySet<HwptAllocFlag>,
): Res<number> => {
  const ictx = deviceOf(s, device).iommufd;
  if (ictx === undefined) return fail(s, 'ENOENT');
  if (!ioasInCtx(s, ictx, ioas)) return fail(s, 'EINVAL');
  const r = iommufd_hwpt_paging_alloc(s, ictx, ioas, device, flags);
  return r.ok ? done(setHwpt(r.state, r.value, { users: 1 }), r.value) : r;
};

/**
 * IOMMU_HWPT_ALLOC of a nested hwpt over `parent` (iommufd_hwpt_nested_alloc): a parent that is not
 * a live paging hwpt of the device's context is -EINVAL; a driver without domain_alloc_nested
 * -EOPNOTSUPP; an auto-domain parent, one without NEST_PARENT or from another driver -EINVAL.
 * The driver's nesting data is taken as valid.
 */
export const iommufd_hwpt_alloc_nested = (s0: State, device: number, parent: number): Res<number> => {
  const dev = deviceOf(s0, device);
  const ictx = dev.iommufd;
  if (ictx === undefined) return fail(s0, 'ENOENT');
  if (!hwptInCtx(s0, ictx, parent) || hwptOf(s0, parent).kind !== 'paging') return fail(s0, 'EINVAL');
  if (!dev.mock && !dev.nestingCapable) return fail(s0, 'EOPNOTSUPP');
  const p = hwptOf(s0, parent);
  if (p.auto || !p.nestParent || domainOf(s0, parent).driver !== driverOf(s0, device))
    return fail(s0, 'EINVAL');
  const [s1, id] = allocDomain(
    s0,
    'NESTED',
    ictx,
    { type: 'IOMMUFD', owner: ictx },
    { driver: driverOf(s0, device) },
  );
  const hwpt: Hwpt = {
    ictx,
    kind: 'nested',
    auto: false,
    nestParent: false,
    presentSwMsi: [],
    users: 1,
    destroyed: false,
  };
  const s = setDomain(s1, { ...domainOf(s1, id), hwpt, parent, aperture: domainOf(s1, parent).aperture });
  return done(setHwpt(s, parent, { users: p.users + 1 }), id);
};

/** The IOAS a paging hwpt fills. */
export const hwptIoas = (s: State, domainId: number): number => {
  const i = hwptOf(s, domainId).ioas;
  if (i === undefined) throw new Error(`model inconsistency: hwpt ${domainId} has no IOAS`);
  return ioasOf(s, i).id;
};
