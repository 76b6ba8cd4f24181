import { describe, expect, it } from 'vitest';
import { build } from '../../platform/build.ts';
import { deviceDomain, warn } from '../../platform/edit.ts';
import type { Device, ResvRegion, State, Type1Container } from '../../platform/state.ts';
import { ULONG_MAX } from '../interval.ts';
import { armIts, armV2m, assign, run, setup, topo } from '../testing.ts';
import {
  containerOf,
  VFIO_MAP_PROT,
  vfio_container_iova_ranges,
  vfio_dma_do_map,
  vfio_iommu_has_sw_msi,
  vfio_iommu_iova_ranges,
  vfio_iommu_type1_attach_group,
  vfio_iommu_type1_detach_group,
} from './type1.ts';

/** drivers/vfio/vfio_iommu_type1.c (Linux 7.0), VFIO_TYPE1v2_IOMMU on SMMUv3 (MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH 0x100000). */
const TOKEN = 'userspace:0';
const attached = () => setup(armIts(), topo([{}]), [assign(0, 'type1')]);
const errnoOf = (r: { ok: boolean; errno?: string }) => (r.ok ? 'ok' : r.errno);
const mapAt = (s: State, iova: bigint, size: bigint) => errnoOf(vfio_dma_do_map(s, TOKEN, iova, size));

describe('vfio_iommu_type1_attach_group: the valid IOVA list (vfio_iommu_aper_resize, vfio_iommu_resv_exclude)', () => {
  it('the SMMUv3 aperture [0, 2^48 - 1] with the SW_MSI window cut out', () => {
    expect(vfio_iommu_iova_ranges(attached(), TOKEN)).toEqual([
      { start: 0n, last: 0x7ff_ffffn },
      { start: 0x810_0000n, last: 0xffff_ffff_ffffn },
    ]);
  });
});

