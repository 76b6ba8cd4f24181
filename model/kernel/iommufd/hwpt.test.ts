import { describe, expect, it } from 'vitest';
import { domainOf, groupOf, ioasOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { armIts, assign, setup, topo } from '../testing.ts';
import { ctxOf, iommufd_ioas_alloc } from './ctx.ts';
import { hwptDestroy, hwptOf, iommufd_hwpt_alloc, iommufd_hwpt_alloc_nested } from './hwpt.ts';

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
