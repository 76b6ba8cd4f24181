import { describe, expect, it } from 'vitest';
import { deliverFrom } from '../../platform/deliver.ts';
import { deviceDomain, domainOf, irqOf } from '../../platform/edit.ts';
import { ITS_DOORBELL, SW_MSI_BASE, SW_MSI_LENGTH } from '../../platform/layout.ts';
import type { Op } from '../../platform/scenario.ts';
import type { State } from '../../platform/state.ts';
import type { Hop } from '../../types/hop.ts';
import { iommufd_device_replace } from '../iommufd/device.ts';
import { iommufd_hwpt_alloc_nested } from '../iommufd/hwpt.ts';
import { armIts, assign, run, setup, topo } from '../testing.ts';
import { GUEST_ITS_DOORBELL, guestResvRegions, guestStage1 } from './guest-s1.ts';

/** A VM on a nesting design: policy.nestedGuest set, the group given to VM 0 through iommufd. */
const nested = (p: Parameters<typeof armIts>[0]) => armIts({ nestedGuest: 'rmr', ...p });
const toVm = assign(0, 'iommufd', { to: 'guest' });
const program: Op = { op: 'guest_program_msi', device: 0, vector: 0, vcpu: 0 };
const vm = (p: Parameters<typeof armIts>[0]) => setup(nested(p), topo([{}], { vms: 1 }), [toVm]);
const fire = (s: State) => {
  const q = irqOf(s, 0, 0);
  if (q === undefined) throw new Error('test setup: no guest IRQ');
  const hops: Hop[] = [];
  const del = deliverFrom(s, 0, q.msg.addr, q.msg.data, hops);
  return { q, del, walks: hops.filter((h) => h.step.startsWith('stage')).map((h) => h.facts) };
};
const WINDOW_PAGES = SW_MSI_LENGTH >> 12n;
const DOORBELL_PAGE = GUEST_ITS_DOORBELL >> 12n;
/** iommu_dma_alloc_iova: top-down below 4 GiB (DMA_BIT_MASK(32), pci_32bit_workaround). */
const TOP_PAGE = 0xf_ffffn;

describe('the nested guest kernel’s reserved regions (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_get_resv_regions; drivers/acpi/arm64/iort.c iort_get_rmrs; seed 001 <ZELOqZliiwbG6l5K@nvidia.com>)', () => {
  it('the guest SMMU driver reports SW_MSI at MSI_IOVA_BASE, and the VMM’s RMR over the same window comes with the type the guest gives it', () => {
    const sw = { start: SW_MSI_BASE, length: SW_MSI_LENGTH, type: 'SW_MSI' };
    expect(guestResvRegions(armIts({ nestedGuest: 'no-rmr' }).policy)).toEqual([sw]);
    expect(guestResvRegions(armIts({ nestedGuest: 'vmm-ipa' }).policy)).toEqual([sw]);
    // iort_get_rmrs: no ACPI_IORT_RMR_REMAP_PERMITTED → IOMMU_RESV_DIRECT (the default).
    expect(guestResvRegions(nested({}).policy)[1]?.type).toBe('DIRECT');
    for (const t of ['DIRECT_RELAXABLE', 'MSI', 'MSI_DIRECT'] as const)
      expect(guestResvRegions(nested({ guestRmr: t }).policy)).toEqual([sw, { ...sw, type: t }]);
  });
});

describe('the guest’s DMA default domain (drivers/iommu/iommu.c iommu_create_device_direct_mappings; drivers/iommu/dma-iommu.c iova_reserve_iommu_regions, cookie_init_hw_msi_region, iommu_dma_get_msi_page, iommu_dma_alloc_iova)', () => {
  it('no RMR: SW_MSI is not reserved and not used ("We ARE the software that manages these!"); the guest maps its vITS doorbell at the highest page below 4 GiB', () => {
    const g = guestStage1(armIts({ nestedGuest: 'no-rmr' }).policy);
    expect(g.domain).toBe('DMA');
    expect([...g.pages]).toEqual([
      [TOP_PAGE, expect.objectContaining({ ppn: DOORBELL_PAGE, origin: 'msi' })],
    ]);
    expect(g.msiPages).toEqual(new Map([[DOORBELL_PAGE, TOP_PAGE]]));
  });

  it('DIRECT and DIRECT_RELAXABLE RMRs are identity-mapped page by page; the doorbell still gets an allocator IOVA', () => {
    for (const t of ['DIRECT', 'DIRECT_RELAXABLE'] as const) {
      const g = guestStage1(nested({ guestRmr: t }).policy);
      const p = SW_MSI_BASE >> 12n;
      expect(g.pages.get(p)).toMatchObject({ ppn: p, origin: 'direct' });
      expect(g.pages.get(p + WINDOW_PAGES - 1n)).toMatchObject({
        ppn: p + WINDOW_PAGES - 1n,
        origin: 'direct',
      });
      expect(g.pages.size).toBe(Number(WINDOW_PAGES) + 1);
      expect(g.msiPages).toEqual(new Map([[DOORBELL_PAGE, TOP_PAGE]]));
    }
  });

  it('an RMR reported as IOMMU_RESV_MSI is reserved and maps nothing; the vITS doorbell inside it is an msi page with iova == phys', () => {
    expect(SW_MSI_BASE <= GUEST_ITS_DOORBELL && GUEST_ITS_DOORBELL < SW_MSI_BASE + SW_MSI_LENGTH).toBe(true);
    const g = guestStage1(nested({ guestRmr: 'MSI' }).policy);
    expect(g.pages.size).toBe(0);
    expect(g.msiPages).toEqual(new Map([[DOORBELL_PAGE, DOORBELL_PAGE]]));
  });

  it('the proposed IOMMU_RESV_MSI_DIRECT (seed 001) is identity-mapped and, as an MSI region, gives the doorbell iova == phys', () => {
    const g = guestStage1(nested({ guestRmr: 'MSI_DIRECT' }).policy);
    expect(g.pages.size).toBe(Number(WINDOW_PAGES));
    expect(g.pages.get(DOORBELL_PAGE)).toMatchObject({ ppn: DOORBELL_PAGE, origin: 'direct' });
    expect(g.msiPages).toEqual(new Map([[DOORBELL_PAGE, DOORBELL_PAGE]]));
  });
});

