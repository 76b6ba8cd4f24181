import { describe, expect, it } from 'vitest';
import { boot } from '../../platform/build.ts';
import { deviceOf, domainOf, groupOf, ioasOf } from '../../platform/edit.ts';
import { ITS_DOORBELL } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import type { Res } from '../errno.ts';
import { iommu_probe_device } from '../iommu/core.ts';
import { armIts, armV2m, assign, mockDev, run, setup, topo } from '../testing.ts';
import { igroupOf, iommufd_ioas_alloc } from './ctx.ts';
import {
  attachedHwpt,
  iommufd_device_attach,
  iommufd_device_bind,
  iommufd_device_detach,
  iommufd_device_replace,
  iommufd_device_unbind,
  iommufd_hw_pagetable_attach,
  UNSAFE_INTERRUPTS_WARNING,
} from './device.ts';
import { hwptOf, iommufd_hwpt_alloc, iommufd_hwpt_paging_alloc } from './hwpt.ts';
import { devOwner } from './io-pagetable.ts';
import { iommufd_ioas_map } from './ioas.ts';
import { iommufd_sw_msi } from './sw-msi.ts';

/** drivers/iommu/iommufd/device.c (Linux 7.0): iommufd_device_bind / iommufd_device_unbind with a group of two devices. */
const ICTX = 'userspace:0';
const pair = () => topo([{ group: 0 }, { group: 0 }]);

const ok = <T>(r: Res<T>): [State, T] => {
  if (!r.ok) throw new Error(`premise: failed with ${r.errno}`);
  return [r.state, r.value];
};

/** The SW_MSI window the ITS designs give every device (iommu_dma_get_resv_regions). */
const SW_MSI = { start: 0x800_0000n, length: 0x10_0000n, type: 'SW_MSI' } as const;

/**
 * A selftest mock device 0 (group 0, mock_ops) and a real device 1 (group 1, the platform driver),
 * both probed and bound to context `default`, which has one empty IOAS.
 */
const mixed = (): [State, number] => {
  let s = boot(
    armIts(),
    topo([{}, {}]),
    [mockDev(), mockDev({ bdf: '02:00.0', group: 1, mock: false, msiIsolated: true })],
    ['blocked', 'blocked'],
  );
  for (const d of [0, 1]) [s] = ok(iommu_probe_device(s, d));
  const [s1, ioas] = iommufd_ioas_alloc(s, 'default');
  s = s1;
  for (const d of [0, 1]) [s] = ok(iommufd_device_bind(s, d, 'default'));
  return [s, ioas];
};

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

describe('iommufd_device_bind: mock devices and unprobed devices', () => {
  it('a selftest mock device may be bound a second time from the same context: the VFIO one-open check does not apply and iommu_device_claim_dma_owner from the owning context succeeds (drivers/iommu/iommufd/selftest.c binds mocks directly; drivers/iommu/iommu.c iommu_device_claim_dma_owner)', () => {
    const [s] = mixed();
    expect(deviceOf(s, 0).iommufd).toBe('default');
    const again = iommufd_device_bind(s, 0, 'default');
    expect(again.ok).toBe(true);
  });

  it('a device with no iommu_group (not probed) is -ENODEV (drivers/iommu/iommufd/device.c iommufd_get_group: iommu_group_get NULL)', () => {
    const s = boot(armIts(), topo([{}]), [mockDev()], ['blocked']);
    expect(iommufd_device_bind(s, 0, 'default')).toEqual({ ok: false, state: s, errno: 'ENODEV' });
  });

  it('-ENODEV comes before the isolated-MSI check: an unprobed device whose group holds a probed device without isolated MSI is -ENODEV, not -EPERM (iommufd_device_bind: iommufd_get_group before iommu_group_has_isolated_msi)', () => {
    const real = { mock: false, msiIsolated: false } as const;
    const s0 = boot(
      armV2m(),
      topo([{ group: 0 }, { group: 0 }]),
      [mockDev(real), mockDev({ ...real, bdf: '02:00.0' })],
      ['blocked'],
    );
    const [s] = ok(iommu_probe_device(s0, 0));
    expect(iommufd_device_bind(s, 0, 'default')).toMatchObject({ ok: false, errno: 'EPERM' }); // premise
    expect(iommufd_device_bind(s, 1, 'default')).toEqual({ ok: false, state: s, errno: 'ENODEV' });
  });
});

