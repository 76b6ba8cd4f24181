import { describe, expect, it } from 'vitest';
import { armIts, assign, setup, topo } from '../testing.ts';
import { ctxOf, igroupOf, setIgroup } from './ctx.ts';

/**
 * The iommufd context's igroups (drivers/iommu/iommufd/device.c iommufd_get_group /
 * iommufd_group_release: the ictx->groups xarray entry is erased with the igroup).
 */
describe('setIgroup', () => {
  it('dropping an igroup erases its entry from the context (iommufd_group_release: xa_cmpxchg(&ictx->groups, id, igroup, NULL))', () => {
    const s = setup(armIts(), topo([{}, {}]), [assign(0, 'iommufd'), assign(1, 'iommufd')]);
    const ictx = 'userspace:0';
    expect([...ctxOf(s, ictx).igroups.keys()].sort()).toEqual([0, 1]);
    const dropped = setIgroup(s, ictx, 0, undefined);
    expect([...ctxOf(dropped, ictx).igroups.keys()]).toEqual([1]);
    expect(igroupOf(dropped, ictx, 1)).toBe(igroupOf(s, ictx, 1));
  });
});
