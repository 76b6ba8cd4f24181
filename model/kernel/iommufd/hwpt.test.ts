import { describe, expect, it } from 'vitest';
import { boot, type DeviceInit } from '../../platform/build.ts';
import { domainOf, groupOf, ioasOf, setDomain } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { fail, type Res } from '../errno.ts';
import { iommu_probe_device } from '../iommu/core.ts';
import { armIts, assign, setup, topo } from '../testing.ts';
import { ctxOf, iommufd_ioas_alloc } from './ctx.ts';
import { iommufd_device_bind } from './device.ts';
import {
  findHwptPaging,
  hwptDestroy,
  hwptIoas,
  hwptOf,
  hwptPut,
  iommufd_hwpt_alloc,
  iommufd_hwpt_alloc_nested,
  iommufd_hwpt_paging_alloc,
} from './hwpt.ts';
import { iommufd_test_mock_domain } from './selftest.ts';

/**
 * IOMMU_HWPT_ALLOC (drivers/iommu/iommufd/hw_pagetable.c iommufd_hwpt_alloc,
 * iommufd_hwpt_paging_alloc, iommufd_hwpt_nested_alloc): every errno in the order the kernel checks.
 */
const ICTX = 'userspace:0';
const nesting = armIts({ nestedGuest: 'rmr' });
/** Device 0 bound to ICTX and attached to an auto hwpt of the context's IOAS; device 1 unbound. */
const bound = (design = nesting): [State, number] => {
  const s = setup(design, topo([{}, {}]), [assign(0, 'iommufd')]);
  const ioas = ctxOf(s, ICTX).ioas[0];
  if (ioas === undefined) throw new Error('no IOAS');
  return [s, ioas];
};
const errnoOf = (r: { ok: boolean; errno?: string }) => (r.ok ? 'ok' : r.errno);
const set = (...f: ('NEST_PARENT' | 'DIRTY_TRACKING')[]) => new Set(f);

describe('iommufd_hwpt_alloc of a paging hwpt', () => {
  it('an unbound device is -ENOENT (iommufd_get_device)', () => {
    const [s, ioas] = bound();
    expect(iommufd_hwpt_alloc(s, 1, ioas, set())).toEqual({ ok: false, state: s, errno: 'ENOENT' });
  });

  it('an IOAS of another context, or none, is -EINVAL (iommufd_get_object fails → -EINVAL)', () => {
    const [s0] = bound();
    const [s, other] = iommufd_ioas_alloc(s0, 'userspace:1');
    expect(iommufd_hwpt_alloc(s, 0, other, set())).toEqual({ ok: false, state: s, errno: 'EINVAL' });
    expect(iommufd_hwpt_alloc(s, 0, 99, set())).toEqual({ ok: false, state: s, errno: 'EINVAL' });
  });

  it('DIRTY_TRACKING without IOMMU_CAP_DIRTY_TRACKING is -EOPNOTSUPP', () => {
    const [s, ioas] = bound();
    expect(iommufd_hwpt_alloc(s, 0, ioas, set('DIRTY_TRACKING'))).toEqual({
      ok: false,
      state: s,
      errno: 'EOPNOTSUPP',
    });
  });

  it('NEST_PARENT on a device whose driver cannot nest is -EOPNOTSUPP (domain_alloc_paging_flags)', () => {
    const [s, ioas] = bound(armIts());
    expect(iommufd_hwpt_alloc(s, 0, ioas, set('NEST_PARENT'))).toEqual({
      ok: false,
      state: s,
      errno: 'EOPNOTSUPP',
    });
  });

  it('success: a new UNMANAGED domain with an IOMMUFD cookie, held by the user (users 1), in the IOAS hwpt_list', () => {
    const [s, ioas] = bound();
    for (const flags of [set(), set('NEST_PARENT')]) {
      const r = iommufd_hwpt_alloc(s, 0, ioas, flags);
      if (!r.ok) throw new Error(r.errno);
      expect(r.value).toBe(s.domains.length);
      expect(domainOf(r.state, r.value)).toMatchObject({
        type: 'UNMANAGED',
        cookie: { type: 'IOMMUFD', owner: ICTX },
      });
      expect(hwptOf(r.state, r.value)).toEqual({
        ictx: ICTX,
        kind: 'paging',
        ioas,
        auto: false,
        nestParent: flags.has('NEST_PARENT'),
        presentSwMsi: [],
        users: 1,
        destroyed: false,
      });
      expect(ioasOf(r.state, ioas).hwpts).toEqual([...ioasOf(s, ioas).hwpts, r.value]);
    }
  });
});