describe('vfio_dma_do_map (VFIO_IOMMU_MAP_DMA)', () => {
  it('size 0 is -EINVAL', () => {
    expect(mapAt(attached(), 0x1000_0000n, 0n)).toBe('EINVAL');
  });

  it('iova + size - 1 past ULONG_MAX is -EOVERFLOW; ending at ULONG_MAX passes it (and is outside the list: -EINVAL)', () => {
    const s = attached();
    expect(mapAt(s, ULONG_MAX - 0xfffn, 0x1000n)).toBe('EINVAL');
    expect(mapAt(s, ULONG_MAX - 0xfffn, 0x2000n)).toBe('EOVERFLOW');
  });

  it('size or iova not a multiple of the smallest IOMMU page is -EINVAL', () => {
    const s = attached();
    expect([
      mapAt(s, 0x1000_0800n, 0x1000n),
      mapAt(s, 0x1000_0000n, 0x800n),
      mapAt(s, 0x1000_0000n, 0x1800n),
      mapAt(s, 0x1000_0000n, 0x1000n),
    ]).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'ok']);
  });

  it('overlapping an existing DMA is -EEXIST; ranges touching it on either side are mapped (vfio_find_dma)', () => {
    const r = vfio_dma_do_map(attached(), TOKEN, 0x1000_0000n, 0x2000n);
    const s = r.state;
    expect([
      mapAt(s, 0x0fff_f000n, 0x1000n),
      mapAt(s, 0x0fff_f000n, 0x2000n),
      mapAt(s, 0x1000_1000n, 0x1000n),
      mapAt(s, 0x1000_1000n, 0x2000n),
      mapAt(s, 0x1000_2000n, 0x1000n),
    ]).toEqual(['ok', 'EEXIST', 'EEXIST', 'EEXIST', 'ok']);
  });

  it('no DMA entries left (dma_avail 0) is -ENOSPC; the last entry is still given', () => {
    const s0 = attached();
    const withAvail = (n: number): State => ({
      ...s0,
      type1: new Map(s0.type1).set(TOKEN, { ...containerOf(s0, TOKEN), dmaAvail: n }),
    });
    expect(mapAt(withAvail(0), 0x1000_0000n, 0x1000n)).toBe('ENOSPC');
    const last = vfio_dma_do_map(withAvail(1), TOKEN, 0x1000_0000n, 0x1000n);
    expect(containerOf(last.state, TOKEN).dmaAvail).toBe(0);
    expect(containerOf(attached(), TOKEN).dmaAvail).toBe(65535);
  });

  it('the checks come in vfio_dma_do_map order: size 0 (-EINVAL) and an overlap (-EEXIST) before dma_avail 0 (-ENOSPC)', () => {
    // drivers/vfio/vfio_iommu_type1.c vfio_dma_do_map: `if (!size) return -EINVAL` first, then
    // vfio_find_dma → -EEXIST, then `if (!iommu->dma_avail)` → -ENOSPC.
    const s0 = attached();
    const withAvail = (n: number): State => ({
      ...s0,
      type1: new Map(s0.type1).set(TOKEN, { ...containerOf(s0, TOKEN), dmaAvail: n }),
    });
    expect(mapAt(withAvail(0), 0x1000_0000n, 0n)).toBe('EINVAL');
    const full = vfio_dma_do_map(withAvail(1), TOKEN, 0x1000_0000n, 0x2000n);
    expect(full.ok).toBe(true);
    expect(containerOf(full.state, TOKEN).dmaAvail).toBe(0);
    expect(mapAt(full.state, 0x1000_1000n, 0x1000n)).toBe('EEXIST');
    expect(mapAt(full.state, 0x2000_0000n, 0x1000n)).toBe('ENOSPC');
  });

  it('an empty valid IOVA list accepts any range (vfio_iommu_iova_dma_valid: `return list_empty(iova)`, the single-mdev container)', () => {
    const s0 = attached();
    const s: State = {
      ...s0,
      type1: new Map(s0.type1).set(TOKEN, { ...containerOf(s0, TOKEN), iovas: [] }),
    };
    expect(mapAt(s, 0x1000_0000n, 0x1000n)).toBe('ok');
  });

  it('a range not inside one valid IOVA range is -EINVAL (vfio_iommu_iova_dma_valid): around the SW_MSI window and the aperture top', () => {
    const s = attached();
    expect([
      mapAt(s, 0x7ff_f000n, 0x1000n),
      mapAt(s, 0x7ff_f000n, 0x2000n),
      mapAt(s, 0x800_0000n, 0x1000n),
      mapAt(s, 0x80f_f000n, 0x1000n),
      mapAt(s, 0x810_0000n, 0x1000n),
      mapAt(s, 0xffff_ffff_f000n, 0x1000n),
      mapAt(s, 0xffff_ffff_f000n, 0x2000n),
    ]).toEqual(['ok', 'EINVAL', 'EINVAL', 'EINVAL', 'ok', 'ok', 'EINVAL']);
  });

  it('a container no group was ever set on has no IOMMU driver: a map is -EINVAL even where the IOVA is free (drivers/vfio/container.c vfio_fops_unl_ioctl)', () => {
    const s = attached();
    expect(mapAt(s, 0x800_0000n, 0x1000n)).toBe('EINVAL');
    expect(errnoOf(vfio_dma_do_map(s, 'userspace:9', 0x1000_0000n, 0x1000n))).toBe('EINVAL');
    expect(mapAt(s, 0x1000_0000n, 0x1000n)).toBe('ok');
  });

  it('success: the DMA is recorded from fresh user pages, mapped READ|WRITE|CACHE into the domain, one entry used', () => {
    const s = attached();
    const r = vfio_dma_do_map(s, TOKEN, 0x1000_0000n, 0x2000n);
    expect(r.ok).toBe(true);
    const c = containerOf(r.state, TOKEN);
    expect(c.dmas).toEqual([{ iova: 0x1000_0000n, size: 0x2000n, ppn: s.nextRamPage }]);
    expect(c.dmaAvail).toBe(65534);
    expect(r.state.nextRamPage).toBe(s.nextRamPage + 2n);
    expect(deviceDomain(r.state, 0).pages.get(0x1_0000n)).toEqual({
      ppn: s.nextRamPage,
      origin: 'user',
      prot: VFIO_MAP_PROT,
    });
    expect(deviceDomain(r.state, 0).pages.get(0x1_0001n)).toEqual({
      ppn: s.nextRamPage + 1n,
      origin: 'user',
      prot: VFIO_MAP_PROT,
    });
  });

  it('with a physical address (a design uAPI mapping a doorbell) no user memory is taken', () => {
    const s = attached();
    const r = vfio_dma_do_map(s, TOKEN, 0x1000_0000n, 0x1000n, 0x800_0000n);
    expect(r.state.nextRamPage).toBe(s.nextRamPage);
    expect(containerOf(r.state, TOKEN).dmas).toEqual([{ iova: 0x1000_0000n, size: 0x1000n, ppn: 0x8000n }]);
  });

  it('VFIO_MAP_PROT is IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE (vfio_iommu_map; include/linux/iommu.h)', () => {
    expect(VFIO_MAP_PROT).toBe(7);
  });
});

