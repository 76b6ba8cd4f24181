import { deviceOf, domainOf, emit, groupOf, setDevice, setGroup, warn } from '../../platform/edit.ts';
import { type DefaultType, NO_DOMAIN, type State } from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import { hasIrDomainPtes } from '../policy.ts';
import { allocDomain, createDirectMappings, isPaging, mapImsicsIdentity } from './domain.ts';

/**
 * The IOMMU core's group, domain and DMA-ownership functions (drivers/iommu/iommu.c, Linux 7.0).
 * Simplification: no kernel driver is bound to a device through the DMA API (owner_cnt counts only
 * DMA-owner claims), and a group has one attach handle at IOMMU_NO_PASID at most.
 */

/** __iommu_device_set_domain's refusal (dev_warn). */
export const FW_DIRECT_WARNING =
  'Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.';

/** The iommu_ops a device is probed with: the platform driver or the selftest mock_ops. */
export const driverOf = (s: State, device: number): 'iommu' | 'mock' =>
  deviceOf(s, device).mock ? 'mock' : 'iommu';

/**
 * __iommu_group_set_domain_internal: every device of the group is attached to `domainId`; a
 * require_direct device refuses the blocking domain (__iommu_device_set_domain, -EINVAL) and the
 * group stays where it was. The RISC-V RFC v2 driver identity-maps the IMSICs into first-stage
 * paging domains on attach (patch 05); series 1 (`resv-msi-identity`) into every paging domain.
 */
export const groupSetDomain = (s0: State, group: number, domainId: number): Res => {
  const g = groupOf(s0, group);
  if (g.domain === domainId) return done(s0, undefined);
  const d = domainOf(s0, domainId);
  const blocking = d.type === 'BLOCKED' || domainId === g.blockingDomain;
  if (blocking && g.devices.some((dev) => deviceOf(s0, dev).requireDirect)) {
    return fail(warn(s0, FW_DIRECT_WARNING), 'EINVAL');
  }
  let s = setGroup(s0, { ...g, domain: domainId });
  const p = s.policy.doorbells;
  if (isPaging(d) && ((hasIrDomainPtes(p) && d.stage === 's1') || p === 'resv-msi-identity'))
    s = mapImsicsIdentity(s, domainId);
  return done(emit(s, { kind: 'attach', group, domain: domainId }), undefined);
};

/** __iommu_group_set_core_domain: the blocking domain while the group has a DMA owner, else the default domain. */
export const setCoreDomain = (s: State, group: number): State => {
  const g = groupOf(s, group);
  const target =
    g.dmaOwner !== undefined && g.blockingDomain !== undefined ? g.blockingDomain : g.defaultDomain;
  if (target === NO_DOMAIN) return s;
  return groupSetDomain(s, group, target).state;
};

/**
 * __iommu_attach_group: -EBUSY unless the group sits on its default or blocking domain; -EINVAL
 * when the domain comes from another driver's ops (domain_iommu_ops_compatible). A group with no
 * probed device has no first device to ask (the kernel does not expect it): -ENODEV.
 */
export const iommu_attach_group = (s: State, domainId: number, group: number): Res => {
  const g = groupOf(s, group);
  if (g.domain !== NO_DOMAIN && g.domain !== g.defaultDomain && g.domain !== g.blockingDomain)
    return fail(s, 'EBUSY');
  const first = g.devices[0];
  if (first === undefined) return fail(s, 'ENODEV');
  if (driverOf(s, first) !== domainOf(s, domainId).driver) return fail(s, 'EINVAL');
  return groupSetDomain(s, group, domainId);
};

/** iommu_detach_group: back to the core domain. */
export const iommu_detach_group = (s: State, group: number): State => setCoreDomain(s, group);

/**
 * __iommu_take_dma_ownership: -EBUSY if the group is off its default domain or has an attach
 * handle; else the blocking domain (ops->blocked_domain, allocated once per group) is attached —
 * refused for require_direct devices — and the owner recorded.
 */
const takeDmaOwnership = (s0: State, group: number, owner: string): Res => {
  const g = groupOf(s0, group);
  if ((g.domain !== NO_DOMAIN && g.domain !== g.defaultDomain) || g.handle) return fail(s0, 'EBUSY');
  let s = s0;
  let blocking = g.blockingDomain;
  if (blocking === undefined) {
    const first = g.devices[0];
    [s, blocking] = allocDomain(s, 'BLOCKED', 'host', undefined, {
      driver: first === undefined ? 'iommu' : driverOf(s, first),
    });
    s = setGroup(s, { ...groupOf(s, group), blockingDomain: blocking });
  }
  const r = groupSetDomain(s, group, blocking);
  if (!r.ok) return r;
  const after = groupOf(r.state, group);
  return done(setGroup(r.state, { ...after, dmaOwner: owner, ownerCnt: after.ownerCnt + 1 }), undefined);
};

/** iommu_group_claim_dma_owner: only a group nobody owns (-EPERM otherwise). */
export const iommu_group_claim_dma_owner = (s: State, group: number, owner: string): Res =>
  groupOf(s, group).ownerCnt > 0 ? fail(s, 'EPERM') : takeDmaOwnership(s, group, owner);

/**
 * iommu_device_claim_dma_owner: -ENODEV for a device in no group; a group already owned is shared
 * with the same owner (owner_cnt++) and refused to any other (-EPERM).
 */
