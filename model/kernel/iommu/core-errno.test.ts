import { describe, expect, it } from 'vitest';
import { deviceOf, domainOf, groupOf, setDevice, setGroup } from '../../platform/edit.ts';
import { NO_DOMAIN, type State } from '../../platform/state.ts';
import { armIts, setup, topo } from '../testing.ts';
import {
  FW_DIRECT_WARNING,
  groupSetDomain,
  iommu_attach_group,
  iommu_detach_group,
  iommu_device_claim_dma_owner,
  iommu_device_release_dma_owner,
  iommu_group_claim_dma_owner,
  iommu_group_release_dma_owner,
  iommu_group_store_type,
  iommu_paging_domain_alloc,
  iommu_probe_device,
  iommu_setup_default_domain,
} from './core.ts';
import { allocDomain } from './domain.ts';

const base = (): State => setup(armIts(), topo([{}, {}]));

describe('__iommu_attach_group (drivers/iommu/iommu.c __iommu_attach_group)', () => {
  it('a group on its default domain attaches to an UNMANAGED domain of the same driver', () => {
    const [s, id] = allocDomain(base(), 'UNMANAGED', 'user0', { type: 'NONE' });
    const r = iommu_attach_group(s, id, 0);
    expect(r.ok).toBe(true);
    expect(groupOf(r.state, 0)).toEqual({ ...groupOf(s, 0), domain: id });
  });

  it('-EBUSY when the group already sits on a domain that is neither its default nor its blocking domain', () => {
    const [s1, a] = allocDomain(base(), 'UNMANAGED', 'user0', { type: 'NONE' });
    const [s2, b] = allocDomain(s1, 'UNMANAGED', 'user0', { type: 'NONE' });
    const r1 = iommu_attach_group(s2, a, 0);
    if (!r1.ok) throw new Error(r1.errno);
    expect(iommu_attach_group(r1.state, b, 0)).toEqual({ ok: false, errno: 'EBUSY', state: r1.state });
  });

  it('-EINVAL when the domain comes from another iommu_ops (domain_iommu_ops_compatible): a mock_ops domain on a platform device', () => {
    const [s, id] = allocDomain(base(), 'UNMANAGED', 'user0', { type: 'NONE' }, { driver: 'mock' });
    expect(domainOf(s, id).driver).toBe('mock');
    expect(iommu_attach_group(s, id, 0)).toEqual({ ok: false, errno: 'EINVAL', state: s });
  });

  it('-ENODEV for a group with no device (iommu_group_first_dev has none; the model refuses)', () => {
    const [s1, id] = allocDomain(base(), 'UNMANAGED', 'user0', { type: 'NONE' });
    const s = setGroup(s1, { ...groupOf(s1, 1), devices: [] });
    expect(iommu_attach_group(s, id, 1)).toEqual({ ok: false, errno: 'ENODEV', state: s });
  });
});

describe('iommu_group_store_type (drivers/iommu/iommu.c iommu_group_store_type)', () => {
  it('-EINVAL before the group has a default domain', () => {
    const s0 = base();
    const s = setGroup(s0, { ...groupOf(s0, 0), defaultDomain: NO_DOMAIN });
    expect(iommu_group_store_type(s, 0, 'dma')).toEqual({ ok: false, errno: 'EINVAL', state: s });
  });

  it('-EPERM for an empty group (list_empty(&group->devices)) and while owner_cnt is 1', () => {
    const s0 = base();
    const empty = setGroup(s0, { ...groupOf(s0, 0), devices: [] });
    expect(iommu_group_store_type(empty, 0, 'dma')).toEqual({ ok: false, errno: 'EPERM', state: empty });
    const owned = setGroup(s0, { ...groupOf(s0, 0), ownerCnt: 1 });
    expect(iommu_group_store_type(owned, 0, 'dma')).toEqual({ ok: false, errno: 'EPERM', state: owned });
  });

  it('owner_cnt 0 with a device: a new DMA default domain, the group on it', () => {
    const s = base();
    const r = iommu_group_store_type(s, 0, 'dma');
    expect(r.ok).toBe(true);
    const g = groupOf(r.state, 0);
    expect(g).toMatchObject({ defaultType: 'dma', domain: g.defaultDomain });
    expect(domainOf(r.state, g.defaultDomain)).toMatchObject({ type: 'DMA', cookie: { type: 'DMA_IOVA' } });
  });
});

