import { groupOf } from '../../platform/edit.ts';
import { ownerKey, type State } from '../../platform/state.ts';
import { err, OK } from '../errno.ts';
import { attachGroup } from '../iommu/attach.ts';
import { allocDomain } from '../iommu/domain.ts';
import { ownerDomains } from '../iommu/map.ts';
import { groupResv, type Step, unmanagedCookie } from '../vfio/assign.ts';
import { iommufdGroupSetupMsi } from './sw-msi.ts';

/**
 * iommufd_device_replace: attach the group to a new hwpt of the same IOAS. The IOAS's user mappings
 * are filled in, and iommufd_group_setup_msi installs the group's MSI pages before the switch. VFIO
 * type1 has no replace (-EOPNOTSUPP); a host group is not iommufd's (-EINVAL).
 */
export const iommu_replace_domain = (s0: State, group: number): Step => {
  const g = groupOf(s0, group);
  if (g.owner.kind === 'host') return { state: s0, result: err('EINVAL') };
  if (g.owner.backend !== 'iommufd') return { state: s0, result: err('EOPNOTSUPP') };
  const key = ownerKey(g.owner);
  const from = ownerDomains(s0, key)[0];
  const [s1, id] = allocDomain(
    s0,
    'UNMANAGED',
    key,
    unmanagedCookie(s0, 'iommufd', key, groupResv(s0, group)),
  );
  const user = new Map([...(from?.pages ?? new Map())].filter(([, m]) => m.origin === 'user'));
  let s: State = { ...s1, domains: s1.domains.map((d) => (d.id === id ? { ...d, pages: user } : d)) };
  const first = g.devices[0];
  if (first !== undefined) s = iommufdGroupSetupMsi(s, key, first, id);
  const current = s.domains[g.domain];
  // A nested group keeps its S1 and moves to the new parent S2.
  if (current?.type === 'NESTED') {
    s = { ...s, domains: s.domains.map((d) => (d.id === current.id ? { ...d, parent: id } : d)) };
    return { state: s, result: OK };
  }
  return { state: attachGroup(s, group, id), result: OK };
};
