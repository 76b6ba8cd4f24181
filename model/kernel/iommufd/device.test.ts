import { describe, expect, it } from 'vitest';
import { deviceOf, domainOf, groupOf } from '../../platform/edit.ts';
import { armIts, armV2m, assign, run, setup, topo } from '../testing.ts';
import { igroupOf } from './ctx.ts';
import { iommufd_device_bind, iommufd_device_unbind, UNSAFE_INTERRUPTS_WARNING } from './device.ts';
import { hwptOf } from './hwpt.ts';

/** drivers/iommu/iommufd/device.c (Linux 7.0): iommufd_device_bind / iommufd_device_unbind with a group of two devices. */
const ICTX = 'userspace:0';
const pair = () => topo([{ group: 0 }, { group: 0 }]);

describe('iommufd_device_bind', () => {
  it('the second device of a group bound to the same context counts in the igroup (bound 2); a device bound twice is -EINVAL', () => {
    const s = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    expect(igroupOf(s, ICTX, 0)).toMatchObject({ bound: 2, attached: [0, 1] });
    expect(iommufd_device_bind(s, 0, ICTX)).toEqual({ ok: false, state: s, errno: 'EINVAL' });
  });

  it('a group set to a type1 container is -EBUSY (vfio_device_block_group)', () => {
    const s = setup(armIts(), pair(), [assign(0, 'type1')]);
    expect(iommufd_device_bind(s, 0, ICTX)).toEqual({ ok: false, state: s, errno: 'EBUSY' });
  });

  it('a group without isolated MSI is -EPERM; with allow_unsafe_interrupts it binds with the dev_warn', () => {
    const s = setup(armV2m(), topo([{}]));
    expect(iommufd_device_bind(s, 0, ICTX)).toEqual({ ok: false, state: s, errno: 'EPERM' });
    const unsafe = iommufd_device_bind({ ...s, params: { ...s.params, iommufdUnsafe: true } }, 0, ICTX);
    expect(unsafe.ok).toBe(true);
    expect(unsafe.state.events.slice(s.events.length)).toContainEqual({
      kind: 'warn',
      text: UNSAFE_INTERRUPTS_WARNING,
    });
  });
});

describe('iommufd_device_unbind (vfio_group_release on iommufd)', () => {
  it('unbinding one of two devices keeps the igroup with bound 1 and the group attached', () => {
    const s = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const one = iommufd_device_unbind(s, 1);
    expect(deviceOf(one, 1).iommufd).toBeUndefined();
    expect(igroupOf(one, ICTX, 0)).toMatchObject({
      bound: 1,
      attached: [0],
      hwpt: igroupOf(s, ICTX, 0).hwpt,
    });
    expect(iommufd_device_unbind(one, 1)).toBe(one);
  });

  it('releasing the group unbinds both devices, drops the igroup, destroys the auto hwpt and puts the group back on its default domain', () => {
    const s = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const auto = groupOf(s, 0).domain;
    const { state, results } = run(s, [{ op: 'vfio_group_release', group: 0 }]);
    expect(results).toEqual([{ ok: true }]);
    expect([deviceOf(state, 0).iommufd, deviceOf(state, 1).iommufd]).toEqual([undefined, undefined]);
    expect(igroupOf(state, ICTX, 0)).toEqual({ required: [], attached: [], bound: 0 });
    expect(hwptOf(state, auto)).toMatchObject({ destroyed: true, users: 0 });
    expect(groupOf(state, 0).domain).toBe(groupOf(state, 0).defaultDomain);
    expect(domainOf(state, groupOf(state, 0).domain).type).toBe('IDENTITY');
    expect(groupOf(state, 0).owner).toEqual({ kind: 'host' });
  });
});