describe('iommu_paging_domain_alloc (drivers/iommu/iommu.c __iommu_paging_domain_alloc_flags)', () => {
  it('-ENODEV for a device the IOMMU has not probed (!dev_has_iommu)', () => {
    const s0 = base();
    const s = setDevice(s0, { ...deviceOf(s0, 1), probed: false });
    expect(iommu_paging_domain_alloc(s, 1, 'user0')).toEqual({ ok: false, errno: 'ENODEV', state: s });
  });

  it('a probed device: a new UNMANAGED domain of its driver, no cookie, nothing mapped', () => {
    const s = base();
    const r = iommu_paging_domain_alloc(s, 1, 'user0');
    expect(r.ok && r.value).toBe(s.domains.length);
    if (!r.ok) throw new Error(r.errno);
    expect(r.state.domains).toHaveLength(s.domains.length + 1);
    expect(domainOf(r.state, r.value)).toMatchObject({
      type: 'UNMANAGED',
      owner: 'user0',
      driver: 'iommu',
      cookie: { type: 'NONE' },
      pages: new Map(),
    });
  });
});

/** Marks device `d` as probed by the selftest mock_ops. */
const mockDev = (s: State, d: number): State => setDevice(s, { ...deviceOf(s, d), mock: true });
const requireDirect = (s: State, d: number): State =>
  setDevice(s, { ...deviceOf(s, d), requireDirect: true });
const ok = <T>(r: { ok: boolean; state: State; errno?: string } & T): State => {
  if (!r.ok) throw new Error(r.errno);
  return r.state;
};

describe('__iommu_group_set_domain_internal / __iommu_device_set_domain (drivers/iommu/iommu.c)', () => {
  it('setting the domain the group is already on is a no-op (group->domain == new_domain: return 0)', () => {
    const s = base();
    expect(groupSetDomain(s, 0, groupOf(s, 0).domain)).toEqual({ ok: true, state: s, value: undefined });
  });

  it('-EINVAL for a require_direct device on any IOMMU_DOMAIN_BLOCKED domain, not only group->blocking_domain', () => {
    const [s1, id] = allocDomain(base(), 'BLOCKED', 'host');
    const s = requireDirect(s1, 0);
    const r = groupSetDomain(s, 0, id);
    expect(r.ok ? 'ok' : r.errno).toBe('EINVAL');
    expect(groupOf(r.state, 0).domain).toBe(groupOf(s, 0).domain);
  });

  it('an ARM SMMUv3 paging domain gets nothing mapped on attach (only the RISC-V IR designs map IMSICs)', () => {
    const [s, id] = allocDomain(base(), 'UNMANAGED', 'user0', { type: 'NONE' });
    const r = iommu_attach_group(s, id, 0);
    expect(domainOf(ok(r), id).pages).toEqual(new Map());
  });
});

describe('__iommu_attach_group / __iommu_take_dma_ownership with group->domain NULL (drivers/iommu/iommu.c)', () => {
  it('a group with no current domain is not -EBUSY for attach (the check starts with group->domain &&)', () => {
    const [s1, id] = allocDomain(base(), 'UNMANAGED', 'user0', { type: 'NONE' });
    const s = setGroup(s1, { ...groupOf(s1, 0), domain: NO_DOMAIN });
    expect(groupOf(ok(iommu_attach_group(s, id, 0)), 0).domain).toBe(id);
  });

  it('a group with no current domain is not -EBUSY for a DMA-ownership claim', () => {
    const s0 = base();
    const s = setGroup(s0, { ...groupOf(s0, 0), domain: NO_DOMAIN });
    expect(groupOf(ok(iommu_group_claim_dma_owner(s, 0, 'user0')), 0).dmaOwner).toBe('user0');
  });
});

