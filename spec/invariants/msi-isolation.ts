import { iommu_group_has_isolated_msi } from '../../model/kernel/irq/isolated.ts';
import { structuralMemo } from '../../model/platform/memo.ts';
import type { State } from '../../model/platform/state.ts';
import { ownerKey } from '../../model/platform/state.ts';
import type { Invariant, Violation } from './types.ts';
import { assignedGroups, writeWitness } from './witness.ts';
import { reachableInterrupts } from './write-space.ts';

const judge = structuralMemo((s: State): Violation[] => {
  const out: Violation[] = [];
  for (const g of assignedGroups(s)) {
    if (!iommu_group_has_isolated_msi(s, g.id)) continue;
    for (const d of g.devices) {
      const hit = reachableInterrupts(s, d).find((h) => h.attribution.owner !== ownerKey(g.owner));
      if (hit !== undefined) out.push({ invariant: 'msi-isolation', witness: writeWitness(s, g, d, hit) });
    }
  }
  return out;
});

export const msiIsolation: Invariant = {
  id: 'msi-isolation',
  title: 'Isolated MSI is true of the hardware',
  statement:
    "In a group the kernel judges isolated (iommu_group_has_isolated_msi() is true) and has handed to a VFIO or iommufd owner, no write of any address and any data by any device of the group raises an interrupt owned outside that owner: not a host IRQ, IPI or unallocated host vector, and not another owner's IRQ.",
  rationale:
    'IRQ_DOMAIN_FLAG_ISOLATED_MSI promises that hardware on the path validates, per requester, that an MSI names an interrupt the device is authorised to trigger (an ITS ITT, an IRTE whose source id is checked, a per-device remap table); VFIO and iommufd skip allow_unsafe_interrupts on that promise. Restricting which CPUs, harts or interrupt files a device can reach is not that validation. "Outside" is judged per owner, the security domain VFIO protects.',
  sources: [
    'kernel/irq/msi.c msi_device_has_isolated_msi() kdoc (docs/linux-policy.md#isolated-msi)',
    'seed 000: "IRQ_DOMAIN_FLAG_ISOLATED_MSI has nothing to do with HARTs" (Jason Gunthorpe, 2025-09-22, 20250922235651.GG1391379@nvidia.com)',
    'Jason Gunthorpe, 2025-09-23, 20250923140646.GM1391379@nvidia.com (seed 000 thread): isolation needs “a per-RID/BDF table lookup based on the incoming MSI addr/data”; docs/invariants.md#isolation-is-per-requester-not-per-hart',
  ],
  // A function of the state's structure alone: memoised, so a refused op costs nothing here.
  check: (_design, s) => judge(s),
};
