import { groupOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';

/**
 * msi_device_has_isolated_msi (kernel/irq/msi.c): true when an irq domain on the device's MSI path
 * sets IRQ_DOMAIN_FLAG_ISOLATED_MSI. Every device of a platform shares one MSI irq domain here, so
 * this is the design's claim: the kernel trusts it; the invariants check it through deliver().
 */
export const msi_device_has_isolated_msi = (s: State, _device: number): boolean => s.policy.isolatedMsiClaim;

/** iommu_group_has_isolated_msi (drivers/iommu/iommu.c): the AND over every device of the group. */
export const iommu_group_has_isolated_msi = (s: State, group: number): boolean =>
  groupOf(s, group).devices.every((d) => msi_device_has_isolated_msi(s, d));