export const iommu_device_claim_dma_owner = (s: State, device: number, owner: string): Res => {
  const dev = deviceOf(s, device);
  if (!dev.probed) return fail(s, 'ENODEV');
  const g = groupOf(s, dev.group);
  if (g.ownerCnt > 0) {
    if (g.dmaOwner !== owner) return fail(s, 'EPERM');
    return done(setGroup(s, { ...g, ownerCnt: g.ownerCnt + 1 }), undefined);
  }
  return takeDmaOwnership(s, dev.group, owner);
};

/** __iommu_release_dma_ownership: no owner, back on the default domain. */
export const iommu_group_release_dma_owner = (s: State, group: number): State => {
  const g = groupOf(s, group);
  const released = setGroup(s, { ...g, dmaOwner: undefined, ownerCnt: 0 });
  return g.defaultDomain === NO_DOMAIN ? released : groupSetDomain(released, group, g.defaultDomain).state;
};

/** iommu_device_release_dma_owner: one claim fewer; the last one releases the group. */
export const iommu_device_release_dma_owner = (s: State, device: number): State => {
  const g = groupOf(s, deviceOf(s, device).group);
  return g.ownerCnt > 1
    ? setGroup(s, { ...g, ownerCnt: g.ownerCnt - 1 })
    : iommu_group_release_dma_owner(s, g.id);
};

const DOMAIN_OF_TYPE = { dma: 'DMA', identity: 'IDENTITY', blocked: 'BLOCKED' } as const;

/**
 * iommu_setup_default_domain: a new default domain of the requested type (DMA with a DMA_IOVA
 * cookie; the driver's static identity domain is kept if the group already has it), direct
 * mappings for every device before the attach, then the group moves to it unless a DMA owner holds
 * it elsewhere.
 */
export const iommu_setup_default_domain = (s0: State, group: number, type: DefaultType): Res => {
  const g = groupOf(s0, group);
  const old = g.defaultDomain === NO_DOMAIN ? undefined : domainOf(s0, g.defaultDomain);
  if (old !== undefined && old.type === 'IDENTITY' && type === 'identity') return done(s0, undefined);
  const first = g.devices[0];
  // Stryker disable next-line StringLiteral: unreachable, both callers (probe, store_type) have a device in the group
  const driver = first === undefined ? 'iommu' : driverOf(s0, first);
  let [s, dom] = allocDomain(s0, DOMAIN_OF_TYPE[type], 'host', undefined, { driver });
  for (const d of g.devices) s = createDirectMappings(s, dom, d);
  s = setGroup(s, { ...groupOf(s, group), defaultDomain: dom, defaultType: type });
  if (type === 'blocked') s = setGroup(s, { ...groupOf(s, group), blockingDomain: dom });
  const r = groupSetDomain(s, group, dom);
  if (!r.ok)
    return fail(
      setGroup(r.state, {
        ...groupOf(r.state, group),
        defaultDomain: g.defaultDomain,
        defaultType: g.defaultType,
      }),
      r.errno,
    );
  return r;
};

/**
 * iommu_group_store_type (sysfs `iommu_groups/N/type`): -EINVAL before the group has a default
 * domain; -EPERM while the group is empty or has a DMA owner (owner_cnt); else a new default domain.
 */
export const iommu_group_store_type = (s: State, group: number, type: 'identity' | 'dma'): Res => {
  const g = groupOf(s, group);
  if (g.defaultDomain === NO_DOMAIN) return fail(s, 'EINVAL');
  if (g.devices.length === 0 || g.ownerCnt > 0) return fail(s, 'EPERM');
  return iommu_setup_default_domain(s, group, type);
};

/**
 * iommu_probe_device → __iommu_probe_device: a device already in its group is left alone; else it
 * joins the group. A group with a default domain gets the device's direct mappings there and the
 * device is attached to the group's current domain (refused for require_direct on a blocking
 * domain: the probe fails and the device leaves the group again); the group's first device sets
 * up the default domain (iommu_setup_default_domain), and when that fails the device leaves the
 * group again too.
 */
export const iommu_probe_device = (s0: State, device: number): Res => {
  const dev = deviceOf(s0, device);
  if (dev.probed) return done(s0, undefined);
  let s = setDevice(s0, { ...dev, probed: true });
  const g = groupOf(s, dev.group);
  s = setGroup(s, { ...g, devices: [...g.devices, device] });
  if (g.defaultDomain !== NO_DOMAIN) {
    s = createDirectMappings(s, g.defaultDomain, device);
    const cur = domainOf(s, g.domain);
    const blocking = cur.type === 'BLOCKED' || g.domain === g.blockingDomain;
    if (deviceOf(s, device).requireDirect && blocking) return fail(warn(s0, FW_DIRECT_WARNING), 'EINVAL');
    return done(emit(s, { kind: 'attach', group: g.id, domain: g.domain }), undefined);
  }
  const r = iommu_setup_default_domain(s, dev.group, g.defaultType);
  if (r.ok) return r;
  // err_remove_gdev: the device leaves the group and is not probed; the domain set up for it is
  // freed with it; what was printed stays.
  const printed = r.state.events.slice(s0.events.length).filter((e) => e.kind === 'warn');
  return fail({ ...s0, events: [...s0.events, ...printed] }, r.errno);
};

/**
 * iommu_paging_domain_alloc(dev) (__iommu_paging_domain_alloc_flags): -ENODEV for a device the
 * IOMMU has not probed; else an UNMANAGED domain of the device's driver, no cookie.
 */
export const iommu_paging_domain_alloc = (s: State, device: number, owner: string): Res<number> => {
  if (!deviceOf(s, device).probed) return fail(s, 'ENODEV');
  const [next, id] = allocDomain(s, 'UNMANAGED', owner, { type: 'NONE' }, { driver: driverOf(s, device) });
  return done(next, id);
};
