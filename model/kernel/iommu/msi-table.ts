import { deviceOf, groupOf, setDevice } from '../../platform/edit.ts';
import { imsicPage, msiFileIndex } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';

/**
 * The MSI page table a RISC-V device context gets when its group changes hands:
 * - `msi-table-all`: every host S-file (HW_MSI aperture matching DC.msi_addr_*);
 * - `msi-table-guest-files`: every host S-file while the host owns it, nothing once assigned (guest
 *   files are added by guest_program_msi: RFC v2 irqbypass patches);
 * - `msi-table-affinity`: emptied; IRQ allocation adds the affined harts (RFC v2 patch 08);
 * - any other policy: no MSI table (msiptp Off).
 */
export const resetMsiTable = (s0: State, device: number): State => {
  const dev = deviceOf(s0, device);
  const hostOwned = groupOf(s0, dev.group).owner.kind === 'host';
  const all = new Map<bigint, bigint>();
  for (let h = 0; h < s0.topology.harts; h++)
    all.set(msiFileIndex(h, 0), imsicPage(s0.topology.harts, h, 'S'));
  const table =
    s0.policy.doorbells === 'msi-table-all' || (s0.policy.doorbells === 'msi-table-guest-files' && hostOwned)
      ? all
      : new Map<bigint, bigint>();
  return setDevice(s0, { ...dev, msiTable: table });
};

/** resetMsiTable for every device of `group`: called when the group changes owner. */
export const resetMsiTables = (s: State, group: number): State =>
  groupOf(s, group).devices.reduce((acc, d) => resetMsiTable(acc, d), s);
