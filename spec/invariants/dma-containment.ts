import { domainOf } from '../../model/platform/edit.ts';
import { structuralMemo } from '../../model/platform/memo.ts';
import { ownerKey, type State } from '../../model/platform/state.ts';
import { hex } from '../../model/types/addr.ts';
import { jsonOutcome } from './json.ts';
import type { Invariant, Violation } from './types.ts';
import { assignedGroups } from './witness.ts';
import { probeWrites } from './write-space.ts';

/** Where the kernel's page tables send IOVA page `page` for a device on domain `id` (NESTED: S1 then S2). */
const expectedPpn = (s: State, id: number, page: bigint): bigint | undefined => {
  const d = domainOf(s, id);
  const first = d.pages.get(page)?.ppn;
  if (d.parent === undefined || first === undefined) return first;
  return domainOf(s, d.parent).pages.get(first)?.ppn;
};

const judge = structuralMemo((s: State): Violation[] => {
  const out: Violation[] = [];
  for (const g of assignedGroups(s)) {
    for (const device of g.devices) {
      for (const { addr, outcome } of probeWrites(s, device)) {
        if (outcome.kind !== 'memory') continue;
        const want = expectedPpn(s, g.domain, addr >> 12n);
        if (want !== undefined && want === outcome.pa >> 12n) continue;
        out.push({
          invariant: 'dma-containment',
          witness: {
            kind: 'write',
            device,
            bdf: s.devices[device]?.bdf ?? '?',
            addr: hex(addr),
            data: 0,
            outcome: jsonOutcome(outcome),
            reached: {
              owner: 'memory',
              what: want === undefined ? 'unmapped-iova' : `page ${hex(want)} expected`,
            },
            allowed: ownerKey(g.owner),
          },
        });
        break;
      }
    }
  }
  return out;
});

export const dmaContainment: Invariant = {
  id: 'dma-containment',
  title: 'Outside the MSI aperture, DMA reaches only mapped memory',
  statement:
    'A write by a device of an assigned group that is not an interrupt request reaches memory only at the physical page its current domain maps that IOVA to; an unmapped IOVA faults.',
  rationale:
    'The MSI aperture (IOMMU_RESV_MSI, the SW_MSI window, the MSI page table) is the only place where the IOMMU is allowed to do something other than translate through the domain; everything else is ordinary DMA remapping.',
  sources: ['include/linux/iommu.h enum iommu_resv_type', 'docs/hardware.md#where-the-msi-aperture-is'],
  // A function of the state's structure alone: memoised, so a refused op costs nothing here.
  check: (_design, s) => judge(s),
};
