import { hex } from '../../model/types/addr.ts';
import type { Invariant } from './types.ts';

export const affinityAtomic: Invariant = {
  id: 'affinity-atomic',
  title: 'irq_set_affinity creates no IOMMU page-table mapping',
  statement:
    'irq_set_affinity never needs a new IOMMU page-table mapping: every page an IRQ may target through affinity changes was mapped when the IRQ was prepared. Rewriting an entry of a preallocated table (an MSI PTE, an IRTE) is allowed.',
  rationale:
    'irq_set_affinity runs in atomic context; IOMMU mappings cannot be allocated there. Where the MSI address encodes the target CPU (RISC-V IMSIC, x86 compatibility format) every possible target must be reachable beforehand.',
  sources: [
    'seed 002: "we can\'t create/alloc them at irq-set-affinity time which runs in atomic context" (Andrew Jones, quoted in the 2026-05-12 reply; thread of 20260508212339.381933-2-andrew.jones@oss.qualcomm.com)',
    'drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_set_affinity (Linux 7.0): a new vector on the new hart, address and data rewritten; docs/linux-policy.md#affinity',
  ],
  check: (_design, s) =>
    s.atomicMappings.map((m) => ({
      invariant: 'affinity-atomic',
      witness: { kind: 'atomic-mapping', irq: m.irq, page: hex(m.page << 12n) },
    })),
};