describe('vfio_iommu_has_sw_msi', () => {
  const r = (type: ResvRegion['type'], start: bigint): ResvRegion => ({ type, start, length: 0x1000n });
  it('the SW_MSI start, the last one when there are several; none with any MSI region, before or after', () => {
    expect(vfio_iommu_has_sw_msi([])).toBeUndefined();
    expect(vfio_iommu_has_sw_msi([r('RESERVED', 0x1000n)])).toBeUndefined();
    expect(vfio_iommu_has_sw_msi([r('RESERVED', 0x1000n), r('SW_MSI', 0x800_0000n)])).toBe(0x800_0000n);
    expect(vfio_iommu_has_sw_msi([r('SW_MSI', 0x800_0000n), r('SW_MSI', 0x900_0000n)])).toBe(0x900_0000n);
    expect(vfio_iommu_has_sw_msi([r('SW_MSI', 0x800_0000n), r('MSI', 0xfee0_0000n)])).toBeUndefined();
    expect(vfio_iommu_has_sw_msi([r('MSI', 0xfee0_0000n), r('SW_MSI', 0x800_0000n)])).toBeUndefined();
  });
});

describe('vfio_iommu_type1_attach_group / detach_group with two groups in one container', () => {
  const SMMU_LIST = [
    { start: 0n, last: 0x7ff_ffffn },
    { start: 0x810_0000n, last: 0xffff_ffff_ffffn },
  ];
  const two = () => setup(armIts(), topo([{}, {}]), [assign(0, 'type1'), assign(1, 'type1')]);
  const release = (s: State, group: number) => run(s, [{ op: 'vfio_group_release', group }]);

  it("the second group joins the first group's domain (same driver ops): one domain, both groups on it", () => {
    const c = containerOf(two(), TOKEN);
    expect(c.domains).toHaveLength(1);
    expect([...c.groups.entries()]).toEqual([
      [0, c.domains[0]],
      [1, c.domains[0]],
    ]);
    expect(c.iovas).toEqual(SMMU_LIST);
  });

  it('a DMA mapped before the second group joins is in the shared domain for both devices', () => {
    const s0 = setup(armIts(), topo([{}, {}]), [assign(0, 'type1')]);
    const s1 = vfio_dma_do_map(s0, TOKEN, 0x1000_0000n, 0x1000n).state;
    const { state, results } = run(s1, [assign(1, 'type1')]);
    expect(results).toEqual([{ ok: true }]);
    expect(deviceDomain(state, 1).pages.get(0x1_0000n)).toEqual({
      ppn: s0.nextRamPage,
      origin: 'user',
      prot: VFIO_MAP_PROT,
    });
  });

  it('releasing one group keeps the domain, the DMAs and the list; releasing the last frees the domain, every DMA, and widens the list to [0, ULONG_MAX]', () => {
    const s = vfio_dma_do_map(two(), TOKEN, 0x1000_0000n, 0x1000n).state;
    const one = release(s, 1);
    expect(one.results).toEqual([{ ok: true }]);
    const c1 = containerOf(one.state, TOKEN);
    expect([c1.domains, [...c1.groups.keys()], c1.dmas.length, c1.iovas]).toEqual([
      containerOf(s, TOKEN).domains,
      [0],
      1,
      SMMU_LIST,
    ]);
    const none = release(one.state, 0);
    const c0 = containerOf(none.state, TOKEN);
    expect([c0.domains, c0.groups.size, c0.dmas, c0.iovas]).toEqual([
      [],
      0,
      [],
      [{ start: 0n, last: ULONG_MAX }],
    ]);
  });

  it('after the last group left, the container has no IOMMU driver and a map is -EINVAL (drivers/vfio/container.c __vfio_container_detach_group releases the driver; vfio_fops_unl_ioctl: no driver → -EINVAL)', () => {
    const s = release(release(two(), 1).state, 0).state;
    expect(mapAt(s, 0x800_0000n, 0x1000n)).toBe('EINVAL');
    expect(errnoOf(vfio_container_iova_ranges(s, TOKEN))).toBe('EINVAL');
    expect(vfio_container_iova_ranges(two(), TOKEN)).toMatchObject({ ok: true, value: [{ start: 0n }, {}] });
  });
});

