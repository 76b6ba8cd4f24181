import { describe, expect, it } from 'vitest';
import { build } from '../../platform/build.ts';
import { deviceOf, domainOf, ioasOf, setDevice, setDomain, setIoas } from '../../platform/edit.ts';
import type { ResvRegion, State } from '../../platform/state.ts';
import { ULONG_MAX } from '../interval.ts';
import { allocDomain, MOCK_APERTURE } from '../iommu/domain.ts';
import { iommu_map } from '../iommu/pgtable.ts';
import { armIts, topo } from '../testing.ts';
import { iommufd_ioas_alloc } from './ctx.ts';
import {
  devOwner,
  domainOwner,
  iopt_alloc_iova,
  iopt_check_iova,
  iopt_map_pages,
  iopt_remove_reserved_iova,
  iopt_reserve_iova,
  iopt_table_add_domain,
  iopt_table_enforce_dev_resv_regions,
  iopt_table_remove_domain,
  iopt_unmap_iova_range,
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

describe('iopt_alloc_iova (drivers/iommu/iommufd/io_pagetable.c iopt_alloc_iova, __alloc_iova_check_range)', () => {
  const TOP = ULONG_MAX + 1n;
  const errOf = (r: { ok: boolean; errno?: string; value?: unknown }) => (r.ok ? r.value : r.errno);

  it('length 0 is -EOVERFLOW (the roundup_pow_of_two guard)', () => {
    const [s, ioas] = fresh();
    expect(errOf(iopt_alloc_iova(s, ioasOf(s, ioas), 0n))).toBe('EOVERFLOW');
  });

  it('alignment is roundup_pow_of_two(length) below HPAGE_SIZE (2 MiB with 4 KiB pages): 1 MiB lands at 1 MiB, not at PAGE_SIZE', () => {
    const [s, ioas] = fresh();
    expect(errOf(iopt_alloc_iova(s, ioasOf(s, ioas), 0x10_0000n))).toBe(0x10_0000n);
  });

  it('with 16 KiB pages (HPAGE_SIZE 32 MiB) the 2 MiB user-buffer alignment caps a 4 MiB length: it lands at 2 MiB', () => {
    const [s0, ioas] = fresh();
    const s = { ...s0, pageSize: 0x4000n };
    expect(errOf(iopt_alloc_iova(s, ioasOf(s, ioas), 0x40_0000n))).toBe(0x20_0000n);
  });

  it('an alignment below iova_alignment is -EINVAL', () => {
    const [s, ioas] = fresh();
    expect(errOf(iopt_alloc_iova(s, { ...ioasOf(s, ioas), alignment: 0x1000n }, 0x800n))).toBe('EINVAL');
  });

  it('allowed ranges are walked within [PAGE_SIZE, ULONG_MAX - PAGE_SIZE]: an allowed range only in the top page gives -ENOSPC', () => {
    const [s, ioas] = fresh();
    const a = { ...ioasOf(s, ioas), allowed: [{ start: TOP - 0x1000n, last: ULONG_MAX }] };
    expect(errOf(iopt_alloc_iova(s, a, 0x1000n))).toBe('ENOSPC');
  });

  it('an allowed range too small for the length is skipped and the next one is used', () => {
    const [s, ioas] = fresh();
    const allowed = [
      { start: 0x1000n, last: 0x1fffn },
      { start: 0x10_0000n, last: 0x1f_ffffn },
    ];
    expect(errOf(iopt_alloc_iova(s, { ...ioasOf(s, ioas), allowed }, 0x2000n))).toBe(0x10_0000n);
  });

  it('ALIGN_UP overflows only past ULONG_MAX: a hole at 2^64 - 2 MiB (or one byte below) still takes a 2 MiB-aligned IOVA there', () => {
    for (const holeStart of [TOP - 0x20_0000n, TOP - 0x20_0001n]) {
      const [s0, ioas] = fresh();
      const s = iopt_reserve_iova(s0, ioas, 0x1000n, holeStart - 1n, null).state;
      expect([holeStart, errOf(iopt_alloc_iova(s, ioasOf(s, ioas), 0x10_1000n))]).toEqual([
        holeStart,
        TOP - 0x20_0000n,
      ]);
    }
  });
});

describe('iopt_check_iova / iopt_map_pages / iopt_unmap_iova_range (drivers/iommu/iommufd/io_pagetable.c)', () => {
  const errOf = (r: { ok: boolean; errno?: string; value?: unknown }) => (r.ok ? r.value : r.errno);

  it('iopt_check_iova: an IOVA not aligned to iova_alignment is -EINVAL', () => {
    const [s, ioas] = fresh();
    expect(iopt_check_iova({ ...ioasOf(s, ioas), alignment: 0x1000n }, 0x1800n, 0x1000n)).toBe('EINVAL');
  });

  it('iopt_alloc_area_pages: a length not aligned to iova_alignment, or 0, is -EINVAL', () => {
    const [s0, ioas] = fresh();
    const s = setIoas(s0, { ...ioasOf(s0, ioas), alignment: 0x1000n });
    expect(errOf(iopt_map_pages(s, ioas, 0x1000n, 0x800n, 0n, 0))).toBe('EINVAL');
    expect(errOf(iopt_map_pages(s, ioas, 0x1000n, 0n, 0n, 0))).toBe('EINVAL');
  });

  it('a kernel-chosen IOVA (iova NULL) maps the area at the allocated IOVA', () => {
    const [s, ioas] = fresh();
    const r = iopt_map_pages(s, ioas, null, 0x1000n, 5n, 0);
    expect(errOf(r)).toBe(0x1000n);
    expect(ioasOf(r.state, ioas).areas).toEqual([{ start: 0x1000n, last: 0x1fffn, ppn: 5n, prot: 0 }]);
  });

  it('an area touching the range at one byte (its first byte is last, or its last byte is start) sticks out: -ENOENT; one outside is ignored', () => {
    const [s0, ioas] = fresh();
    const s = iopt_map_pages(s0, ioas, 0x1000n, 0x1000n, 0n, 0).state;
    expect(errOf(iopt_unmap_iova_range(s, ioas, 0n, 0x1000n))).toBe('ENOENT');
    expect(errOf(iopt_unmap_iova_range(s, ioas, 0x1fffn, 0x2fffn))).toBe('ENOENT');
    expect(errOf(iopt_unmap_iova_range(s, ioas, 0x3000n, 0x3fffn))).toBe(0n);
  });

  it('areas go in IOVA order: the first is removed before the second, which sticks out, fails -ENOENT', () => {
    const [s0, ioas] = fresh();
    const s1 = iopt_map_pages(s0, ioas, 0x1000n, 0x1000n, 0n, 0).state;
    const s = iopt_map_pages(s1, ioas, 0x4000n, 0x2000n, 0n, 0).state;
    const r = iopt_unmap_iova_range(s, ioas, 0x1000n, 0x4fffn);
    expect(errOf(r)).toBe('ENOENT');
    expect(ioasOf(r.state, ioas).areas.map((x) => x.start)).toEqual([0x4000n]);
  });

  it("unmapping an area drops only its pages from the IOAS's domains, not the adjacent area's", () => {
    const [s0, ioas] = fresh();
    const [s1, id] = allocDomain(s0, 'UNMANAGED', ICTX, undefined, { driver: 'iommu' });
    const s2 = iopt_table_add_domain(s1, ioas, id).state;
    const s3 = iopt_map_pages(s2, ioas, 0x1000n, 0x2000n, 0n, 0).state;
    const s = iopt_map_pages(s3, ioas, 0x3000n, 0x1000n, 0n, 0).state;
    const r = iopt_unmap_iova_range(s, ioas, 0x1000n, 0x2fffn);
    expect(errOf(r)).toBe(0x2000n);
    expect([...domainOf(r.state, id).pages.keys()]).toEqual([3n]);
  });

  it('iopt_remove_reserved_iova drops only the ranges of the owner named (each device owns its own)', () => {
    const [s0, ioas] = fresh();
    const s1 = iopt_reserve_iova(s0, ioas, 0x1000n, 0x1fffn, devOwner(0)).state;
    const s = iopt_reserve_iova(s1, ioas, 0x3000n, 0x3fffn, devOwner(1)).state;
    expect(ioasOf(iopt_remove_reserved_iova(s, ioas, devOwner(0)), ioas).reserved).toEqual([
      { start: 0x3000n, last: 0x3fffn, owner: devOwner(1) },
    ]);
  });

  it('iopt_table_remove_domain unmaps only the area pages, and iova_alignment is the largest smallest-page of the rest whatever their order', () => {
    const [s0, ioas] = fresh();
    const [s1, big] = allocDomain(s0, 'UNMANAGED', ICTX, undefined, { driver: 'iommu' });
    const [s2, mock] = allocDomain(s1, 'UNMANAGED', ICTX, undefined, { driver: 'iommu' });
    const [s3, gone] = allocDomain(s2, 'UNMANAGED', ICTX, undefined, { driver: 'iommu' });
    let s = setDomain(s3, { ...domainOf(s3, big), pgsize: 0x1000n });
    s = setDomain(s, { ...domainOf(s, mock), pgsize: 0x800n });
    for (const d of [big, mock, gone]) s = iopt_table_add_domain(s, ioas, d).state;
    s = iopt_map_pages(s, ioas, 0x1000n, 0x2000n, 0n, 0).state;
    s = iommu_map(s, gone, 0x3000n, 0n, 0x1000n, 0, 'user').state;
    const r = iopt_table_remove_domain(s, ioas, gone);
    expect(ioasOf(r, ioas).alignment).toBe(0x1000n);
    expect([...domainOf(r, gone).pages.keys()]).toEqual([3n]);
  });

  it('iopt_table_add_domain: an area the domain refuses to map (iommu_map -EEXIST over a page already there) fails and nothing changes; the WARN names io_pagetable.c', () => {
    expect(SANE_WARNING).toBe(
      'WARNING: at drivers/iommu/iommufd/io_pagetable.c iopt_table_enforce_dev_resv_regions',
    );
    const [s0, ioas] = fresh();
    const [s1, id] = allocDomain(s0, 'UNMANAGED', ICTX, undefined, { driver: 'iommu' });
    const s2 = iopt_map_pages(s1, ioas, 0x1000n, 0x1000n, 0n, 0).state;
    const s = iommu_map(s2, id, 0x1000n, 0n, 0x1000n, 0, 'user').state;
    expect(iopt_table_add_domain(s, ioas, id)).toEqual({ ok: false, state: s, errno: 'EEXIST' });
  });
});
