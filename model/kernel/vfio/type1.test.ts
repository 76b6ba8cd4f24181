import { describe, expect, it } from 'vitest';
import { deviceDomain } from '../../platform/edit.ts';
import type { ResvRegion, State } from '../../platform/state.ts';
import { ULONG_MAX } from '../interval.ts';
import { armIts, assign, run, setup, topo } from '../testing.ts';
import {
  containerOf,
  VFIO_MAP_PROT,
  vfio_dma_do_map,
  vfio_iommu_has_sw_msi,
  vfio_iommu_iova_ranges,
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

  it('an empty valid list (a container without an IOMMU domain) accepts any range', () => {
    const s = attached();
    expect(mapAt(s, 0x800_0000n, 0x1000n)).toBe('EINVAL');
    expect(errnoOf(vfio_dma_do_map(s, 'userspace:9', 0x800_0000n, 0x1000n))).toBe('ok');
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

  it('after the last group left, the empty container accepts a map anywhere again (an empty domain list maps nothing)', () => {
    const s = release(release(two(), 1).state, 0).state;
    expect(mapAt(s, 0x800_0000n, 0x1000n)).toBe('ok');
  });
});
