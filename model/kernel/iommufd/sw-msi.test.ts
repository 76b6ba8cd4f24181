import { describe, expect, it } from 'vitest';
import { deliverFrom } from '../../platform/deliver.ts';
import { deviceDomain, domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import { ITS_DOORBELL, imsicPage } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import { affinity, alloc, armIts, assign, map, riscv, run, setup, topo } from '../testing.ts';
import { IOMMUFD_SW_MSI_MAX, iommufdSwMsi } from './sw-msi.ts';

const replace = (group: number) => ({ op: 'iommu_replace_domain', group }) as const;
const ITS_PAGE = ITS_DOORBELL >> 12n;

const fire = (s: State, device: number, vector = 0) => {
  const q = irqOf(s, device, vector);
  if (q === undefined) throw new Error(`no irq for device ${device} vector ${vector}`);
  return deliverFrom(s, device, q.msg.addr, q.msg.data);
};

describe('iommufd sw_msi across domain replacement (iommufd_device_replace, iommufd_group_setup_msi; linux-msi-facts §1.6; invariants 11, 12)', () => {
  it('after iommu_replace_domain the doorbell page is mapped in the new domain at the same IOVA and the programmed MSI still arrives', () => {
    const s0 = setup(armIts(), topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    const before = groupOf(s0, 0).domain;
    const msg = irqOf(s0, 0, 0)?.msg;
    expect(msg?.addr).toBe(0x800_0040n);
    const { state, results } = run(s0, [replace(0)]);
    expect(results).toEqual([{ ok: true }]);
    expect(groupOf(state, 0).domain).not.toBe(before);
    expect(deviceDomain(state, 0).pages.get(0x8000n)).toEqual({ ppn: ITS_PAGE, origin: 'msi' });
    expect(irqOf(state, 0, 0)?.msg).toEqual(msg);
    expect(fire(state, 0).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it('the new domain gets the user mappings of the IOAS and every MSI page of the fd (iopt_table_add_domain fills areas; iommufd_group_setup_msi)', () => {
    const s0 = setup(riscv('prepare-msi'), topo([{}], { harts: 2 }), [
      assign(0, 'iommufd', { unsafe: true }),
      map(0, 0x1000_0000n),
      alloc(0),
      affinity(0, 0, 1),
    ]);
    const { state } = run(s0, [replace(0)]);
    const pages = deviceDomain(state, 0).pages;
    expect(pages.get(0x8000n)?.ppn).toBe(imsicPage(2, 0, 'S'));
    expect(pages.get(0x8001n)?.ppn).toBe(imsicPage(2, 1, 'S'));
    expect(pages.get(0x1_0000n)?.origin).toBe('user');
  });

  it('present_sw_msi only grows: the old domain keeps its MSI page after replace, and the IOAS keeps it after release', () => {
    const s0 = setup(armIts(), topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    const old = groupOf(s0, 0).domain;
    const s1 = run(s0, [replace(0)]).state;
    expect(domainOf(s1, old).pages.get(0x8000n)).toEqual({ ppn: ITS_PAGE, origin: 'msi' });
    const current = groupOf(s1, 0).domain;
    const s2 = run(s1, [{ op: 'vfio_group_release', group: 0 }]).state;
    expect(groupOf(s2, 0).owner.kind).toBe('host');
    expect(domainOf(s2, current).pages.get(0x8000n)).toEqual({ ppn: ITS_PAGE, origin: 'msi' });
    expect(domainOf(s2, old).pages.get(0x8000n)).toEqual({ ppn: ITS_PAGE, origin: 'msi' });
  });

  it('the IOVA of a doorbell page is the same in two domains of the same fd (per-fd pgoff, iommufd_sw_msi_get_map)', () => {
    const s0 = setup(riscv('prepare-msi'), topo([{}, {}], { harts: 2 }), [
      assign(0, 'iommufd', { unsafe: true }),
      assign(1, 'iommufd', { unsafe: true }),
      alloc(0),
      affinity(0, 0, 1),
      replace(0),
    ]);
    expect(groupOf(s0, 0).domain).not.toBe(groupOf(s0, 1).domain);
    // Device 1 (still on the first domain) first asks for hart 1's page: pgoff 1 from device 0's use.
    const s1 = run(s0, [alloc(1), affinity(1, 0, 1)]).state;
    expect(irqOf(s1, 1, 0)?.msg.addr).toBe(irqOf(s1, 0, 0)?.msg.addr);
    expect(irqOf(s1, 1, 0)?.msg.addr).toBe(0x800_1000n);
    expect(deviceDomain(s1, 1).pages.get(0x8001n)?.ppn).toBe(imsicPage(2, 1, 'S'));
    expect(fire(s1, 1).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it('pgoffs are per fd: two owners each start at pgoff 0 for different doorbell pages (iommufd_sw_msi_maps hangs off iommufd_ctx)', () => {
    const s = setup(riscv('prepare-msi'), topo([{}, {}], { harts: 2 }), [
      assign(0, 'iommufd', { owner: 0, unsafe: true }),
      assign(1, 'iommufd', { owner: 1, unsafe: true }),
      alloc(0),
      affinity(0, 0, 1),
      alloc(1),
    ]);
    expect(irqOf(s, 0, 0)?.msg.addr).toBe(0x800_1000n);
    expect(irqOf(s, 1, 0)?.msg.addr).toBe(0x800_0000n);
    expect(deviceDomain(s, 1).pages.get(0x8000n)?.ppn).toBe(imsicPage(2, 0, 'S'));
    expect(s.swMsiMaps.get('userspace:1')).toEqual(new Map([[imsicPage(2, 0, 'S'), 0]]));
  });

  it('type1 has no domain replace: -EOPNOTSUPP (VFIO type1 never replaces a live domain; invariant 11)', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'type1')]);
    expect(run(s, [replace(0)]).results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
  });
});

describe('iommufdSwMsi pgoff allocation (iommufd_sw_msi_get_map, struct iommufd_sw_msi_maps)', () => {
  const assigned = () => setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
  const withMaps = (s: State, entries: [bigint, number][]): State => ({
    ...s,
    swMsiMaps: new Map(s.swMsiMaps).set('userspace:0', new Map(entries)),
  });

  it('a new doorbell page takes max(existing pgoff) + 1, not the count of pages', () => {
    const s = assigned();
    const r = iommufdSwMsi(
      withMaps(s, [
        [0x1n, 0],
        [0x2n, 5],
      ]),
      'userspace:0',
      0,
      groupOf(s, 0).domain,
      ITS_DOORBELL,
    );
    expect(r.ok && r.addr).toBe(0x800_6040n);
  });

  it('the 65th doorbell page of an fd is -EOVERFLOW (64-bit bitmap)', () => {
    const s = assigned();
    expect(IOMMUFD_SW_MSI_MAX).toBe(64);
    const full = Array.from({ length: 64 }, (_, i): [bigint, number] => [0x100n + BigInt(i), i]);
    const r = iommufdSwMsi(withMaps(s, full), 'userspace:0', 0, groupOf(s, 0).domain, ITS_DOORBELL);
    expect(r).toEqual({ ok: false, errno: 'EOVERFLOW' });
    const known = iommufdSwMsi(withMaps(s, full), 'userspace:0', 0, groupOf(s, 0).domain, 0x13_f040n);
    expect(known.ok && known.addr).toBe(0x803_f040n);
  });
});
