import { match } from 'ts-pattern';
import { err, type KResult, OK } from '../kernel/errno.ts';
import { iommu_map } from '../kernel/iommu/map.ts';
import { iommu_replace_domain } from '../kernel/iommufd/replace.ts';
import { irq_set_affinity } from '../kernel/irq/affinity.ts';
import { allocIrq } from '../kernel/irq/alloc.ts';
import { guest_program_msi } from '../kernel/kvm/guest-msi.ts';
import {
  iommu_group_store_type,
  type Step,
  vfio_group_assign,
  vfio_group_release,
} from '../kernel/vfio/assign.ts';
import { vfio_set_msi_iova } from '../kernel/vfio/msi-iova.ts';
import { deviceOf } from './edit.ts';
import type { Op } from './scenario.ts';
import type { State } from './state.ts';

/**
 * msi_domain_alloc_irqs for the next unallocated vector of `device`, on hart 0. A host group's
 * driver, a VFIO userspace driver (VFIO_DEVICE_SET_IRQS) or the VMM for a VM asks; the owner of
 * the new IRQ is the group's owner.
 */
const msi_domain_alloc_irqs = (s: State, device: number): Step => {
  const dev = deviceOf(s, device);
  const used = new Set(s.irqs.filter((q) => q.device === device).map((q) => q.vector));
  let vector = 0;
  while (used.has(vector)) vector++;
  if (vector >= dev.vectors) return { state: s, result: err('ENOSPC') };
  const r = allocIrq(s, device, vector, 0);
  return r.ok
    ? { state: r.state, result: { ok: true, value: r.irq.irq } }
    : { state: s, result: err(r.errno) };
};

const fromAffinity = (s: State, r: ReturnType<typeof irq_set_affinity>): Step =>
  r.ok ? { state: r.state, result: OK } : { state: s, result: err(r.errno) };

/**
 * The kernel layer's one transition for a scenario op: apply `op` to `s`. Pure and total over ops
 * whose indices fit the topology (ScenarioSchema checks that): a refusal is a result with Linux's
 * errno, never an exception. The scenario ops are macros over the kernel entry points
 * (model/kernel/ops.ts runs those one by one). The op and its result are recorded in `last`;
 * affinity-atomic's record and the kernel events are per step.
 */
export const step = (s0: State, op: Op): { state: State; result: KResult } => {
  const s: State = { ...s0, atomicMappings: [], events: [] };
  const r = match(op)
    .with({ op: 'iommu_group_store_type' }, (o) => iommu_group_store_type(s, o.group, o.domain))
    .with({ op: 'vfio_group_assign' }, (o) => vfio_group_assign(s, o))
    .with({ op: 'vfio_group_release' }, (o) => vfio_group_release(s, o.group))
    .with({ op: 'iommu_map' }, (o) => iommu_map(s, o.group, BigInt(o.iova)))
    .with({ op: 'msi_domain_alloc_irqs' }, (o) => msi_domain_alloc_irqs(s, o.device))
    // The host may move any host-allocated vector, a VFIO-created one included (/proc, seed 003);
    // irqbypass vectors programmed by a guest are the guest's (irq_set_affinity refuses them).
    .with({ op: 'irq_set_affinity' }, (o) => fromAffinity(s, irq_set_affinity(s, o.device, o.vector, o.hart)))
    .with({ op: 'iommu_replace_domain' }, (o) => iommu_replace_domain(s, o.group))
    .with({ op: 'guest_program_msi' }, (o) => guest_program_msi(s, o.device, o.vector, o.vcpu))
    .with({ op: 'vfio_set_msi_iova' }, (o) => vfio_set_msi_iova(s, o.device, o.vector, BigInt(o.iova)))
    .exhaustive();
  const { last: _dropped, ...before } = s0;
  return { state: { ...r.state, last: { op, result: r.result, before } }, result: r.result };
};
