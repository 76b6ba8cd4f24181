import { deviceOf } from './edit.ts';
import type { State } from './state.ts';

/**
 * The Arm platform's IORT ID mapping from a device's requester id to the DeviceID its MSIs carry
 * into the ITS (Arm IORT, DEN 0049, ID mappings; what iort_msi_map_id returns and
 * pci_msi_domain_get_msi_rid hands to its_pci_msi_prepare, drivers/pci/msi/irqdomain.c, Linux 7.0):
 * - `unique` (absent): DeviceID = RID;
 * - `aliased`: every device of an IOMMU group signals with one DMA alias, the RID of the group's
 *   first device (a PCIe-to-PCI bridge: pci_for_each_dma_alias, and pci_device_group puts the
 *   aliases in one group; drivers/iommu/iommu.c);
 * - `all-zero`: the DeviceID is not wired and every device signals DeviceID 0 (the case
 *   its_pci_msi_prepare allocates 32 events for, drivers/irqchip/irq-gic-its-msi-parent.c).
 * Simplification: the StreamID stays the RID in every mode (docs/hardware.md#arm-platform).
 */
export const itsDeviceId = (s: State, device: number): number => {
  const dev = deviceOf(s, device);
  const hw = s.hardware;
  const map = hw.arch === 'arm' ? (hw.deviceIds ?? 'unique') : 'unique';
  switch (map) {
    case 'unique':
      return dev.rid;
    case 'aliased':
      return (s.devices.find((d) => d.group === dev.group) ?? dev).rid;
    case 'all-zero':
      return 0;
    // Stryker disable next-line BlockStatement,ConditionalExpression: unreachable, the switch over the ID mapping is exhaustive (the type checker proves it)
    default: {
      const never: never = map;
      return never;
    }
  }
};

/** The devices whose MSIs carry DeviceID `id` (they share one ITS device and its ITT). */
export const devicesWithDeviceId = (s: State, id: number): number[] =>
  s.devices.filter((d) => itsDeviceId(s, d.index) === id).map((d) => d.index);

/**
 * The events of the ITT Linux creates for DeviceID `id` (its_pci_msi_prepare → its_msi_prepare →
 * its_create_device): a power of two covering the vectors of every device that may signal with it
 * (the alias_count bound), at least 32 for DeviceID 0 ("DevID not wired"). Simplification: at
 * least 8, the model's ITT for one device (docs/hardware.md#arm-gicv3-its), and every device's
 * vector count is known when the ITT is created.
 */
export const ittEvents = (s: State, id: number): number => {
  const vectors = devicesWithDeviceId(s, id).reduce((n, d) => n + deviceOf(s, d).vectors, 0);
  let events = id === 0 ? 32 : 8;
  while (events < vectors) events *= 2;
  return events;
};