describe('iommufd_hwpt_alloc_nested', () => {
  const withParent = (): [State, number] => {
    const [s, ioas] = bound();
    const p = iommufd_hwpt_alloc(s, 0, ioas, set('NEST_PARENT'));
    if (!p.ok) throw new Error(p.errno);
    return [p.state, p.value];
  };

  it('an unbound device is -ENOENT', () => {
    const [s, parent] = withParent();
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 1, parent))).toBe('ENOENT');
  });

  it('a parent that is no live paging hwpt of the context is -EINVAL: destroyed, unknown, or itself nested', () => {
    const [s, parent] = withParent();
    expect(errnoOf(iommufd_hwpt_alloc_nested(hwptDestroy(s, parent), 0, parent))).toBe('EINVAL');
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 0, 99))).toBe('EINVAL');
    const n = iommufd_hwpt_alloc_nested(s, 0, parent);
    if (!n.ok) throw new Error(n.errno);
    expect(errnoOf(iommufd_hwpt_alloc_nested(n.state, 0, n.value))).toBe('EINVAL');
  });

  it('an auto-domain parent or one allocated without NEST_PARENT is -EINVAL', () => {
    const [s, ioas] = bound();
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 0, groupOf(s, 0).domain))).toBe('EINVAL');
    const plain = iommufd_hwpt_alloc(s, 0, ioas, set());
    if (!plain.ok) throw new Error(plain.errno);
    expect(errnoOf(iommufd_hwpt_alloc_nested(plain.state, 0, plain.value))).toBe('EINVAL');
  });

  it('a driver without domain_alloc_nested is -EOPNOTSUPP, checked after the parent lookup', () => {
    const [s, ioas] = bound(armIts());
    const plain = iommufd_hwpt_alloc(s, 0, ioas, set());
    if (!plain.ok) throw new Error(plain.errno);
    expect(errnoOf(iommufd_hwpt_alloc_nested(plain.state, 0, plain.value))).toBe('EOPNOTSUPP');
    expect(errnoOf(iommufd_hwpt_alloc_nested(plain.state, 0, 99))).toBe('EINVAL');
  });

  it('success: a NESTED domain over the parent with its aperture; the parent gains a user; destroying the nested hwpt gives it back', () => {
    const [s, parent] = withParent();
    const n = iommufd_hwpt_alloc_nested(s, 0, parent);
    if (!n.ok) throw new Error(n.errno);
    expect(domainOf(n.state, n.value)).toMatchObject({
      type: 'NESTED',
      parent,
      aperture: domainOf(s, parent).aperture,
      cookie: { type: 'IOMMUFD', owner: ICTX },
    });
    expect(hwptOf(n.state, n.value)).toEqual({
      ictx: ICTX,
      kind: 'nested',
      auto: false,
      nestParent: false,
      presentSwMsi: [],
      users: 1,
      destroyed: false,
    });
    expect(hwptOf(n.state, parent).users).toBe(2);
    const gone = hwptDestroy(n.state, n.value);
    expect(hwptOf(gone, parent).users).toBe(1);
    expect(hwptOf(gone, n.value).destroyed).toBe(true);
  });

  it('destroying a paging hwpt takes it out of its IOAS (iopt_table_remove_domain)', () => {
    const [s, parent] = withParent();
    const ioas = hwptOf(s, parent).ioas ?? -1;
    expect(ioasOf(s, ioas).hwpts).toContain(parent);
    expect(ioasOf(hwptDestroy(s, parent), ioas).hwpts).not.toContain(parent);
  });
});

