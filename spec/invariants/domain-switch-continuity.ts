import { groupOf } from '../../model/platform/edit.ts';
import type { Irq } from '../../model/platform/state.ts';
import { checkDelivery } from './msi-delivery.ts';
import type { Invariant } from './types.ts';

export const domainSwitchContinuity: Invariant = {
  id: 'domain-switch-continuity',
  title: 'MSIs survive a domain replace',
  statement:
    "After a group's domain is replaced (iommufd_device_replace), every MSI of its devices that arrived before the switch still arrives, without reprogramming the device.",
  rationale:
    "iommufd installs the group's MSI pages into the new domain before the switch, at the same per-fd IOVA (iommufd_group_setup_msi); designs whose MSI IOVAs are per domain lose their MSIs here.",
  sources: [
    'drivers/iommu/iommufd/device.c iommufd_group_setup_msi (docs/linux-policy.md#iommufd)',
    'iommufd: Implement sw_msi support natively, e13d23eeacd67c0a692fc468c85b483f4dd51c57.1740014950.git.nicolinc@nvidia.com; docs/linux-policy.md#domain-replacement',
  ],
  check: (_design, s) => {
    const last = s.last;
    if (last === undefined || last.op.op !== 'iommu_replace_domain' || !last.result.ok) return [];
    const devices = groupOf(s, last.op.group).devices;
    // Only MSIs that arrived before the switch are owed after it; the others are msi-delivery's.
    const arrivedBefore = (q: Irq): boolean =>
      checkDelivery(last.before, q, 'domain-switch-continuity') === undefined;
    return s.irqs
      .filter((q) => devices.includes(q.device) && arrivedBefore(q))
      .flatMap((q) => checkDelivery(s, q, 'domain-switch-continuity') ?? []);
  },
};
