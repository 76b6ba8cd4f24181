import { domainOf, groupOf, setDomain } from '../../platform/edit.ts';
import { imsicPage, msiFileIndex } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import { hasIrDomainPtes } from '../policy.ts';

/**
 * The RISC-V MSI page table of an iommu_domain (RFC v2 patch 08 keeps it in
 * riscv_iommu_domain.msi_root, 20250920203851.2205115-28-ajones@ventanamicro.com; seed 000:
 * "Don't touch the iommu_domain from the interrupt driver"). The table a new domain starts with:
 * - `msi-table-all`, `msi-table-userspace-window`: every host S-file (HW_MSI aperture matching
 *   DC.msi_addr_*; the latter until the VMM supplies a window: model/kernel/iommufd/msi-window.ts);
 * - `msi-table-guest-files`: every host S-file in a host domain, nothing in an owner's domain (guest
 *   files are added by guest_program_msi: RFC v2 irqbypass patches);
 * - `msi-table-affinity`, `msi-table-irqbypass-rfc-v2`: empty; IRQ allocation maps the affined
 *   harts (RFC v2 patch 08);
 * - any other policy: no MSI table (msiptp Off).
 */
export const initialMsiTable = (s: State, owner: string): ReadonlyMap<bigint, bigint> => {
  const all = new Map<bigint, bigint>();
  const p = s.policy.doorbells;
  if (
    p === 'msi-table-all' ||
    p === 'msi-table-userspace-window' ||
    (p === 'msi-table-guest-files' && owner === 'host')
  )
    for (let h = 0; h < s.topology.harts; h++)
      all.set(msiFileIndex(h, 0), imsicPage(s.topology.harts, h, 'S'));
  return all;
};

/** The domain a device is attached to now (its group's domain): where a new IRQ's MSI PTE goes. */
export const currentDomainOf = (s: State, device: number): number =>
  groupOf(s, s.devices[device]?.group ?? 0).domain;

/**
 * RFC v2 patch 08: map hart `hart`'s S-file in domain `domainId`'s MSI table. A table in the guest
 * layout (Domain.msiGuestLayout) is left alone, here and in unmapMsiPte. Simplification: what RFC v2
 * does with a host vector allocated after the switch is not known to the project; the model writes no
 * PTE for it, so its MSI faults.
 */
export const mapMsiPte = (s: State, domainId: number, hart: number): State => {
  const d = domainOf(s, domainId);
  const index = msiFileIndex(hart, 0);
  const page = imsicPage(s.topology.harts, hart, 'S');
  if (d.msiGuestLayout === true || d.msiTable.get(index) === page) return s;
  return setDomain(s, { ...d, msiTable: new Map(d.msiTable).set(index, page) });
};

/**
 * RFC v2 patch 08: unmap hart `hart`'s S-file from domain `domainId`'s MSI table once no host IRQ
 * of that domain's IR irq domain targets the hart (one PTE per hart, refcounted by its IRQs).
 */
export const unmapMsiPte = (s: State, domainId: number, hart: number): State => {
  if (!hasIrDomainPtes(s.policy.doorbells)) return s;
  if (s.irqs.some((q) => q.via === 'host' && q.domain === domainId && q.hart === hart)) return s;
  const d = s.domains[domainId];
  const index = msiFileIndex(hart, 0);
  if (d === undefined || d.msiGuestLayout === true || !d.msiTable.has(index)) return s;
  const table = new Map(d.msiTable);
  table.delete(index);
  return setDomain(s, { ...d, msiTable: table });
};

/**
 * msi_domain_free_irqs through the IR irq domain: every IRQ of `before` that `after` no longer has
 * drops its MSI PTE from the domain that allocated it (RFC v2 patch 08).
 */
export const releaseFreedMsiPtes = (before: State, after: State): State => {
  const kept = new Set(after.irqs.map((q) => q.irq));
  let s = after;
  for (const q of before.irqs)
    if (!kept.has(q.irq) && q.domain !== undefined) s = unmapMsiPte(s, q.domain, q.hart);
  return s;
};
