import { describe, expect, it } from 'vitest';
import { domainOf, groupOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { armIts, assign, map, run, setup, topo } from '../testing.ts';
import { iommufd_device_detach } from './device.ts';
import { hwptOf } from './hwpt.ts';

/**
 * iommu_replace_domain: IOMMU_HWPT_ALLOC then iommufd_device_replace
 * (drivers/iommu/iommufd/hw_pagetable.c iommufd_hwpt_alloc, device.c iommufd_device_replace →
 * iommufd_device_do_replace), then IOMMU_DESTROY of the hwpts nothing uses (main.c
 * iommufd_destroy: only the VMM's own handle left).
 */
const replace = (s: State, group = 0) => run(s, [{ op: 'iommu_replace_domain', group }]);
const liveHwpts = (s: State) =>
  s.domains
    .filter((d) => d.hwpt !== undefined && !d.hwpt.destroyed)
    .map((d) => ({ id: d.id, type: d.type, users: d.hwpt?.users }));

describe('iommu_replace_domain (iommufd_device_replace)', () => {
  it("a host-owned group is not iommufd's: -EINVAL, state unchanged", () => {
    const s = setup(armIts(), topo([{}]));
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    expect([state.groups, state.domains, state.iommufd]).toEqual([s.groups, s.domains, s.iommufd]);
  });

  it('VFIO type1 has no replace: -EOPNOTSUPP, state unchanged', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'type1')]);
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
    expect([state.groups, state.domains, state.iommufd]).toEqual([s.groups, s.domains, s.iommufd]);
  });

  it('a paging attachment moves to a new user-allocated hwpt of the same IOAS; the auto hwpt goes with its last user', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
    const old = groupOf(s, 0).domain;
    expect(hwptOf(s, old)).toMatchObject({ auto: true, users: 1, kind: 'paging' });
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: true }]);
    const now = groupOf(state, 0).domain;
    expect(now).not.toBe(old);
    expect(hwptOf(state, old).destroyed).toBe(true);
    // the user's handle (IOMMU_HWPT_ALLOC) and the attached device
    expect(hwptOf(state, now)).toMatchObject({
      auto: false,
      users: 2,
      kind: 'paging',
      ioas: hwptOf(s, old).ioas,
    });
    expect(liveHwpts(state)).toEqual([{ id: now, type: 'UNMANAGED', users: 2 }]);
  });

  it('a second replace moves again and IOMMU_DESTROY removes the previous user hwpt (one handle left)', () => {
    const s = replace(setup(armIts(), topo([{}]), [assign(0, 'iommufd')])).state;
    const first = groupOf(s, 0).domain;
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: true }]);
    expect(hwptOf(state, first).destroyed).toBe(true);
    expect(liveHwpts(state)).toEqual([{ id: groupOf(state, 0).domain, type: 'UNMANAGED', users: 2 }]);
  });

  it('a nested attachment gets a new NEST_PARENT hwpt and a nested hwpt over it with the same stage-1 table; both old ones are destroyed', () => {
    const design = armIts({ nestedGuest: 'rmr' });
    const s = setup(design, topo([{}], { vms: 1 }), [assign(0, 'iommufd', { to: 'guest' })]);
    const oldNested = groupOf(s, 0).domain;
    const oldParent = domainOf(s, oldNested).parent;
    expect(domainOf(s, oldNested).pages.size).toBeGreaterThan(0);
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: true }]);
    const nested = groupOf(state, 0).domain;
    const parent = domainOf(state, nested).parent;
    expect(domainOf(state, nested).type).toBe('NESTED');
    expect(domainOf(state, nested).pages).toEqual(domainOf(s, oldNested).pages);
    expect(parent).not.toBe(oldParent);
    expect(parent === undefined ? undefined : hwptOf(state, parent)).toMatchObject({
      nestParent: true,
      users: 2,
    });
    expect(hwptOf(state, oldNested).destroyed).toBe(true);
    expect(oldParent === undefined ? undefined : hwptOf(state, oldParent).destroyed).toBe(true);
    expect(
      liveHwpts(state)
        .map((h) => h.id)
        .sort(),
    ).toEqual([parent, nested].sort());
  });
});

describe('iommu_replace_domain failures leave the state as it was', () => {
  /** The driver's next domains cover only the low 4 GiB (domain->geometry.aperture_end = 0xffffffff). */
  const lowAperture = (s: State): State => ({
    ...s,
    geometry: { aperture: { start: 0n, last: 0xffff_ffffn }, pgsize: 0x1000n },
  });
  const unchanged = (a: State, b: State) =>
    expect([a.groups, a.domains, a.ioases, a.iommufd]).toEqual([b.groups, b.domains, b.ioases, b.iommufd]);

  it('a device that is not attached has no hwpt to replace: -EINVAL (iommufd_device_do_replace: no old hwpt)', () => {
    const s = iommufd_device_detach(setup(armIts(), topo([{}]), [assign(0, 'iommufd')]), 0);
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    unchanged(state, s);
  });

  it('the first device of a two-device group detached on its own (the other still attached): iommufd_device_replace of it is -EINVAL (iommufd_device_do_replace: !iommufd_device_is_attached)', () => {
    const s0 = setup(armIts(), topo([{ group: 0 }, { group: 0 }]), [assign(0, 'iommufd')]);
    const s = iommufd_device_detach(s0, 0);
    expect(groupOf(s, 0).domain).toBe(groupOf(s0, 0).domain);
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    unchanged(state, s);
  });

  it('IOMMU_HWPT_ALLOC of the new paging hwpt fails when the IOAS has an area outside its aperture (iopt_table_add_domain → iopt_reserve_iova: -EADDRINUSE)', () => {
    const s = lowAperture(setup(armIts(), topo([{}]), [assign(0, 'iommufd'), map(0, 0x1_0000_0000n)]));
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: false, errno: 'EADDRINUSE' }]);
    unchanged(state, s);
  });

  it('a nested group: the new NEST_PARENT hwpt failing the same way is returned before any nested hwpt is allocated (-EADDRINUSE)', () => {
    const design = armIts({ nestedGuest: 'rmr' });
    const s = lowAperture(
      setup(design, topo([{}], { vms: 1 }), [assign(0, 'iommufd', { to: 'guest' }), map(0, 0x1_0000_0000n)]),
    );
    const { state, results } = replace(s);
    expect(results).toEqual([{ ok: false, errno: 'EADDRINUSE' }]);
    unchanged(state, s);
  });
});
