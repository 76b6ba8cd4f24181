import { describe, expect, it } from 'vitest';
import { err, OK } from '../kernel/errno.ts';
import { iommu_map } from '../kernel/iommu/map.ts';
import { iommu_replace_domain } from '../kernel/iommufd/replace.ts';
import { irq_set_affinity } from '../kernel/irq/affinity.ts';
import { guest_program_msi } from '../kernel/kvm/guest-msi.ts';
import { kvm_riscv_vcpu_aia_imsic_update } from '../kernel/kvm/vcpu.ts';
import { alloc, armIts, assign, riscv, setup, topo, x86 } from '../kernel/testing.ts';
import { iommu_group_store_type, vfio_group_assign, vfio_group_release } from '../kernel/vfio/assign.ts';
import { vfio_set_msi_iova } from '../kernel/vfio/msi-iova.ts';
import { build } from './build.ts';
import type { Op } from './scenario.ts';
import type { State } from './state.ts';
import { step } from './step.ts';

/**
 * step: each scenario op is the kernel entry point it is named after (docs/architecture.md#the-scenario),
 * applied with the per-step records (events, atomic mappings) reset and the op recorded in `last`.
 */
const fresh = (s: State): State => ({ ...s, atomicMappings: [], events: [] });
const withLast = (s0: State, op: Op, r: { state: State; result: unknown }) => {
  const { last: _l, ...before } = s0;
  return { state: { ...r.state, last: { op, result: r.result, before } }, result: r.result };
};

describe('step dispatches each op to its kernel entry point', () => {
  // Built inside each test, so the build is attributed to it (properties/lazy.ts).
  const its = () => build(armIts(), topo([{}, {}], { vms: 1 }));
  const imsic = () => build(riscv('msi-table-affinity'), topo([{}], { vms: 1 }));
  const cases: [string, () => State, Op, (s: State) => { state: State; result: unknown }][] = [
    [
      'iommu_group_store_type',
      its,
      { op: 'iommu_group_store_type', group: 0, domain: 'dma' },
      (s) => iommu_group_store_type(s, 0, 'dma'),
    ],
    [
      'vfio_group_assign',
      its,
      assign(1, 'iommufd'),
      (s) => vfio_group_assign(s, assign(1, 'iommufd') as never),
    ],
    ['vfio_group_release', its, { op: 'vfio_group_release', group: 1 }, (s) => vfio_group_release(s, 1)],
    ['iommu_map', its, { op: 'iommu_map', group: 0, iova: '0x10000' }, (s) => iommu_map(s, 0, 0x10000n)],
    [
      'irq_set_affinity',
      its,
      { op: 'irq_set_affinity', device: 0, vector: 0, hart: 1 },
      (s) => {
        const r = irq_set_affinity(s, 0, 0, 1);
        return r.ok ? { state: r.state, result: OK } : { state: s, result: err(r.errno) };
      },
    ],
    [
      'iommu_replace_domain',
      its,
      { op: 'iommu_replace_domain', group: 0 },
      (s) => iommu_replace_domain(s, 0),
    ],
    [
      'guest_program_msi',
      its,
      { op: 'guest_program_msi', device: 1, vector: 0, vcpu: 1 },
      (s) => guest_program_msi(s, 1, 0, 1),
    ],
    [
      'kvm_riscv_vcpu_aia_imsic_update',
      imsic,
      { op: 'kvm_riscv_vcpu_aia_imsic_update', vm: 0, vcpu: 0, hart: 1 },
      (s) => kvm_riscv_vcpu_aia_imsic_update(s, 0, 0, 1),
    ],
    [
      'vfio_set_msi_iova',
      its,
      { op: 'vfio_set_msi_iova', device: 0, vector: 0, iova: '0x8000000' },
      (s) => vfio_set_msi_iova(s, 0, 0, 0x8000000n),
    ],
  ];
  for (const [name, built, op, direct] of cases)
    it(`${name}: the same state and result as calling it, plus last`, () => {
      const s = built();
      expect(step(s, op)).toEqual(withLast(s, op, direct(fresh(s))));
    });

  it('irq_set_affinity of an allocated vector moves it; a refusal keeps the state (kernel/irq/manage.c irq_set_affinity)', () => {
    const s = setup(x86('vtd'), topo([{}]), [alloc(0)]);
    const moved = step(s, { op: 'irq_set_affinity', device: 0, vector: 0, hart: 1 });
    expect(moved.result).toEqual(OK);
    expect(moved.state.irqs.map((q) => q.hart)).toEqual([1]);
    const refused = step(s, { op: 'irq_set_affinity', device: 0, vector: 1, hart: 1 });
    expect(refused.result).toEqual(err('EINVAL'));
    expect(refused.state).toEqual(
      withLast(s, refused.state.last?.op as Op, { state: fresh(s), result: err('EINVAL') }).state,
    );
  });
});