describe('hwpt object lifetime and lookups (drivers/iommu/iommufd/hw_pagetable.c, iommufd_private.h)', () => {
  const real = (d: Partial<DeviceInit>): DeviceInit => ({
    bdf: '01:00.0',
    group: 0,
    vectors: 1,
    resv: [],
    msiIsolated: true,
    cacheCoherent: true,
    nestingCapable: true,
    mock: false,
    ...d,
  });
  const ok = <T>(r: Res<T>): [State, T] => {
    if (!r.ok) throw new Error(r.errno);
    return [r.state, r.value];
  };
  /** Device 0 can nest, device 1 cannot, both bound to ICTX; device 2 a selftest mock (mock_ops) on ICTX's IOAS. */
  const mixed = (): [State, number] => {
    let s = boot(
      nesting,
      topo([{}, {}, {}]),
      [
        real({}),
        real({ bdf: '02:00.0', group: 1, nestingCapable: false }),
        real({ bdf: '03:00.0', group: 2, mock: true, msiIsolated: false }),
      ],
      ['identity', 'identity', 'blocked'],
    );
    for (const d of [0, 1]) {
      [s] = ok(iommu_probe_device(s, d));
      [s] = ok(iommufd_device_bind(s, d, ICTX));
    }
    const [s1, ioas] = iommufd_ioas_alloc(s, ICTX);
    [s] = ok(iommufd_test_mock_domain(s1, ioas, 2));
    return [s, ioas];
  };

  it('iommufd_hwpt_alloc: a nested hwpt named as pt_id is -EINVAL before the driver is asked (only IOAS, HWPT_PAGING and VIOMMU objects are accepted), even from a device that cannot nest', () => {
    const [s0, ioas] = mixed();
    const [s1, parent] = ok(iommufd_hwpt_alloc(s0, 0, ioas, set('NEST_PARENT')));
    const [s, nested] = ok(iommufd_hwpt_alloc_nested(s1, 0, parent));
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 1, nested))).toBe('EINVAL');
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 1, parent))).toBe('EOPNOTSUPP');
  });

  it("iommufd_hwpt_nested_alloc: a parent whose domain->owner is another driver's iommu_ops is -EINVAL", () => {
    const [s0, ioas] = mixed();
    const [s, parent] = ok(iommufd_hwpt_alloc(s0, 0, ioas, set('NEST_PARENT')));
    expect(domainOf(s, parent).driver).toBe('iommu');
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 2, parent))).toBe('EINVAL');
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 0, parent))).toBe('ok');
  });

  it('iommufd_hwpt_alloc: a NEST_PARENT hwpt of another iommufd context is not found in this one (iommufd_get_object → -EINVAL)', () => {
    const s0 = setup(nesting, topo([{}, {}]), [assign(0, 'iommufd'), assign(1, 'iommufd', { owner: 1 })]);
    const other = ctxOf(s0, 'userspace:1').ioas[0] ?? -1;
    const [s, parent] = ok(iommufd_hwpt_alloc(s0, 1, other, set('NEST_PARENT')));
    expect(hwptOf(s, parent).ictx).toBe('userspace:1');
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 0, parent))).toBe('EINVAL');
    expect(errnoOf(iommufd_hwpt_alloc_nested(s, 1, parent))).toBe('ok');
  });

  it('iommufd_hwpt_paging_alloc with immediate_attach: a failed attach aborts the new hwpt (out_abort: iommufd_object_abort_and_destroy) and returns the attach errno', () => {
    const [s, ioas] = bound();
    const r = iommufd_hwpt_paging_alloc(s, ICTX, ioas, 0, set(), (st) => fail(st, 'EBUSY'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errno).toBe('EBUSY');
    expect(hwptOf(r.state, s.domains.length).destroyed).toBe(true);
    expect(ioasOf(r.state, ioas).hwpts).toEqual(ioasOf(s, ioas).hwpts);
  });

  it('iommufd_hw_pagetable_put: an auto domain is destroyed only with its last user; a user-allocated hwpt only loses a reference (refcount_dec)', () => {
    const s = setup(nesting, topo([{ group: 0 }, { group: 0 }]), [assign(0, 'iommufd')]);
    const auto = groupOf(s, 0).domain;
    expect(hwptOf(s, auto)).toMatchObject({ auto: true, users: 2 });
    const once = hwptPut(s, auto);
    expect(hwptOf(once, auto)).toMatchObject({ users: 1, destroyed: false });
    expect(hwptOf(hwptPut(once, auto), auto)).toMatchObject({ users: 0, destroyed: true });
    const ioas = ctxOf(s, ICTX).ioas[0] ?? -1;
    const [s1, mine] = ok(iommufd_hwpt_alloc(s, 0, ioas, set()));
    const put = hwptPut(s1, mine);
    expect(hwptOf(put, mine)).toMatchObject({ users: 0, destroyed: false });
    expect(ioasOf(put, ioas).hwpts).toContain(mine);
  });

  it('the model refuses to read an hwpt where there is none: a non-iommufd domain, a nested hwpt without parent, the IOAS of a nested hwpt', () => {
    const [s, ioas] = bound();
    const dflt = groupOf(s, 1).domain;
    expect(() => hwptOf(s, dflt)).toThrow(`model inconsistency: domain ${dflt} is no hwpt`);
    const [s1, parent] = ok(iommufd_hwpt_alloc(s, 0, ioas, set('NEST_PARENT')));
    const [s2, nested] = ok(iommufd_hwpt_alloc_nested(s1, 0, parent));
    expect(findHwptPaging(s2, nested)).toBe(parent);
    expect(() => hwptIoas(s2, nested)).toThrow(`model inconsistency: hwpt ${nested} has no IOAS`);
    const { parent: _, ...noParent } = domainOf(s2, nested);
    const orphan = setDomain(s2, noParent);
    expect(() => findHwptPaging(orphan, nested)).toThrow(
      `model inconsistency: nested hwpt ${nested} without parent`,
    );
  });
});
