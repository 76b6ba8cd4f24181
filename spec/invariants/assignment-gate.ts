import { iommu_group_has_isolated_msi } from '../../model/kernel/irq/isolated.ts';
import { groupOf } from '../../model/platform/edit.ts';
import type { Invariant } from './types.ts';

export const assignmentGate: Invariant = {
  id: 'assignment-gate',
  title: 'Assignment needs isolated MSI or the unsafe opt-in',
  statement:
    'A VFIO type1 attach or iommufd bind of a group succeeds only if every device of the group has isolated MSI or allow_unsafe_interrupts is set, and when it is refused with -EPERM neither holds.',
  rationale:
    "The gate is the AND over the group's devices (iommu_group_has_isolated_msi); checking only one device, or checking at another time than attach, lets a non-isolated device in.",
  sources: [
    'drivers/vfio/vfio_iommu_type1.c vfio_iommu_type1_attach_group (docs/linux-policy.md#vfio-type1)',
    'drivers/iommu/iommufd/device.c iommufd_device_bind (docs/linux-policy.md#iommufd)',
    'drivers/iommu/iommu.c iommu_group_has_isolated_msi (Linux 7.0): the AND over every device of the group',
  ],
  check: (_design, s) => {
    const last = s.last;
    if (last === undefined || last.op.op !== 'vfio_group_assign') return [];
    const isolated = iommu_group_has_isolated_msi(s, last.op.group);
    const allowed = isolated || last.op.unsafe;
    // -EPERM is also iommu_device_claim_dma_owner's answer for a group another owner holds.
    const heldByOther = groupOf(s, last.op.group).owner.kind !== 'host';
    const refusedForIsolation = !last.result.ok && last.result.errno === 'EPERM' && !heldByOther;
    const wrong = (last.result.ok && !allowed) || (refusedForIsolation && allowed);
    if (!wrong) return [];
    const result = last.result.ok ? 'ok' : `-${last.result.errno}`;
    return [
      {
        invariant: 'assignment-gate',
        witness: { kind: 'gate', group: last.op.group, isolated, unsafe: last.op.unsafe, result },
      },
    ];
  },
};
