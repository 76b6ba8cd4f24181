import { err, type KResult, OK } from '../kernel/errno.ts';
import { iommu_map } from '../kernel/iommu/map.ts';
import { iommufd_hwpt_set_msi_window } from '../kernel/iommufd/msi-window.ts';
import { iommu_replace_domain } from '../kernel/iommufd/replace.ts';
import { irq_set_affinity } from '../kernel/irq/affinity.ts';
import { allocIrq } from '../kernel/irq/alloc.ts';
import { guest_program_msi } from '../kernel/kvm/guest-msi.ts';
import { kvm_riscv_vcpu_aia_imsic_update } from '../kernel/kvm/vcpu.ts';
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

const dispatch = (s: State, op: Op): Step => {
  switch (op.op) {
    case 'iommu_group_store_type':
      return iommu_group_store_type(s, op.group, op.domain);
    case 'vfio_group_assign':
      return vfio_group_assign(s, op);
    case 'vfio_group_release':
      return vfio_group_release(s, op.group);
    case 'iommu_map':
      return iommu_map(s, op.group, BigInt(op.iova));
    case 'msi_domain_alloc_irqs':
      return msi_domain_alloc_irqs(s, op.device);
    // The host may move any host-allocated vector, a VFIO-created one included (/proc, seed 003);
    // irqbypass vectors programmed by a guest are the guest's (irq_set_affinity refuses them).
    case 'irq_set_affinity':
      return fromAffinity(s, irq_set_affinity(s, op.device, op.vector, op.hart));
    case 'iommu_replace_domain':
      return iommu_replace_domain(s, op.group);
    case 'guest_program_msi':
      return guest_program_msi(s, op.device, op.vector, op.vcpu);
    case 'kvm_riscv_vcpu_aia_imsic_update':
      return kvm_riscv_vcpu_aia_imsic_update(s, op.vm, op.vcpu, op.hart);
    case 'vfio_set_msi_iova':
      return vfio_set_msi_iova(s, op.device, op.vector, BigInt(op.iova));
    case 'iommufd_hwpt_set_msi_window':
      return iommufd_hwpt_set_msi_window(s, op.group, BigInt(op.iova));
    default: {
      const never: never = op;
      throw new Error(`model inconsistency: unknown op ${JSON.stringify(never)}`);
    }
  }
};

/**
 * The kernel layer's one transition for a scenario op: apply `op` to `s`. Pure and total over ops
 * whose indices fit the topology (ScenarioSchema checks that): a refusal is a result with Linux's
 * errno, never an exception. The scenario ops are macros over the kernel entry points
 * (model/kernel/ops.ts runs those one by one). The op and its result are recorded in `last`;
 * affinity-atomic's record and the kernel events are per step.
 */
export const step = (s0: State, op: Op): { state: State; result: KResult } => {
  const s: State = { ...s0, atomicMappings: [], events: [] };
  const r = dispatch(s, op);
  const { last: _dropped, ...before } = s0;
  return { state: { ...r.state, last: { op, result: r.result, before } }, result: r.result };
};