describe('msi_domain_alloc_irqs (kernel/irq/msi.c): the next unallocated vector of the device', () => {
  const d = x86('vtd');
  const t = topo([{ vectors: 2 }, { vectors: 1 }]);

  it('takes vectors 0, 1, then refuses with ENOSPC leaving the state as it was', () => {
    const s0 = build(d, t);
    const a = step(s0, alloc(0));
    expect(a.result).toEqual({ ok: true, value: s0.nextIrq });
    expect(a.state.irqs.map((q) => [q.device, q.vector, q.hart, q.irq])).toEqual([[0, 0, 0, s0.nextIrq]]);
    const b = step(a.state, alloc(0));
    expect(b.result).toEqual({ ok: true, value: s0.nextIrq + 1 });
    expect(b.state.irqs.map((q) => [q.device, q.vector])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    const c = step(b.state, alloc(0));
    expect(c.result).toEqual(err('ENOSPC'));
    expect(c.state.irqs).toBe(b.state.irqs);
    expect(c.state.nextIrq).toBe(b.state.nextIrq);
    // Another device's vectors are its own.
    const e = step(b.state, alloc(1));
    expect(e.state.irqs.map((q) => [q.device, q.vector])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
  });

  it('fills the lowest free vector, below an allocated one', () => {
    const s = setup(d, t, [alloc(0), alloc(0)]);
    const gap = { ...s, irqs: s.irqs.filter((q) => q.vector !== 0) };
    const r = step(gap, alloc(0));
    expect(r.result).toEqual({ ok: true, value: s.nextIrq });
    expect(r.state.irqs.map((q) => [q.device, q.vector])).toEqual([
      [0, 1],
      [0, 0],
    ]);
  });

  it('a refusal of the irqchip comes back as its errno with the state unchanged (seed 003: no user MSI IOVA)', () => {
    const s = setup(armIts({ msiIova: 'userspace-per-vector' }), topo([{}]), [assign(0, 'iommufd')]);
    const r = step(s, alloc(0));
    expect(r.result).toEqual(err('EINVAL'));
    expect(r.state.irqs).toEqual([]);
    expect(r.state.nextIrq).toBe(s.nextIrq);
  });
});

describe('an op outside the schema', () => {
  it('is a model inconsistency, never a silent no-op', () => {
    const s = build(x86('vtd'), topo([{}]));
    expect(() => step(s, { op: 'iommu_unmap' } as never)).toThrow(
      'model inconsistency: unknown op {"op":"iommu_unmap"}',
    );
  });
});

describe('the per-step records', () => {
  it('events and atomic mappings are the step’s own; last holds the op, result and the state before without its last', () => {
    const s0 = build(x86('vtd'), topo([{}]));
    const dirty = {
      ...s0,
      events: [{ kind: 'warn', text: 'old' }] as const,
      atomicMappings: [{ irq: 1, page: 2n }],
    };
    const a = step(dirty, alloc(0));
    expect(a.state.events).toEqual([]);
    expect(a.state.atomicMappings).toEqual([]);
    expect(a.state.last?.op).toEqual(alloc(0));
    expect(a.state.last?.result).toEqual(a.result);
    expect(a.state.last?.before).toEqual(dirty);
    const b = step(a.state, alloc(0));
    expect(b.state.last?.before).not.toHaveProperty('last');
    const { last: _l, ...aBefore } = a.state;
    expect(b.state.last?.before).toEqual(aBefore);
  });
});