describe('iommufd_hw_pagetable_attach (drivers/iommu/iommufd/device.c)', () => {
  /** Two platform devices of one group, the first with an SW_MSI region, both bound to 'default' with one IOAS. */
  const twoBound = (): { s: State; ioas: number } => {
    let s = boot(
      armIts(),
      topo([{ group: 0 }, { group: 0 }]),
      [
        mockDev({ mock: false, msiIsolated: true, resv: [SW_MSI] }),
        mockDev({ bdf: '02:00.0', group: 0, mock: false, msiIsolated: true }),
      ],
      ['blocked'],
    );
    for (const d of [0, 1]) [s] = ok(iommu_probe_device(s, d));
    const [s1, ioas] = iommufd_ioas_alloc(s, 'default');
    s = s1;
    for (const d of [0, 1]) [s] = ok(iommufd_device_bind(s, d, 'default'));
    return { s, ioas };
  };

  it('on a paging hwpt the group records the SW_MSI start of the device regions even when the VMM names a doorbell IPA for nested hwpts (iommufd_device_attach_reserved_iova → iopt_table_enforce_dev_resv_regions(&igroup->sw_msi_start))', () => {
    const s = setup(armIts({ nestedGuest: 'vmm-ipa' }), topo([{}]), [assign(0, 'iommufd')]);
    expect(hwptOf(s, groupOf(s, 0).domain).kind).toBe('paging');
    expect(igroupOf(s, ICTX, 0).swMsiStart).toBe(SW_MSI.start);
  });

  it('a second device of the group without an SW_MSI region leaves the group sw_msi_start as the first device set it (iopt_table_enforce_dev_resv_regions writes *sw_msi_start only for an IOMMU_RESV_SW_MSI region)', () => {
    let { s, ioas } = twoBound();
    [s] = ok(iommufd_device_attach(s, 0, { ioas }));
    expect(igroupOf(s, 'default', 0).swMsiStart).toBe(SW_MSI.start);
    [s] = ok(iommufd_device_attach(s, 1, { ioas }));
    expect(igroupOf(s, 'default', 0)).toMatchObject({ attached: [0, 1], swMsiStart: SW_MSI.start });
  });

  it('a failing install of the group MSI pages (iommufd_group_setup_msi → iommufd_sw_msi_install → iommu_map over an IOVA the new domain already maps) fails the attach with its errno and the group stays unattached', () => {
    let { s, ioas } = twoBound();
    const [s2, first] = ok(iommufd_device_attach(s, 0, { ioas }));
    [s] = ok(iommufd_device_attach(s2, 1, { ioas }));
    // the group's MSI page goes into the context's sw_msi list and the group's required_sw_msi
    const msi = iommufd_sw_msi(s, 0, first, ITS_DOORBELL);
    if (!msi.ok) throw new Error(`premise: iommufd_sw_msi failed with ${msi.errno}`);
    s = iommufd_device_detach(iommufd_device_detach(msi.state, 0), 1);
    expect(igroupOf(s, 'default', 0).required).toHaveLength(1);
    // device 1 has no SW_MSI region, so nothing keeps user memory off the group's MSI IOVA
    [s] = ok(iommufd_ioas_map(s, ioas, SW_MSI.start, 0x2000n));
    const [s3, user] = ok(iommufd_hwpt_alloc(s, 1, ioas, new Set()));
    const r = iommufd_device_attach(s3, 1, { hwpt: user });
    // io-pgtable-arm refuses a present PTE (arm_lpae_init_pte: -EEXIST)
    expect(r).toMatchObject({ ok: false, errno: 'EEXIST' });
    expect(igroupOf(r.state, 'default', 0)).toMatchObject({ attached: [] });
    expect(groupOf(r.state, 0).handle).toBe(false);
  });

  it('the first attach of a group records its attach handle (iommu_attach_group_handle)', () => {
    const s = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    expect(groupOf(s, 0)).toMatchObject({ id: 0, handle: true, devices: [0, 1] });
  });

  it('a group already attached elsewhere (an hwpt of another context) is -EBUSY and the reserved regions just put into the new IOAS are removed again (__iommu_attach_group -EBUSY → err_unresv: iopt_remove_reserved_iova)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const [s1, other] = iommufd_ioas_alloc(s0, 'other');
    const [s, foreign] = ok(iommufd_hwpt_paging_alloc(s1, 'other', other, 0, new Set()));
    const r = iommufd_hw_pagetable_attach(s, foreign, 0);
    expect(r).toMatchObject({ ok: false, errno: 'EBUSY' });
    expect(ioasOf(r.state, other).reserved.filter((x) => x.owner === devOwner(0))).toEqual([]);
    expect(groupOf(r.state, 0).domain).toBe(groupOf(s0, 0).domain);
  });

  it('the first attach to a domain of another driver is -EINVAL and leaves the group off any handle (__iommu_attach_group: domain_iommu_ops_compatible)', () => {
    const [s0, ioas] = mixed();
    const [s, real] = ok(iommufd_device_attach(s0, 1, { ioas }));
    const r = iommufd_device_attach(s, 0, { hwpt: real });
    expect(r).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(groupOf(r.state, 0)).toMatchObject({ handle: false, domain: groupOf(s, 0).domain });
    expect(hwptOf(r.state, real).users).toBe(1);
  });
});

