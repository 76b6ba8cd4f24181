import { groupOf } from '../../platform/edit.ts';
import { ownerKey, type State } from '../../platform/state.ts';
import { err, OK } from '../errno.ts';
import { iommufd_ioas_map } from '../iommufd/ioas.ts';
import { ownerIoas, type Step } from '../vfio/assign.ts';
import { vfio_dma_do_map } from '../vfio/type1.ts';

/**
 * The owner of `group` maps one page of its memory at `iova` in the address space the group is in:
 * VFIO_IOMMU_MAP_DMA on its type1 container (vfio_dma_do_map) or IOMMU_IOAS_MAP with
 * IOMMU_IOAS_MAP_FIXED_IOVA on its IOAS (iopt_check_iova: -EINVAL on a reserved range, -EEXIST on
 * an area). A host group has no such owner (-EPERM).
 */
export const iommu_map = (s0: State, group: number, iova: bigint): Step => {
  const g = groupOf(s0, group);
  if (g.owner.kind === 'host') return { state: s0, result: err('EPERM') };
  if (g.vfioContainer !== undefined) {
    const r = vfio_dma_do_map(s0, g.vfioContainer, iova, 0x1000n);
    return r.ok ? { state: r.state, result: OK } : { state: s0, result: err(r.errno) };
  }
  const [s1, ioas] = ownerIoas(s0, ownerKey(g.owner));
  const r = iommufd_ioas_map(s1, ioas, iova, 0x1000n);
  return r.ok ? { state: r.state, result: OK } : { state: s0, result: err(r.errno) };
};
