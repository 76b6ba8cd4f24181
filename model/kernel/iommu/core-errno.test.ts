import { describe, expect, it } from 'vitest';
import { deviceOf, domainOf, groupOf, setDevice, setGroup } from '../../platform/edit.ts';
import { NO_DOMAIN, type State } from '../../platform/state.ts';
import { armIts, setup, topo } from '../testing.ts';
import { iommu_attach_group, iommu_group_store_type, iommu_paging_domain_alloc } from './core.ts';
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
