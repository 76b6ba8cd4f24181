import { structuralMemo } from '../../model/platform/memo.ts';
import type { State } from '../../model/platform/state.ts';
import { ownerKey } from '../../model/platform/state.ts';
import type { Invariant, Violation } from './types.ts';
import { assignedGroups, writeWitness } from './witness.ts';
import { reachableInterrupts } from './write-space.ts';

const judge = structuralMemo((s: State): Violation[] => {
  const out: Violation[] = [];
  for (const g of assignedGroups(s)) {
    if (g.owner.kind !== 'vm') continue;
    for (const d of g.devices) {
      const hit = reachableInterrupts(s, d).find((h) => h.attribution.owner !== ownerKey(g.owner));
      if (hit !== undefined)
        out.push({ invariant: 'guest-containment', witness: writeWitness(s, g, d, hit) });
    }
  }
  return out;
});

export const guestContainment: Invariant = {
  id: 'guest-containment',
  title: "A VM's devices interrupt only that VM",
  statement:
    "A device assigned to a VM raises interrupts only in that VM's interrupt files and vectors: never the host's, never another VM's, never a userspace driver's — whatever it writes, and whether or not the assignment needed allow_unsafe_interrupts.",
  rationale:
    "This is what a VM host needs in fact. msi-isolation checks the kernel's promise where it makes one; this checks the outcome for every VM, so a design that only works by turning the safety check off shows what that costs.",
  sources: [
    'Wojtczuk and Rutkowska, Following the White Rabbit: Software attacks against Intel VT-d (Invisible Things Lab, 2011); docs/linux-policy.md#msi-injection-without-remapping',
    'kernel/irq/msi.c msi_device_has_isolated_msi() kdoc: VM → hypervisor, VM → other VM',
    'seed 002: guest devices must not reach host IMSICs (Andrew Jones, quoted in the 2026-05-12 reply; thread of 20260508212339.381933-2-andrew.jones@oss.qualcomm.com)',
  ],
  // A function of the state's structure alone: memoised, so a refused op costs nothing here.
  check: (_design, s) => judge(s),
};