/** A booted state whose device `i` is patched (reserved regions, the mock driver), before any VFIO op. */
const patched = (s: State, i: number, p: Partial<Device>): State => ({
  ...s,
  devices: s.devices.map((d) => (d.index === i ? { ...d, ...p } : d)),
});
/** The TOKEN container with its fields set as a previous history of the container left them. */
const seeded = (s: State, c: Partial<Type1Container>): State => ({
  ...s,
  type1: new Map(s.type1).set(TOKEN, { ...containerOf(s, TOKEN), ...c }),
});
const withAperture = (s: State, start: bigint, last: bigint, pgsize = 0x1000n): State => ({
  ...s,
  geometry: { aperture: { start, last }, pgsize },
});
/** vfio_iommu_type1_attach_group of group 0 on `s`: the new valid IOVA list, or the errno. */
const listAfterAttach = (s: State) => {
  const r = vfio_iommu_type1_attach_group(s, TOKEN, 0);
  return r.ok ? vfio_iommu_iova_ranges(r.state, TOKEN) : r.errno;
};
const TOP = 0xffff_ffff_ffffn;

describe('vfio_iommu_type1_attach_group: vfio_iommu_aper_conflict (a DMA the new aperture would leave out is -EINVAL)', () => {
  const LIST = [{ start: 0x100_0000n, last: 0x7fff_ffffn }];
  const dma = (iova: bigint) => ({ iova, size: 0x1000n, ppn: 0x4_0000n });
  const at = (iova: bigint, start: bigint, last: bigint) =>
    listAfterAttach(
      withAperture(seeded(build(armIts(), topo([{}])), { iovas: LIST, dmas: [dma(iova)] }), start, last),
    );

  it('a DMA below the new aperture start conflicts; one at the new start does not (vfio_find_dma(first->start, start - first->start))', () => {
    expect(at(0x100_0000n, 0x100_1000n, TOP)).toBe('EINVAL');
    expect(at(0x200_0000n, 0x200_0000n, TOP)).toEqual([
      { start: 0x200_0000n, last: 0x7ff_ffffn },
      { start: 0x810_0000n, last: 0x7fff_ffffn },
    ]);
  });

  it('a DMA above the new aperture end conflicts; one ending at the new end does not (vfio_find_dma(end + 1, last->end - end))', () => {
    expect(at(0x7fff_f000n, 0n, 0x7fff_efffn)).toBe('EINVAL');
    expect(at(0x7fff_e000n, 0n, 0x7fff_efffn)).toEqual([
      { start: 0x100_0000n, last: 0x7ff_ffffn },
      { start: 0x810_0000n, last: 0x7fff_efffn },
    ]);
  });
});

describe('vfio_iommu_type1_attach_group: vfio_iommu_aper_resize clips an existing list to the new aperture', () => {
  const A = { start: 0x1000_0000n, last: 0x1fff_ffffn };
  const B = { start: 0x3000_0000n, last: 0x3fff_ffffn };
  const at = (start: bigint, last: bigint) =>
    listAfterAttach(withAperture(seeded(build(armIts(), topo([{}])), { iovas: [A, B] }), start, last));

  it('an aperture covering the list leaves it as it is (the existing holes stay)', () => {
    expect(at(0n, TOP)).toEqual([A, B]);
  });

  it('the start: a range holding it is cut there; ranges ending at or below it are deleted', () => {
    expect(at(0x1800_0000n, TOP)).toEqual([{ start: 0x1800_0000n, last: A.last }, B]);
    expect(at(0x2800_0000n, TOP)).toEqual([B]);
    // start == node->end: "start >= node->start && start < node->end" fails, the node goes
    expect(at(A.last, TOP)).toEqual([B]);
  });

  it('the end: a range holding it is cut there; ranges starting at or above it are deleted', () => {
    expect(at(0n, 0x17ff_ffffn)).toEqual([{ start: A.start, last: 0x17ff_ffffn }]);
    // end == node->start: "end > node->start && end <= node->end" fails, the node goes
    expect(at(0n, B.start)).toEqual([A]);
  });

  it('a group without reserved regions gets the clipped list itself, the deleted ranges gone', () => {
    const s = seeded(patched(build(armIts(), topo([{}])), 0, { resv: [] }), { iovas: [A, B] });
    expect(listAfterAttach(withAperture(s, 0n, 0x17ff_ffffn))).toEqual([
      { start: A.start, last: 0x17ff_ffffn },
    ]);
  });
});