describe('iommufd_device_attach / iommufd_device_change_pt (drivers/iommu/iommufd/device.c)', () => {
  it('an unbound device is -EINVAL (drivers/vfio/vfio_main.c vfio_device_fops_unl_ioctl: !access_granted)', () => {
    const s = setup(armIts(), topo([{}, {}]), [assign(0, 'iommufd')]);
    const hwpt = groupOf(s, 0).domain;
    expect(iommufd_device_attach(s, 1, { hwpt })).toEqual({ ok: false, state: s, errno: 'EINVAL' });
  });

  it('an hwpt id of another context is -ENOENT (iommufd_device_change_pt → iommufd_get_object)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const [s1, other] = iommufd_ioas_alloc(s0, 'other');
    const [s, foreign] = ok(iommufd_hwpt_paging_alloc(s1, 'other', other, 0, new Set()));
    const d = iommufd_device_detach(s, 1);
    expect(iommufd_device_attach(d, 1, { hwpt: foreign })).toEqual({ ok: false, state: d, errno: 'ENOENT' });
  });

  it('a device joining its group on the IOAS reuses the auto domain and writes its id back (iommufd_device_auto_get_domain: *pt_id = hwpt->obj.id)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const auto = groupOf(s0, 0).domain;
    const ioas = hwptOf(s0, auto).ioas ?? -1;
    const s = iommufd_device_detach(s0, 1);
    const r = iommufd_device_attach(s, 1, { ioas });
    expect(r).toMatchObject({ ok: true, value: auto });
    expect(hwptOf(r.state, auto).users).toBe(2);
  });

  it('an auto domain of another driver answers -EINVAL and the next choice, a new auto domain, is taken (iommufd_device_auto_get_domain: -EINVAL means incompatible, continue)', () => {
    const [s0, ioas] = mixed();
    const [s, real] = ok(iommufd_device_attach(s0, 1, { ioas }));
    const [after, mock] = ok(iommufd_device_attach(s, 0, { ioas }));
    expect(mock).not.toBe(real);
    expect(hwptOf(after, mock)).toMatchObject({ auto: true, users: 1, ioas });
    expect(groupOf(after, 0).domain).toBe(mock);
  });

  it('an error other than -EINVAL from an auto domain propagates and no domain is allocated: a device attached twice is -EBUSY (iommufd_hw_pagetable_attach: xa_insert -EBUSY; iommufd_device_auto_get_domain: goto out_unlock)', () => {
    const s = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const ioas = hwptOf(s, groupOf(s, 0).domain).ioas ?? -1;
    expect(iommufd_device_attach(s, 0, { ioas })).toEqual({ ok: false, state: s, errno: 'EBUSY' });
  });

  it('automatic selection never picks a user-allocated hwpt of the IOAS: a new auto domain is made (iommufd_device_auto_get_domain: !hwpt_paging->auto_domain → continue)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const ioas = hwptOf(s0, groupOf(s0, 0).domain).ioas ?? -1;
    const detached = iommufd_device_detach(iommufd_device_detach(s0, 0), 1);
    const [s, user] = ok(iommufd_hwpt_alloc(detached, 0, ioas, new Set()));
    const [after, got] = ok(iommufd_device_attach(s, 0, { ioas }));
    expect(got).not.toBe(user);
    expect(hwptOf(after, got).auto).toBe(true);
    expect(hwptOf(after, user).users).toBe(1);
  });
});

describe('iommufd_device_detach (iommufd_hw_pagetable_detach)', () => {
  it('a device that is not attached is left alone while the other device of its group stays attached (drivers/vfio/iommufd.c vfio_iommufd_physical_detach_ioas: !iommufd_attached → return)', () => {
    const s = iommufd_device_detach(setup(armIts(), pair(), [assign(0, 'iommufd')]), 0);
    expect(igroupOf(s, ICTX, 0).attached).toEqual([1]);
    expect(iommufd_device_detach(s, 0)).toBe(s);
  });
});

