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

/**
 * An in-flight message (Irq.inflight: the old and the temporary message of the IRQ's last move,
 * drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_set_affinity) is deliverable when the write
 * still reaches an interrupt file: __imsic_local_sync moves what is pending at the old identities
 * to the new one. A fault or drop is the lost MSI of a move.
 */
const checkInflight = (s: State, q: Irq): Violation[] =>
  (q.inflight ?? []).flatMap((msg): Violation[] => {
    const r = deliverCached(s, q.device, msg.addr, msg.data);
    if (r.outcome.kind === 'interrupt') return [];
    return [
      {
        invariant: 'msi-delivery',
        witness: {
          kind: 'delivery',
          irq: q.irq,
          device: q.device,
          bdf: s.devices[q.device]?.bdf ?? '?',
          msg: { addr: hex(msg.addr), data: msg.data },
          expected: expectedKey(s, q),
          outcome: jsonOutcome(r.outcome),
          inflight: true,
        },
      },
    ];
  });

const judge = structuralMemo((s: State): Violation[] =>
  s.irqs.flatMap((q) => {
    const v = checkDelivery(s, q, 'msi-delivery');
    return v === undefined ? checkInflight(s, q) : [v, ...checkInflight(s, q)];
  }),
);

export const msiDelivery: Invariant = {
  id: 'msi-delivery',
  title: 'Every programmed MSI arrives',
  statement:
    'Every MSI message the kernel programmed — for a host driver, a VFIO userspace driver or a guest — when written by its device reaches the IRQ it was allocated for, on its current affinity target, in every reachable state; a message the IRQ was programmed with during its last affinity move (still in flight) reaches an interrupt file rather than faulting.',
  rationale:
    "An MSI that faults in the IOMMU, is dropped, or lands in someone else's interrupt is a lost or misdirected interrupt. Every design has to make the doorbell reachable through whatever translation the device is behind: a window the IOMMU decodes, a mapping the kernel creates, or one the VMM provides to a guest.",
  sources: [
    'drivers/iommu/riscv/iommu.c riscv_iommu_ops, no get_resv_regions (Linux 7.0): with a paging domain, IMSIC writes fault',
    'docs/linux-policy.md#arm-nesting, docs/linux-policy.md#affinity',
    'drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_set_affinity (Linux 7.0): the temporary message, the old address with the new data, is written before the new one',
    'seed 002: DIRECT_RELAXABLE IMSIC maps leave VFIO without interrupts (Jason Gunthorpe, 2026-05-12; thread of 20260508212339.381933-2-andrew.jones@oss.qualcomm.com)',
  ],
  // A function of the state's structure alone: memoised, so a refused op costs nothing here.
  check: (_design, s) => judge(s),
};
