import { deviceOf, groupOf, setGroup } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';
import { iommu_group_claim_dma_owner, iommu_group_release_dma_owner } from '../iommu/core.ts';
import { unwound, vfio_iommu_type1_attach_group, vfio_iommu_type1_detach_group } from './type1.ts';

/** The DMA owner VFIO claims a group with: the vfio_group itself (vfio_container_attach_group). */
export const vfioGroupOwner = (group: number): string => `vfio-group:${group}`;

/**
 * VFIO_GROUP_SET_CONTAINER (vfio_group_ioctl_set_container → vfio_container_attach_group) on the
 * type1 container `token`: the group file must open (vfio_group_fops_open: -EBUSY while a device
 * of the group is bound through its cdev); a group already in a container is -EINVAL, one without
 * devices -ENODEV; then iommu_group_claim_dma_owner (-EPERM for an owned group, -EBUSY off the
 * default domain, -EINVAL for require_direct) and vfio_iommu_type1_attach_group, whose failure
 * releases the ownership again.
 */
export const vfio_group_set_container = (s0: State, token: string, group: number): Res => {
  const g = groupOf(s0, group);
  if (s0.devices.some((d) => d.group === group && deviceOf(s0, d.index).iommufd !== undefined))
    return fail(s0, 'EBUSY');
  if (g.vfioContainer !== undefined) return fail(s0, 'EINVAL');
  // Stryker disable next-line ConditionalExpression,StringLiteral: every group has a device (TopologySchema numbers groups without gaps), so -ENODEV is unreachable
  if (g.devices.length === 0) return fail(s0, 'ENODEV');
  const claimed = iommu_group_claim_dma_owner(s0, group, vfioGroupOwner(group));
  if (!claimed.ok) return claimed;
  const attached = vfio_iommu_type1_attach_group(claimed.state, token, group);
  if (!attached.ok) return fail(unwound(s0, attached.state), attached.errno);
  return done(
    setGroup(attached.state, { ...groupOf(attached.state, group), vfioContainer: token }),
    undefined,
  );
};

/**
 * VFIO_GROUP_UNSET_CONTAINER / closing the group (vfio_group_detach_container): the type1 detach,
 * then iommu_group_release_dma_owner puts the group back on its default domain.
 */
export const vfio_group_detach_container = (s0: State, group: number): State => {
  const token = groupOf(s0, group).vfioContainer;
  if (token === undefined) return s0;
  let s = vfio_iommu_type1_detach_group(s0, token, group);
  s = iommu_group_release_dma_owner(s, group);
  return setGroup(s, { ...groupOf(s, group), vfioContainer: undefined });
};
