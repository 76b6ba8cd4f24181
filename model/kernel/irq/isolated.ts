import { deviceOf, groupOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';

/**
 * msi_device_has_isolated_msi (kernel/irq/msi.c): true when an irq domain on the device's MSI path
 * sets IRQ_DOMAIN_FLAG_ISOLATED_MSI. A design's devices all share its one MSI irq domain, so there
 * it is the design's claim (the kernel trusts it; the invariants check it through deliver()); a
 * conformance case sets it per device.
 */
export const msi_device_has_isolated_msi = (s: State, device: number): boolean =>
  deviceOf(s, device).msiIsolated;

/** iommu_group_has_isolated_msi (drivers/iommu/iommu.c): the AND over every device of the group. */
export const iommu_group_has_isolated_msi = (s: State, group: number): boolean =>
  groupOf(s, group).devices.every((d) => msi_device_has_isolated_msi(s, d));