describe('DMA ownership (drivers/iommu/iommu.c iommu_group_claim_dma_owner, iommu_device_claim_dma_owner, __iommu_group_set_core_domain)', () => {
  it('the blocking domain is a BLOCKED domain of the device ops, allocated once (__iommu_group_alloc_blocking_domain: if (group->blocking_domain) return 0)', () => {
    const s0 = mockDev(base(), 0);
    const s1 = ok(iommu_group_claim_dma_owner(s0, 0, 'user0'));
    const blocking = groupOf(s1, 0).blockingDomain;
    expect(blocking).toBe(s0.domains.length);
    expect(domainOf(s1, blocking ?? NO_DOMAIN)).toMatchObject({
      type: 'BLOCKED',
      owner: 'host',
      driver: 'mock',
    });
    expect(groupOf(s1, 0).domain).toBe(blocking);
    const s2 = ok(iommu_group_claim_dma_owner(iommu_group_release_dma_owner(s1, 0), 0, 'user1'));
    expect(s2.domains).toHaveLength(s1.domains.length);
    expect(groupOf(s2, 0)).toMatchObject({ blockingDomain: blocking, domain: blocking, dmaOwner: 'user1' });
  });

  it('iommu_detach_group after the owner is released goes to the default domain, not the leftover blocking domain', () => {
    const s0 = base();
    const def = groupOf(s0, 0).defaultDomain;
    const s1 = iommu_group_release_dma_owner(ok(iommu_group_claim_dma_owner(s0, 0, 'user0')), 0);
    const [s2, id] = allocDomain(s1, 'UNMANAGED', 'user0', { type: 'NONE' });
    const s3 = iommu_detach_group(ok(iommu_attach_group(s2, id, 0)), 0);
    expect(groupOf(s3, 0).blockingDomain).toBeDefined();
    expect(groupOf(s3, 0).domain).toBe(def);
  });

  it('iommu_detach_group on a group with no default domain and no owner leaves it where it is (__iommu_group_set_domain_internal: WARN_ON(!new_domain))', () => {
    const [s1, id] = allocDomain(base(), 'UNMANAGED', 'user0', { type: 'NONE' });
    const s2 = ok(iommu_attach_group(s1, id, 0));
    const s = setGroup(s2, { ...groupOf(s2, 0), defaultDomain: NO_DOMAIN });
    expect(iommu_detach_group(s, 0)).toBe(s);
  });

  it('the same owner claims a device twice: owner_cnt 2; one release keeps the ownership (iommu_device_release_dma_owner: owner_cnt > 1)', () => {
    const s1 = ok(iommu_device_claim_dma_owner(base(), 0, 'user0'));
    const s2 = ok(iommu_device_claim_dma_owner(s1, 0, 'user0'));
    expect(groupOf(s2, 0)).toMatchObject({ ownerCnt: 2, dmaOwner: 'user0' });
    const s3 = iommu_device_release_dma_owner(s2, 0);
    expect(groupOf(s3, 0)).toEqual({ ...groupOf(s2, 0), ownerCnt: 1 });
  });

  it('releasing a group with no default domain clears the owner and leaves it on the blocking domain (__iommu_group_set_domain_nofail(NULL) WARNs, nothing attached)', () => {
    const s0 = base();
    const s = setGroup(s0, { ...groupOf(s0, 0), defaultDomain: NO_DOMAIN, domain: NO_DOMAIN });
    const s1 = ok(iommu_group_claim_dma_owner(s, 0, 'user0'));
    const g = groupOf(iommu_group_release_dma_owner(s1, 0), 0);
    expect(g).toMatchObject({ dmaOwner: undefined, ownerCnt: 0, domain: groupOf(s1, 0).blockingDomain });
  });
});

describe('iommu_setup_default_domain (drivers/iommu/iommu.c)', () => {
  it('identity requested on a group already on the static identity domain: nothing allocated (group->default_domain == dom)', () => {
    const s = base();
    expect(domainOf(s, groupOf(s, 0).defaultDomain).type).toBe('IDENTITY');
    expect(iommu_setup_default_domain(s, 0, 'identity')).toEqual({ ok: true, state: s, value: undefined });
  });

  it('identity requested on a group on a DMA default domain: a new IDENTITY default domain', () => {
    const s1 = ok(iommu_setup_default_domain(base(), 0, 'dma'));
    const s2 = ok(iommu_setup_default_domain(s1, 0, 'identity'));
    const g = groupOf(s2, 0);
    expect(g).toMatchObject({
      defaultType: 'identity',
      defaultDomain: s1.domains.length,
      domain: s1.domains.length,
    });
    expect(domainOf(s2, g.defaultDomain).type).toBe('IDENTITY');
  });

  it('the default domain belongs to the ops of the group device (mock_ops for a selftest device)', () => {
    const s = ok(iommu_setup_default_domain(mockDev(base(), 0), 0, 'dma'));
    expect(domainOf(s, groupOf(s, 0).defaultDomain).driver).toBe('mock');
  });

  it('a BLOCKED default domain is also the group blocking domain: a DMA-owner claim allocates no other', () => {
    const s1 = ok(iommu_setup_default_domain(base(), 0, 'blocked'));
    const g = groupOf(s1, 0);
    expect(g.blockingDomain).toBe(g.defaultDomain);
    const s2 = ok(iommu_group_claim_dma_owner(s1, 0, 'user0'));
    expect(s2.domains).toHaveLength(s1.domains.length);
  });

  it('a refused attach restores the old default domain and type (err_restore: group->default_domain = old_dom)', () => {
    const s = requireDirect(base(), 0);
    const g = groupOf(s, 0);
    const r = iommu_setup_default_domain(s, 0, 'blocked');
    expect(r.ok ? 'ok' : r.errno).toBe('EINVAL');
    expect(groupOf(r.state, 0)).toMatchObject({
      defaultDomain: g.defaultDomain,
      defaultType: g.defaultType,
      domain: g.domain,
    });
  });
});