describe('vfio_iommu_type1_attach_group: vfio_iommu_resv_exclude cuts the SW_MSI window [0x8000000, 0x80fffff] out of the aperture', () => {
  const at = (start: bigint, last: bigint) =>
    listAfterAttach(withAperture(build(armIts(), topo([{}])), start, last));

  it('a window outside the aperture, above or below, leaves it whole', () => {
    expect(at(0n, 0x6ff_ffffn)).toEqual([{ start: 0n, last: 0x6ff_ffffn }]);
    expect(at(0x900_0000n, TOP)).toEqual([{ start: 0x900_0000n, last: TOP }]);
  });

  it('a window touching the aperture by one byte at either end still cuts it (a > n->end || b < n->start is no overlap)', () => {
    expect(at(0n, 0x800_0000n)).toEqual([{ start: 0n, last: 0x7ff_ffffn }]);
    expect(at(0x80f_ffffn, TOP)).toEqual([{ start: 0x810_0000n, last: TOP }]);
  });

  it('a window at the very start or end of the aperture leaves only the part on the other side', () => {
    expect(at(0x800_0000n, TOP)).toEqual([{ start: 0x810_0000n, last: TOP }]);
    expect(at(0n, 0x80f_ffffn)).toEqual([{ start: 0n, last: 0x7ff_ffffn }]);
  });

  it('an aperture inside the window leaves nothing: -EINVAL', () => {
    expect(at(0x800_0000n, 0x80f_ffffn)).toBe('EINVAL');
  });
});

describe('vfio_iommu_type1_attach_group: pgsize, replay, errors', () => {
  it('the container page size is the largest smallest-page of its domains, never below PAGE_SIZE (vfio_update_pgsize_bitmap)', () => {
    const big = vfio_iommu_type1_attach_group(
      withAperture(build(armIts(), topo([{}])), 0n, TOP, 0x1_0000n),
      TOKEN,
      0,
    );
    expect([mapAt(big.state, 0x1000_0000n, 0x1000n), mapAt(big.state, 0x1000_0000n, 0x1_0000n)]).toEqual([
      'EINVAL',
      'ok',
    ]);
    expect(containerOf(big.state, TOKEN).pgsize).toBe(0x1_0000n);
    // a 64 KiB PAGE_SIZE kernel over 4 KiB IOMMU pages: "pgsize_bitmap & ~PAGE_MASK" → PAGE_SIZE
    const s64 = { ...build(armIts(), topo([{}])), pageSize: 0x1_0000n };
    const small = vfio_iommu_type1_attach_group(s64, TOKEN, 0);
    expect(containerOf(small.state, TOKEN).pgsize).toBe(0x1_0000n);
  });

  it('the DMAs of the container are replayed into the new domain as user READ|WRITE|CACHE pages (vfio_iommu_replay)', () => {
    const s = seeded(build(armIts(), topo([{}])), {
      dmas: [{ iova: 0x1000_0000n, size: 0x1000n, ppn: 0x4_0000n }],
    });
    const r = vfio_iommu_type1_attach_group(s, TOKEN, 0);
    expect(r.ok).toBe(true);
    expect(deviceDomain(r.state, 0).pages.get(0x1_0000n)).toEqual({
      ppn: 0x4_0000n,
      origin: 'user',
      prot: VFIO_MAP_PROT,
    });
  });

  it('a DMA the new domain cannot map (not aligned to its 64 KiB pages) fails the attach with the iommu_map error (vfio_iommu_replay)', () => {
    const s = seeded(withAperture(build(armIts(), topo([{}])), 0n, TOP, 0x1_0000n), {
      dmas: [{ iova: 0x1000_1000n, size: 0x1000n, ppn: 0x4_0000n }],
    });
    expect(errnoOf(vfio_iommu_type1_attach_group(s, TOKEN, 0))).toBe('EINVAL');
  });

  it('a group already attached to another domain is -EBUSY from iommu_attach_group, state untouched', () => {
    const s = attached();
    const r = vfio_iommu_type1_attach_group(s, 'userspace:9', 0);
    expect(errnoOf(r)).toBe('EBUSY');
    expect(r.state).toBe(s);
  });

  it('a failed attach keeps the warnings printed before it once, adding only its own (unwound)', () => {
    const s = warn(build(armV2m(), topo([{}])), 'earlier');
    const r = vfio_iommu_type1_attach_group(s, TOKEN, 0);
    expect(errnoOf(r)).toBe('EPERM');
    expect(r.state.events.map((e) => (e.kind === 'warn' ? e.text : e.kind))).toEqual([
      'earlier',
      'vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform',
    ]);
  });
});

