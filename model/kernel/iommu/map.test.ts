import { describe, expect, it } from 'vitest';
import { domainOf, groupOf } from '../../platform/edit.ts';
import { directRegionPage } from '../../platform/layout.ts';
import { armIts, assign, map, run, setup, topo, x86 } from '../testing.ts';
import { iommu_map } from './map.ts';

const BACKENDS = ['type1', 'iommufd'] as const;
/** A group owned by userspace through `backend` on SMMUv3 + ITS (SW_MSI window). */
const armOwned = (backend: (typeof BACKENDS)[number]) => setup(armIts(), topo([{}]), [assign(0, backend)]);

describe('iommu_map (VFIO_IOMMU_MAP_DMA / IOMMU_IOAS_MAP) into reserved ranges (docs/linux-policy.md#vfio-type1, docs/linux-policy.md#iommufd; docs/invariants.md#resv-exclusion)', () => {
  it('type1 refuses a map at the SW_MSI base 0x8000000 with -EINVAL (vfio_iommu_iova_dma_valid: vfio_iommu_resv_exclude cut SW_MSI from the IOVA list)', () => {
    expect(run(armOwned('type1'), [map(0, 0x800_0000n)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('type1 refuses the last page of the SW_MSI window and accepts the first page after it (vfio_iommu_iova_dma_valid)', () => {
    expect(
      run(armOwned('type1'), [map(0, 0x80f_f000n), map(0, 0x810_0000n), map(0, 0x7ff_f000n)]).results,
    ).toEqual([{ ok: false, errno: 'EINVAL' }, { ok: true }, { ok: true }]);
  });

  it('type1 on VT-d refuses maps inside the HW MSI window 0xFEE00000-0xFEEFFFFF with -EINVAL (vfio_iommu_iova_dma_valid; IOAPIC_RANGE is IOMMU_RESV_MSI)', () => {
    const s = setup(x86('vtd'), topo([{}]), [assign(0, 'type1')]);
    expect(run(s, [map(0, 0xfee0_0000n), map(0, 0xfeef_f000n), map(0, 0xfef0_0000n)]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: false, errno: 'EINVAL' },
      { ok: true },
    ]);
  });

  it('iommufd refuses a map into the SW_MSI window with -EINVAL (iopt_check_iova: reserved_itree intersects)', () => {
    expect(run(armOwned('iommufd'), [map(0, 0x800_0000n), map(0, 0x804_0000n)]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: false, errno: 'EINVAL' },
    ]);
  });

  it('iommufd on AMD-Vi refuses a map into the HW MSI window with -EINVAL (iopt_check_iova; MSI_RANGE reserved by iopt_table_enforce_dev_resv_regions)', () => {
    const s = setup(x86('amd'), topo([{}]), [assign(0, 'iommufd')]);
    expect(run(s, [map(0, 0xfee0_1000n)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it.each(BACKENDS)(
    '%s refuses a second map of an IOVA already mapped with -EEXIST (vfio_dma_do_map vfio_find_dma; iopt_check_iova area exists)',
    (backend) => {
      const { state, results } = run(armOwned(backend), [map(0, 0x1000_0000n), map(0, 0x1000_0000n)]);
      expect(results).toEqual([{ ok: true }, { ok: false, errno: 'EEXIST' }]);
      expect(domainOf(state, groupOf(state, 0).domain).pages.get(0x1_0000n)?.origin).toBe('user');
    },
  );

  it.each(BACKENDS)(
    '%s keeps a DIRECT_RELAXABLE range mappable (vfio_iommu_resv_exclude / iopt_table_enforce_dev_resv_regions skip RELAXABLE; docs/invariants.md#relaxable-regions-stay-mappable)',
    (backend) => {
      const s = setup(armIts(), topo([{ resv: ['direct-relaxable'] }]), [assign(0, backend)]);
      const { state, results } = run(s, [map(0, directRegionPage(0) << 12n)]);
      expect(results).toEqual([{ ok: true }]);
      expect(domainOf(state, groupOf(state, 0).domain).pages.get(directRegionPage(0))?.origin).toBe('user');
    },
  );

  it.each([
    ['type1', 'vfio_iommu_iova_dma_valid'],
    ['iommufd', 'iopt_check_iova'],
  ] as const)(
    '%s refuses a map over a DIRECT region of an attached device with -EINVAL (%s; DIRECT is reserved, never mapped, in UNMANAGED domains)',
    (backend, _fn) => {
      // Claimable only before seed 001's patch: requires_direct recorded for DMA domains only.
      const s = setup(armIts({ requiresDirect: 'dma-default-only' }), topo([{ resv: ['direct'] }]), [
        assign(0, backend),
      ]);
      expect(run(s, [map(0, directRegionPage(0) << 12n)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    },
  );

  it.each(BACKENDS)(
    '%s: a reserved region of a device not attached to the owner does not restrict its IOVA space (regions come from the attached groups only)',
    (backend) => {
      // Device 1 (group 1, host-owned) reports a DIRECT region at 0xd0001000; owner 0 holds group 0.
      const s = setup(armIts(), topo([{}, { resv: ['direct'] }]), [assign(0, backend)]);
      expect(run(s, [map(0, directRegionPage(1) << 12n)]).results).toEqual([{ ok: true }]);
    },
  );

  it('a host-owned group has no userspace owner to map through: -EPERM, nothing changes', () => {
    const s = setup(armIts(), topo([{}]));
    expect(iommu_map(s, 0, 0x1000_0000n)).toEqual({ state: s, result: { ok: false, errno: 'EPERM' } });
  });
});