describe('__iommu_probe_device, the first device of a group (drivers/iommu/iommu.c)', () => {
  it('iommu_setup_default_domain refused (require_direct, blocked default type): -EINVAL, the device out of the group and not probed, no domain left, the warning printed (err_remove_gdev)', () => {
    const s1 = base();
    const s = requireDirect(
      setDevice(
        setGroup(s1, { ...groupOf(s1, 0), devices: [], defaultDomain: NO_DOMAIN, defaultType: 'blocked' }),
        {
          ...deviceOf(s1, 0),
          probed: false,
        },
      ),
      0,
    );
    const r = iommu_probe_device(s, 0);
    expect(r.ok ? 'ok' : r.errno).toBe('EINVAL');
    expect(deviceOf(r.state, 0).probed).toBe(false);
    expect(groupOf(r.state, 0)).toEqual(groupOf(s, 0));
    expect(r.state.domains).toEqual(s.domains);
    expect(r.state.events.slice(s.events.length)).toEqual([{ kind: 'warn', text: FW_DIRECT_WARNING }]);
  });
});

describe('__iommu_probe_device into a group with a default domain (drivers/iommu/iommu.c)', () => {
  const twoInGroup = (): State => {
    const s = setup(armIts(), topo([{}, { group: 0 }]));
    // device 1 not yet probed: out of the group
    return setDevice(setGroup(s, { ...groupOf(s, 0), devices: [0] }), { ...deviceOf(s, 1), probed: false });
  };

  it('the new device is attached to the current domain: an attach event for it', () => {
    const s = twoInGroup();
    const r = ok(iommu_probe_device(s, 1));
    expect(r.events.at(-1)).toEqual({ kind: 'attach', group: 0, domain: groupOf(s, 0).domain });
    expect(groupOf(r, 0).devices).toEqual([0, 1]);
  });

  it('-EINVAL for a require_direct device while the group is on its blocking domain (DMA owner)', () => {
    const s0 = ok(iommu_group_claim_dma_owner(twoInGroup(), 0, 'user0'));
    const s = requireDirect(s0, 1);
    const r = iommu_probe_device(s, 1);
    expect(r.ok ? 'ok' : r.errno).toBe('EINVAL');
    expect(groupOf(r.state, 0).devices).toEqual([0]);
  });

  it('-EINVAL for a require_direct device while the group is on a paging blocking_domain (__iommu_group_alloc_blocking_domain falls back to an empty paging domain; new_domain == group->blocking_domain)', () => {
    const [s1, id] = allocDomain(twoInGroup(), 'UNMANAGED', 'host', { type: 'NONE' });
    const s = requireDirect(setGroup(s1, { ...groupOf(s1, 0), blockingDomain: id, domain: id }), 1);
    const r = iommu_probe_device(s, 1);
    expect(r.ok ? 'ok' : r.errno).toBe('EINVAL');
  });

  it('-EINVAL for a require_direct device while the group is on another IOMMU_DOMAIN_BLOCKED domain', () => {
    const [s1, id] = allocDomain(twoInGroup(), 'BLOCKED', 'host');
    const s = requireDirect(ok(iommu_attach_group(s1, id, 0)), 1);
    expect(groupOf(s, 0).blockingDomain).toBeUndefined();
    const r = iommu_probe_device(s, 1);
    expect(r.ok ? 'ok' : r.errno).toBe('EINVAL');
  });
});

describe('iommu_paging_domain_alloc driver (drivers/iommu/iommu.c __iommu_paging_domain_alloc_flags: domain->owner = ops)', () => {
  it('a mock_ops device gets a mock domain', () => {
    const r = iommu_paging_domain_alloc(mockDev(base(), 1), 1, 'user0');
    if (!r.ok) throw new Error(r.errno);
    expect(domainOf(r.state, r.value).driver).toBe('mock');
  });
});
