import { expectedKey } from '../../model/platform/attribution.ts';
import { structuralMemo } from '../../model/platform/memo.ts';
import type { Irq, State } from '../../model/platform/state.ts';
import { hex } from '../../model/types/addr.ts';
import { jsonOutcome } from './json.ts';
import type { Invariant, InvariantId, Violation } from './types.ts';
import { deliverCached } from './write-space.ts';

/** Delivers IRQ `q`'s programmed message from its device; a violation if it does not land on `q`. */
export const checkDelivery = (s: State, q: Irq, invariant: InvariantId): Violation | undefined => {
  const r = deliverCached(s, q.device, q.msg.addr, q.msg.data);
  if (r.attribution?.kind === 'irq' && r.attribution.irq.irq === q.irq) return undefined;
  return {
    invariant,
    witness: {
      kind: 'delivery',
      irq: q.irq,
      device: q.device,
      bdf: s.devices[q.device]?.bdf ?? '?',
      msg: { addr: hex(q.msg.addr), data: q.msg.data },
      expected: expectedKey(s, q),
      outcome: jsonOutcome(r.outcome),
    },
  };
};

const judge = structuralMemo((s: State): Violation[] =>
  s.irqs.flatMap((q) => checkDelivery(s, q, 'msi-delivery') ?? []),
);

export const msiDelivery: Invariant = {
  id: 'msi-delivery',
  title: 'Every programmed MSI arrives',
  statement:
    'Every MSI message the kernel programmed — for a host driver, a VFIO userspace driver or a guest — when written by its device reaches the IRQ it was allocated for, on its current affinity target, in every reachable state.',
  rationale:
    "An MSI that faults in the IOMMU, is dropped, or lands in someone else's interrupt is a lost or misdirected interrupt. Every design has to make the doorbell reachable through whatever translation the device is behind: a window the IOMMU decodes, a mapping the kernel creates, or one the VMM provides to a guest.",
  sources: [
    'drivers/iommu/riscv/iommu.c riscv_iommu_ops, no get_resv_regions (Linux 7.0): with a paging domain, IMSIC writes fault',
    'docs/linux-policy.md#arm-nesting, docs/linux-policy.md#affinity',
    'seed 002: DIRECT_RELAXABLE IMSIC maps leave VFIO without interrupts (Jason Gunthorpe, 2026-05-12; thread of 20260508212339.381933-2-andrew.jones@oss.qualcomm.com)',
  ],
  // A function of the state's structure alone: memoised, so a refused op costs nothing here.
  check: (_design, s) => judge(s),
};
