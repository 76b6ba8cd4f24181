import { domainOf, groupOf, setDomain } from '../../platform/edit.ts';
import { ownerKey, type State } from '../../platform/state.ts';
import { err, OK, type Res } from '../errno.ts';
import { afterAttach } from '../iommu/attach.ts';
import { destroyUnused, ownerIoas, type Step } from '../vfio/assign.ts';
import { attachedHwpt, iommufd_device_replace } from './device.ts';
import { hwptOf, iommufd_hwpt_alloc, iommufd_hwpt_alloc_nested } from './hwpt.ts';

/**
 * iommufd: the VMM moves the group to a new hwpt of the same IOAS — IOMMU_HWPT_ALLOC, then
 * iommufd_device_replace, which switches the whole group; a nested group gets a new NEST_PARENT
 * hwpt and a new nested hwpt over it with the same stage-1 table. The hwpts left unused are
 * destroyed. VFIO type1 has no replace (-EOPNOTSUPP); a host group is not iommufd's (-EINVAL).
 */
export const iommu_replace_domain = (s0: State, group: number): Step => {
  const g = groupOf(s0, group);
  if (g.owner.kind === 'host') return { state: s0, result: err('EINVAL') };
  if (g.owner.backend !== 'iommufd') return { state: s0, result: err('EOPNOTSUPP') };
  const key = ownerKey(g.owner);
  const first = g.devices[0];
  // Stryker disable next-line ConditionalExpression: every group has a device (TopologySchema numbers groups without gaps)
  const current = first === undefined ? undefined : attachedHwpt(s0, first);
  if (first === undefined || current === undefined) return { state: s0, result: err('EINVAL') };
  const [s1, ioas] = ownerIoas(s0, key);
  let target: Res<number>;
  if (hwptOf(s1, current).kind === 'nested') {
    const parent = iommufd_hwpt_alloc(s1, first, ioas, new Set(['NEST_PARENT']));
    if (!parent.ok) return { state: s0, result: err(parent.errno) };
    target = iommufd_hwpt_alloc_nested(parent.state, first, parent.value);
    // Stryker disable next-line ConditionalExpression: a nested hwpt over the NEST_PARENT hwpt just allocated for the same device cannot fail (iommufd_hwpt_nested_alloc checks pass by construction)
    if (target.ok) {
      const { pages, msiPages } = domainOf(s1, current);
      target = {
        ...target,
        state: setDomain(target.state, { ...domainOf(target.state, target.value), pages, msiPages }),
      };
    }
  } else target = iommufd_hwpt_alloc(s1, first, ioas, new Set());
  if (!target.ok) return { state: s0, result: err(target.errno) };
  const r = iommufd_device_replace(target.state, first, { hwpt: target.value });
  if (!r.ok) return { state: s0, result: err(r.errno) };
  return { state: afterAttach(destroyUnused(r.state, key), group), result: OK };
};
