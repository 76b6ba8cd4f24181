import { describe, expect, it } from 'vitest';
import { domainOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { armIts, assign, setup, topo } from '../testing.ts';

// A VMM with a vIOMMU allocates one NEST_PARENT hwpt on its IOAS and hangs a nested hwpt per vSMMU
// device off it (IOMMU_HWPT_ALLOC with IOMMU_HWPT_ALLOC_NEST_PARENT, then IOMMU_HWPT_ALLOC with
// pt_id = the parent; drivers/iommu/iommufd/hw_pagetable.c iommufd_hwpt_paging_alloc /
// iommufd_hwpt_nested_alloc; Arm nesting, seed 001 <ZELOqZliiwbG6l5K@nvidia.com>).
const design = armIts({ nestedGuest: 'rmr' });
const live = (s: State, pred: (d: State['domains'][number]) => boolean) =>
  s.domains.filter((d) => d.hwpt !== undefined && !d.hwpt.destroyed && pred(d));

describe('vfio_group_assign to a VM on a nesting design (iommufd_hwpt_nested_alloc over a NEST_PARENT hwpt)', () => {
  it('a second group of the same VM reuses the live NEST_PARENT hwpt: one parent, two nested children of it', () => {
    const s = setup(design, topo([{}, {}], { vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      assign(1, 'iommufd', { to: 'guest' }),
    ]);
    const parents = live(s, (d) => d.hwpt?.nestParent === true);
    expect(parents.length).toBe(1);
    const nested = live(s, (d) => d.hwpt?.kind === 'nested');
    expect(nested.map((d) => d.parent)).toEqual([parents[0]?.id, parents[0]?.id]);
  });
  it('after the VM lets every group go the parent is destroyed (IOMMU_DESTROY of unused hwpts), and a new assignment allocates a fresh, live parent rather than the destroyed one', () => {
    const s = setup(design, topo([{}], { vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      { op: 'vfio_group_release', group: 0 },
      assign(0, 'iommufd', { to: 'guest' }),
    ]);
    const [nested, ...more] = live(s, (d) => d.hwpt?.kind === 'nested');
    expect(more).toEqual([]);
    const parent = domainOf(s, nested?.parent ?? -1);
    expect([parent.hwpt?.nestParent, parent.hwpt?.destroyed]).toEqual([true, false]);
    expect(s.domains.filter((d) => d.hwpt?.nestParent === true && d.hwpt.destroyed).length).toBe(1);
  });
  it('a userspace owner (not a VM) gets no nested hwpt even on a nesting design', () => {
    const s = setup(design, topo([{}]), [assign(0, 'iommufd')]);
    expect(live(s, (d) => d.hwpt?.kind === 'nested')).toEqual([]);
    expect(live(s, (d) => d.hwpt?.nestParent === true)).toEqual([]);
  });
  it('a VM on a design without nesting attaches to the IOAS directly (no nested hwpt)', () => {
    const s = setup(armIts(), topo([{}], { vms: 1 }), [assign(0, 'iommufd', { to: 'guest' })]);
    expect(live(s, (d) => d.hwpt?.kind === 'nested')).toEqual([]);
  });
  it('the nested hwpt of each group is its own domain, parented on the NEST_PARENT paging domain', () => {
    const s = setup(design, topo([{}, {}], { vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      assign(1, 'iommufd', { to: 'guest' }),
    ]);
    const nested = live(s, (d) => d.hwpt?.kind === 'nested');
    expect(new Set(nested.map((d) => d.id)).size).toBe(2);
    for (const n of nested) expect(domainOf(s, n.parent ?? -1).hwpt?.kind).toBe('paging');
  });
});