describe('a guest that hands the device to its own VFIO (drivers/vfio/vfio_iommu_type1.c vfio_iommu_has_sw_msi; drivers/iommu/dma-iommu.c iommu_get_msi_cookie; drivers/iommu/iommu.c __iommu_device_set_domain, iommu_dma_prepare_msi)', () => {
  it('a DIRECT RMR sets require_direct, so the guest cannot claim the device and it stays in the DMA default domain', () => {
    expect(guestStage1(nested({ guestDomain: 'vfio' }).policy).domain).toBe('DMA');
  });

  it('DIRECT_RELAXABLE: the UNMANAGED domain gets no direct map, and the guest’s own SW_MSI cookie maps its vITS doorbell at MSI_IOVA_BASE', () => {
    const g = guestStage1(nested({ guestRmr: 'DIRECT_RELAXABLE', guestDomain: 'vfio' }).policy);
    expect(g.domain).toBe('UNMANAGED');
    expect([...g.pages]).toEqual([
      [SW_MSI_BASE >> 12n, expect.objectContaining({ ppn: DOORBELL_PAGE, origin: 'msi' })],
    ]);
  });

  it('an MSI-class RMR takes precedence over SW_MSI: no cookie; MSI_DIRECT is still identity-mapped there', () => {
    const msi = guestStage1(nested({ guestRmr: 'MSI', guestDomain: 'vfio' }).policy);
    expect([msi.domain, msi.pages.size, msi.msiPages.size]).toEqual(['UNMANAGED', 0, 0]);
    const md = guestStage1(nested({ guestRmr: 'MSI_DIRECT', guestDomain: 'vfio' }).policy);
    expect([md.domain, md.pages.size, md.msiPages.size]).toEqual(['UNMANAGED', Number(WINDOW_PAGES), 0]);
  });

  it('without a cookie the guest’s own iommu_dma_prepare_msi is -EOPNOTSUPP, so the guest never programs the vector', () => {
    const s = vm({ guestRmr: 'MSI_DIRECT', guestDomain: 'vfio' });
    expect(run(s, [program]).results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
  });
});

describe('the trapped guest MSI through guest S1 and host S2 (drivers/iommu/iommufd/driver.c iommufd_sw_msi; QEMU hw/arm/smmu-common.c smmu_ptw; seed 001)', () => {
  it('no RMR, DMA default domain: the host’s SW_MSI IOVA 0x8000040 has no S1 leaf — the failure is at stage 1', () => {
    const { q, del, walks } = fire(run(vm({ nestedGuest: 'no-rmr' }), [program]).state);
    expect(q.msg.addr).toBe(SW_MSI_BASE + (ITS_DOORBELL & 0xfffn));
    expect(del.outcome).toMatchObject({ kind: 'fault', cause: 'F_TRANSLATION' });
    expect(walks).toMatchObject([{ stage: 1, input: '0x8000040', result: 'not-mapped' }]);
  });

  it('no RMR, the guest’s own VFIO: its SW_MSI cookie sends 0x8000040 to the vITS IPA, which the host S2 does not map — the failure is at stage 2', () => {
    const { del, walks } = fire(run(vm({ nestedGuest: 'no-rmr', guestDomain: 'vfio' }), [program]).state);
    expect(del.outcome).toMatchObject({ kind: 'fault', cause: 'F_TRANSLATION' });
    expect(walks).toMatchObject([
      { stage: 1, input: '0x8000040', result: 'ok', output: '0x8090040' },
      { stage: 2, input: '0x8090040', result: 'not-mapped' },
    ]);
  });

  it('a DIRECT, DIRECT_RELAXABLE or MSI_DIRECT RMR in the DMA default domain lets the host IOVA reach the LPI; MSI faults at S1', () => {
    for (const t of ['DIRECT', 'DIRECT_RELAXABLE', 'MSI_DIRECT'] as const) {
      const { q, del } = fire(run(vm({ guestRmr: t }), [program]).state);
      expect(del.attribution, t).toMatchObject({ kind: 'irq', irq: { irq: q.irq } });
    }
    expect(fire(run(vm({ guestRmr: 'MSI' }), [program]).state).del.outcome).toMatchObject({
      kind: 'fault',
      cause: 'F_TRANSLATION',
    });
  });

  it('vmm-ipa: the host maps the ITS at the vITS IPA in the parent S2 and programs the guest’s own IOVA, which reaches the LPI', () => {
    const s = run(vm({ nestedGuest: 'vmm-ipa' }), [program]).state;
    const d = deviceDomain(s, 0);
    if (d.parent === undefined) throw new Error('test setup: not nested');
    expect(domainOf(s, d.parent).pages.get(DOORBELL_PAGE)).toMatchObject({
      ppn: ITS_DOORBELL >> 12n,
      origin: 'msi',
    });
    expect(domainOf(s, d.parent).pages.has(SW_MSI_BASE >> 12n)).toBe(false);
    const { q, del } = fire(s);
    expect(q.msg.addr).toBe((TOP_PAGE << 12n) | (ITS_DOORBELL & 0xfffn));
    expect(del.attribution).toMatchObject({ kind: 'irq', irq: { irq: q.irq } });
  });
});

/**
 * The VMM's own IOMMU_HWPT_ALLOC of a nested hwpt over the VM's NEST_PARENT hwpt
 * (iommufd_hwpt_nested_alloc), to which it replaces the device (iommufd_device_replace): a stage 1
 * the guest has not filled, so it holds no guest doorbell page.
 */
const emptyStage1 = (s0: State): State => {
  const parent = deviceDomain(s0, 0).parent;
  if (parent === undefined) throw new Error('test setup: not nested');
  const n = iommufd_hwpt_alloc_nested(s0, 0, parent);
  if (!n.ok) throw new Error(`test setup: nested alloc ${n.errno}`);
  const r = iommufd_device_replace(n.state, 0, { hwpt: n.value });
  if (!r.ok) throw new Error(`test setup: replace ${r.errno}`);
  expect(deviceDomain(r.state, 0)).toMatchObject({ type: 'NESTED', msiPages: new Map() });
  return r.state;
};

describe('whether the guest’s own iommu_dma_prepare_msi refuses (drivers/iommu/iommu.c iommu_dma_prepare_msi; drivers/iommu/dma-iommu.c iommu_dma_get_msi_page; drivers/vfio/pci/vfio_pci_intrs.c vfio_msix_vector_do_use)', () => {
  it('a guest on its DMA default domain always gets an msi page, so it programs the vector even over a nested stage 1 with no doorbell: the trapped write gets a host vector', () => {
    const s = emptyStage1(vm({ guestRmr: 'DIRECT_RELAXABLE' }));
    const { state, results } = run(s, [program]);
    expect(results[0]?.ok).toBe(true);
    expect(irqOf(state, 0, 0)).toMatchObject({ via: 'host', owner: 'vm:0' });
  });

  it('vmm-ipa over a nested stage 1 with no guest doorbell: the VMM has no guest IOVA to hand over, so the host message stays the one iommufd_sw_msi composes', () => {
    const s = emptyStage1(vm({ nestedGuest: 'vmm-ipa' }));
    const { state, results } = run(s, [program]);
    expect(results[0]?.ok).toBe(true);
    // The host maps the ITS at the vITS IPA in the parent S2 (seed 001: "we map that to the real
    // underlying address at S2"), so the unchanged message names that IPA.
    expect(irqOf(state, 0, 0)?.msg.addr).toBe(GUEST_ITS_DOORBELL);
  });

  it('a VM whose device VFIO type1 holds has no nested stage 1 (no vSMMU), so a guest "own VFIO" policy refuses nothing: the trapped write gets a host vector', () => {
    const s = setup(nested({ nestedGuest: 'no-rmr', guestDomain: 'vfio' }), topo([{}], { vms: 1 }), [
      assign(0, 'type1', { to: 'guest' }),
    ]);
    expect(deviceDomain(s, 0).type).toBe('UNMANAGED');
    const { state, results } = run(s, [program]);
    expect(results[0]?.ok).toBe(true);
    expect(irqOf(state, 0, 0)).toMatchObject({ via: 'host', owner: 'vm:0' });
  });
});