describe('vfio_iommu_type1_detach_group', () => {
  it('a group not in the container changes nothing', () => {
    const s0 = setup(armIts(), topo([{}, {}]), [assign(0, 'type1')]);
    const s = vfio_dma_do_map(s0, TOKEN, 0x1000_0000n, 0x1000n).state;
    expect(vfio_iommu_type1_detach_group(s, TOKEN, 1)).toBe(s);
  });

  it('the regions of a leaving group are no longer cut out of the list (vfio_iommu_resv_refresh)', () => {
    const rsv: ResvRegion = { type: 'RESERVED', start: 0x2000_0000n, length: 0x10_0000n };
    const b = build(armIts(), topo([{}, {}]));
    const s0 = patched(b, 1, { resv: [...(b.devices[1]?.resv ?? []), rsv] });
    const s = run(s0, [assign(0, 'type1'), assign(1, 'type1')]).state;
    expect(vfio_iommu_iova_ranges(s, TOKEN)).toEqual([
      { start: 0n, last: 0x7ff_ffffn },
      { start: 0x810_0000n, last: 0x1fff_ffffn },
      { start: 0x2010_0000n, last: TOP },
    ]);
    const left = vfio_iommu_type1_detach_group(s, TOKEN, 1);
    expect(vfio_iommu_iova_ranges(left, TOKEN)).toEqual([
      { start: 0n, last: 0x7ff_ffffn },
      { start: 0x810_0000n, last: TOP },
    ]);
  });

  it('the last domain gone, the list is widened to [0, ULONG_MAX] even from an aperture not starting at 0 (vfio_iommu_aper_expand)', () => {
    const s = vfio_iommu_type1_attach_group(
      withAperture(build(armIts(), topo([{}])), 0x1000_0000n, TOP),
      TOKEN,
      0,
    ).state;
    expect(vfio_iommu_iova_ranges(s, TOKEN)[0]?.start).toBe(0x1000_0000n);
    expect(vfio_iommu_iova_ranges(vfio_iommu_type1_detach_group(s, TOKEN, 0), TOKEN)).toEqual([
      { start: 0n, last: ULONG_MAX },
    ]);
  });

  it('two domains (a second driver, the iommufd mock driver with aperture [2^24, 2^31 - 1]): freeing one keeps the DMAs and the other domain, and the list takes the remaining aperture (vfio_iommu_type1_detach_group, vfio_iommu_aper_expand)', () => {
    const s0 = patched(build(armIts(), topo([{}, {}])), 1, { mock: true, resv: [] });
    const s1 = run(s0, [assign(0, 'type1'), assign(1, 'type1')]).state;
    const s = vfio_dma_do_map(s1, TOKEN, 0x1000_0000n, 0x1000n).state;
    const c = containerOf(s, TOKEN);
    expect(c.domains).toHaveLength(2);
    const left = containerOf(vfio_iommu_type1_detach_group(s, TOKEN, 0), TOKEN);
    expect([left.domains, left.dmas.length, left.iovas]).toEqual([
      [c.groups.get(1)],
      1,
      [{ start: 0x100_0000n, last: 0x7fff_ffffn }],
    ]);
  });
});

describe('vfio_dma_do_map on a container without a domain', () => {
  it('size 0 is -EINVAL and an overlap with a recorded DMA -EEXIST (vfio_dma_do_map: !size, vfio_find_dma)', () => {
    const s = vfio_dma_do_map(attached(), TOKEN, 0x1000_0000n, 0x2000n).state;
    expect(mapAt(s, 0x2000_0000n, 0n)).toBe('EINVAL');
    expect(mapAt(s, 0x1000_1000n, 0x1000n)).toBe('EEXIST');
  });
});