describe('iommufd_device_replace (iommufd_device_do_replace, iommufd_device_auto_get_domain)', () => {
  const ioasOfGroup = (s: State) => hwptOf(s, groupOf(s, 0).domain).ioas ?? -1;

  it('a device not attached while its group is (the other device) is -EINVAL, no change (iommufd_device_do_replace: !iommufd_device_is_attached)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const [s1, user] = ok(iommufd_hwpt_alloc(iommufd_device_detach(s0, 0), 0, ioasOfGroup(s0), new Set()));
    expect(iommufd_device_replace(s1, 0, { hwpt: user })).toEqual({ ok: false, state: s1, errno: 'EINVAL' });
  });

  it('a device of no attached group replaced onto an IOAS is -EINVAL and the auto domain made for it is destroyed (iommufd_device_auto_get_domain: out_abort)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const ioas = ioasOfGroup(s0);
    const s = iommufd_device_detach(iommufd_device_detach(s0, 0), 1);
    const r = iommufd_device_replace(s, 0, { ioas });
    expect(r).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(ioasOf(r.state, ioas).hwpts).toEqual(ioasOf(s, ioas).hwpts);
    expect(r.state.domains.slice(s.domains.length).map((d) => d.hwpt?.destroyed)).toEqual([true]);
  });

  it('replacing onto the hwpt already attached changes nothing (iommufd_device_do_replace: hwpt == old_hwpt → return NULL)', () => {
    const s = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const hwpt = groupOf(s, 0).domain;
    expect(iommufd_device_replace(s, 0, { hwpt })).toEqual({ ok: true, state: s, value: hwpt });
  });

  it('within the same IOAS the group keeps its reserved regions there (iommufd_group_do_replace_reserved_iova: same ioas → no enforce; no iommufd_group_remove_reserved_iova)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const ioas = ioasOfGroup(s0);
    const [s, user] = ok(iommufd_hwpt_alloc(s0, 0, ioas, new Set()));
    const devices = (st: State) =>
      ioasOf(st, ioas).reserved.filter((r) => r.owner === devOwner(0) || r.owner === devOwner(1));
    const before = devices(s);
    expect(before).toHaveLength(2);
    const [after, now] = ok(iommufd_device_replace(s, 0, { hwpt: user }));
    expect(now).toBe(user);
    expect(devices(after)).toEqual(before);
  });

  it('the whole group moves: the new hwpt takes one reference per attached device, the old auto hwpt loses them all and is destroyed (iommufd_device_do_replace: refcount_add(num_devices), refcount_sub(num_devices - 1), caller puts old)', () => {
    const s0 = setup(armIts(), pair(), [assign(0, 'iommufd')]);
    const old = groupOf(s0, 0).domain;
    const [s, user] = ok(iommufd_hwpt_alloc(s0, 0, ioasOfGroup(s0), new Set()));
    const [after] = ok(iommufd_device_replace(s, 0, { hwpt: user }));
    expect(hwptOf(after, user).users).toBe(3);
    expect(hwptOf(after, old)).toMatchObject({ users: 0, destroyed: true });
    expect(igroupOf(after, ICTX, 0)).toMatchObject({ hwpt: user, attached: [0, 1] });
  });

  it('onto another IOAS: a new auto domain there, the pt_id written back (iommufd_device_change_pt, iommufd_device_auto_get_domain)', () => {
    const s0 = setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
    const [s, ioas2] = iommufd_ioas_alloc(s0, ICTX);
    const [after, now] = ok(iommufd_device_replace(s, 0, { ioas: ioas2 }));
    expect(hwptOf(after, now)).toMatchObject({ ioas: ioas2, auto: true, users: 1 });
    expect(attachedHwpt(after, 0)).toBe(now);
  });

  it('onto another IOAS whose mapped area covers the SW_MSI region: -EADDRINUSE and the group stays (iommufd_group_do_replace_reserved_iova → iopt_table_enforce_dev_resv_regions → iopt_reserve_iova)', () => {
    const s0 = setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
    const [s1, ioas2] = iommufd_ioas_alloc(s0, ICTX);
    const [s] = ok(iommufd_ioas_map(s1, ioas2, SW_MSI.start, 0x1000n));
    const r = iommufd_device_replace(s, 0, { ioas: ioas2 });
    expect(r).toMatchObject({ ok: false, errno: 'EADDRINUSE' });
    expect(groupOf(r.state, 0).domain).toBe(groupOf(s, 0).domain);
    expect(ioasOf(r.state, ioas2).reserved.filter((x) => x.owner === devOwner(0))).toEqual([]);
  });

  it('onto a domain of another driver: -EINVAL, the group stays (the driver attach_dev refuses it; iommufd_hwpt_replace_device → err_unresv)', () => {
    const [s0, ioas] = mixed();
    const [s1, real] = ok(iommufd_device_attach(s0, 1, { ioas }));
    const [s, mock] = ok(iommufd_device_attach(s1, 0, { ioas }));
    const r = iommufd_device_replace(s, 0, { hwpt: real });
    expect(r).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(groupOf(r.state, 0).domain).toBe(mock);
    expect(attachedHwpt(r.state, 0)).toBe(mock);
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
