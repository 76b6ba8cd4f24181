import { describe, expect, it } from 'vitest';
import { build } from '../../platform/build.ts';
import { deviceOf, domainOf, ioasOf, setDevice, setDomain } from '../../platform/edit.ts';
import type { ResvRegion, State } from '../../platform/state.ts';
import { ULONG_MAX } from '../interval.ts';
import { allocDomain, MOCK_APERTURE } from '../iommu/domain.ts';
import { armIts, topo } from '../testing.ts';
import { iommufd_ioas_alloc } from './ctx.ts';
import {
  devOwner,
  domainOwner,
  iopt_table_add_domain,
  iopt_table_enforce_dev_resv_regions,
  iopt_table_remove_domain,
  warnOn,
} from './io-pagetable.ts';
import { iommufd_ioas_map } from './ioas.ts';
import { iommufd_test_add_reserved } from './selftest.ts';

/** drivers/iommu/iommufd/io_pagetable.c (Linux 7.0): reserved regions of devices, domains joining and leaving an IOAS. */
const ICTX = 'userspace:0';
const fresh = (): [State, number] => iommufd_ioas_alloc(build(armIts(), topo([{}])), ICTX);
const withResv = (resv: ResvRegion[]): [State, number] => {
  const [s, ioas] = fresh();
  return [setDevice(s, { ...deviceOf(s, 0), resv }), ioas];
};
const region = (type: ResvRegion['type'], start: bigint, length: bigint): ResvRegion => ({
  type,
  start,
  length,
});
const SW_MSI = region('SW_MSI', 0x800_0000n, 0x10_0000n);
const HW_MSI = region('MSI', 0xfee0_0000n, 0x10_0000n);
const SANE_WARNING = warnOn('drivers/iommu/iommufd/io_pagetable.c', 'iopt_table_enforce_dev_resv_regions');
const warnings = (s: State) => s.events.filter((e) => e.kind === 'warn');

describe('iopt_table_enforce_dev_resv_regions', () => {
  it('every region but DIRECT_RELAXABLE is reserved with the device as owner, [start, start + length - 1]; the SW_MSI start is recorded', () => {
    const [s, ioas] = withResv([
      region('DIRECT_RELAXABLE', 0x1000n, 0x1000n),
      region('RESERVED', 0x1_0000n, 0x2000n),
      region('DIRECT', 0x4_0000n, 0x1000n),
      SW_MSI,
    ]);
    const r = iopt_table_enforce_dev_resv_regions(s, ioas, 0, true);
    expect(r.swMsiStart).toBe(0x800_0000n);
    expect(r.res.ok).toBe(true);
    expect(ioasOf(r.res.state, ioas).reserved).toEqual([
      { start: 0x1_0000n, last: 0x1_1fffn, owner: devOwner(0) },
      { start: 0x4_0000n, last: 0x4_0fffn, owner: devOwner(0) },
      { start: 0x800_0000n, last: 0x80f_ffffn, owner: devOwner(0) },
    ]);
  });

  it('the replace path (sw_msi_start NULL) reserves the same and records nothing', () => {
    const [s, ioas] = withResv([SW_MSI]);
    const r = iopt_table_enforce_dev_resv_regions(s, ioas, 0, false);
    expect(r.swMsiStart).toBeUndefined();
    expect(ioasOf(r.res.state, ioas).reserved).toEqual([
      { start: 0x800_0000n, last: 0x80f_ffffn, owner: devOwner(0) },
    ]);
  });

  it("SW_MSI together with MSI is a WARN and -EINVAL that drops the device's reservations, the SW_MSI start still written", () => {
    const [s, ioas] = withResv([SW_MSI, HW_MSI]);
    const r = iopt_table_enforce_dev_resv_regions(s, ioas, 0, true);
    expect(r.swMsiStart).toBe(0x800_0000n);
    expect(r.res.ok ? 'ok' : r.res.errno).toBe('EINVAL');
    expect(ioasOf(r.res.state, ioas).reserved).toEqual([]);
    expect(warnings(r.res.state)).toEqual([{ kind: 'warn', text: SANE_WARNING }]);
  });

  it('two SW_MSI regions are a WARN and -EINVAL; the second start is the one written', () => {
    const [s, ioas] = withResv([SW_MSI, region('SW_MSI', 0x900_0000n, 0x1000n)]);
    const r = iopt_table_enforce_dev_resv_regions(s, ioas, 0, true);
    expect(r.swMsiStart).toBe(0x900_0000n);
    expect(r.res.ok ? 'ok' : r.res.errno).toBe('EINVAL');
    expect(warnings(r.res.state)).toEqual([{ kind: 'warn', text: SANE_WARNING }]);
  });

  it('a single MSI region, or MSI with SW_MSI on the replace path, is sane: no warning', () => {
    const [s1, ioas1] = withResv([HW_MSI]);
    const one = iopt_table_enforce_dev_resv_regions(s1, ioas1, 0, true);
    expect([one.res.ok, one.swMsiStart, warnings(one.res.state)]).toEqual([true, undefined, []]);
    const [s2, ioas2] = withResv([SW_MSI, HW_MSI]);
    const both = iopt_table_enforce_dev_resv_regions(s2, ioas2, 0, false);
    expect([both.res.ok, warnings(both.res.state)]).toEqual([true, []]);
    expect(ioasOf(both.res.state, ioas2).reserved).toHaveLength(2);
  });

  it("a region over an area is -EADDRINUSE: the device's earlier reservations go, other owners' stay", () => {
    const [s0, ioas] = withResv([region('RESERVED', 0x1_0000n, 0x1000n), SW_MSI]);
    const other = iommufd_test_add_reserved(s0, ioas, 0x5_0000n, 0x1000n).state;
    const s = iommufd_ioas_map(other, ioas, 0x80f_f000n, 0x1000n).state;
    const r = iopt_table_enforce_dev_resv_regions(s, ioas, 0, true);
    expect(r.res.ok ? 'ok' : r.res.errno).toBe('EADDRINUSE');
    expect(ioasOf(r.res.state, ioas).reserved).toEqual([{ start: 0x5_0000n, last: 0x5_0fffn, owner: null }]);
    expect(r.swMsiStart).toBe(0x800_0000n);
  });
});

