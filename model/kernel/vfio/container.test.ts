import { describe, expect, it } from 'vitest';
import { groupOf } from '../../platform/edit.ts';
import { armIts, assign, setup, topo } from '../testing.ts';
import { vfio_group_detach_container, vfioGroupOwner } from './container.ts';

/**
 * VFIO_GROUP_SET_CONTAINER / VFIO_GROUP_UNSET_CONTAINER (drivers/vfio/container.c
 * vfio_container_attach_group, vfio_group_detach_container; drivers/vfio/group.c
 * vfio_group_ioctl_unset_container).
 */
describe('vfio container attach and detach', () => {
  it('each group is claimed with its own vfio_group as DMA owner (iommu_group_claim_dma_owner(group->iommu_group, group))', () => {
    const s = setup(armIts(), topo([{}, {}]), [assign(0, 'type1'), assign(1, 'type1')]);
    const owners = [groupOf(s, 0).dmaOwner, groupOf(s, 1).dmaOwner];
    expect(owners).toEqual([vfioGroupOwner(0), vfioGroupOwner(1)]);
    expect(owners[0]).toEqual(expect.any(String));
    expect(owners[0]).not.toBe(owners[1]);
  });

  it('a group in no container has nothing to detach: the iommufd owner keeps its DMA claim and domain (vfio_group_ioctl_unset_container detaches only when group->container is set)', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
    expect(groupOf(s, 0).vfioContainer).toBeUndefined();
    expect(groupOf(s, 0).ownerCnt).toBe(1);
    expect(vfio_group_detach_container(s, 0)).toBe(s);
  });
});