describe('iopt_table_add_domain / iopt_table_remove_domain', () => {
  const withDomain = (
    patch: { pgsize?: bigint; aperture?: { start: bigint; last: bigint } } = {},
    mock = false,
  ) => {
    const [s0, ioas] = fresh();
    const [s1, id] = allocDomain(s0, 'UNMANAGED', ICTX, undefined, { driver: mock ? 'mock' : 'iommu' });
    return { s: setDomain(s1, { ...domainOf(s1, id), ...patch }), ioas, id };
  };

  it("iova_alignment becomes the domain's smallest page; above PAGE_SIZE it is -EINVAL (PAGE_SIZE itself is accepted)", () => {
    const big = withDomain({ pgsize: 0x2000n });
    expect(iopt_table_add_domain(big.s, big.ioas, big.id)).toEqual({
      ok: false,
      state: big.s,
      errno: 'EINVAL',
    });
    const page = withDomain({ pgsize: 0x1000n });
    const r = iopt_table_add_domain(page.s, page.ioas, page.id);
    expect(ioasOf(r.state, page.ioas)).toMatchObject({ alignment: 0x1000n, hwpts: [page.id] });
  });

  it('an existing area not aligned to the new iova_alignment (start or length) is -EADDRINUSE', () => {
    const d = withDomain({ pgsize: 0x1000n });
    for (const [iova, length, expected] of [
      [0x1800n, 0x1000n, 'EADDRINUSE'],
      [0x1000n, 0x1800n, 'EADDRINUSE'],
      [0x1000n, 0x2000n, 'ok'],
    ] as const) {
      const s = iommufd_ioas_map(d.s, d.ioas, iova, length).state;
      const r = iopt_table_add_domain(s, d.ioas, d.id);
      expect([iova, length, r.ok ? 'ok' : r.errno]).toEqual([iova, length, expected]);
    }
  });

  it('the default aperture [0, 2^48 - 1] reserves only [2^48, ULONG_MAX] for the domain', () => {
    const d = withDomain();
    const r = iopt_table_add_domain(d.s, d.ioas, d.id);
    expect(ioasOf(r.state, d.ioas).reserved).toEqual([
      { start: 0x1_0000_0000_0000n, last: ULONG_MAX, owner: domainOwner(d.id) },
    ]);
  });

  it('the mock aperture reserves both edges; an aperture ending at ULONG_MAX reserves no upper edge', () => {
    const m = withDomain({}, true);
    const r = iopt_table_add_domain(m.s, m.ioas, m.id);
    expect(ioasOf(r.state, m.ioas)).toMatchObject({
      alignment: 0x800n,
      reserved: [
        { start: 0n, last: MOCK_APERTURE.start - 1n, owner: domainOwner(m.id) },
        { start: MOCK_APERTURE.last + 1n, last: ULONG_MAX, owner: domainOwner(m.id) },
      ],
    });
    const top = withDomain({ aperture: { start: 0x1000n, last: ULONG_MAX } });
    const t = iopt_table_add_domain(top.s, top.ioas, top.id);
    expect(ioasOf(t.state, top.ioas).reserved).toEqual([
      { start: 0n, last: 0xfffn, owner: domainOwner(top.id) },
    ]);
  });

  it('an area outside the aperture is -EADDRINUSE and nothing changes', () => {
    const m = withDomain({}, true);
    const s = iommufd_ioas_map(m.s, m.ioas, 0x1000n, 0x1000n).state;
    expect(iopt_table_add_domain(s, m.ioas, m.id)).toEqual({ ok: false, state: s, errno: 'EADDRINUSE' });
  });

  it('existing areas are filled into the domain; removing it unmaps them, drops its edges and recomputes iova_alignment from 1', () => {
    const m = withDomain({}, true);
    const s = iommufd_ioas_map(m.s, m.ioas, MOCK_APERTURE.start, 0x2000n).state;
    const added = iopt_table_add_domain(s, m.ioas, m.id);
    const page = MOCK_APERTURE.start >> 12n;
    expect([...domainOf(added.state, m.id).pages.keys()]).toEqual([page, page + 1n]);
    const removed = iopt_table_remove_domain(added.state, m.ioas, m.id);
    expect(domainOf(removed, m.id).pages.size).toBe(0);
    expect(ioasOf(removed, m.ioas)).toMatchObject({ alignment: 1n, hwpts: [], reserved: [] });
  });

  it('removing one of two domains keeps the larger smallest-page of the rest', () => {
    const m = withDomain({ pgsize: 0x1000n });
    const s1 = iopt_table_add_domain(m.s, m.ioas, m.id).state;
    const [s2, second] = allocDomain(s1, 'UNMANAGED', ICTX, undefined, { driver: 'mock' });
    const s3 = iopt_table_add_domain(s2, m.ioas, second).state;
    expect(ioasOf(s3, m.ioas).alignment).toBe(0x1000n);
    expect(ioasOf(iopt_table_remove_domain(s3, m.ioas, second), m.ioas).alignment).toBe(0x1000n);
    expect(ioasOf(iopt_table_remove_domain(s3, m.ioas, m.id), m.ioas).alignment).toBe(0x800n);
  });
});
