import fc from 'fast-check';
import type { Op, Topology } from '../../model/platform/scenario.ts';

/**
 * IOVAs worth mapping: the SW_MSI window, the x86 interrupt window, an IMSIC S-file page, a
 * firmware direct region page, and ordinary low pages (where IOMMU_DOMAIN_MIXED puts MSI pages).
 */
export const IOVA_PALETTE = [
  '0x1000',
  '0x2000',
  '0x10000',
  '0x8000000',
  '0x8001000',
  '0xfee00000',
  '0x28000000',
  '0xd0000000',
  '0xd0001000',
] as const;

/**
 * An op before it is fitted to a topology: indices are small naturals, reduced modulo the
 * topology's sizes by `fitOp`, so ops and topology shrink independently and every op stays valid.
 */
export type RawOp = Op;

const n = fc.nat({ max: 3 });
const iova = fc.constantFrom(...IOVA_PALETTE);

/**
 * Ops over the whole Op union but iommufd_hwpt_set_msi_window, weighted toward the ones that build
 * interesting states. The window op exists on one design only and is drawn by windowUapiChunkArb
 * there, so every other design's random stream is the one it had before the op existed.
 */
export const rawOpArb: fc.Arbitrary<RawOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('msi_domain_alloc_irqs' as const), device: n }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('vfio_group_assign' as const),
      group: n,
      backend: fc.constantFrom('type1' as const, 'iommufd' as const),
      to: fc.constantFrom('userspace' as const, 'guest' as const),
      owner: fc.nat({ max: 1 }),
      unsafe: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('irq_set_affinity' as const), device: n, vector: n, hart: n }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('guest_program_msi' as const), device: n, vector: n, vcpu: n }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('iommu_map' as const), group: n, iova }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('kvm_riscv_vcpu_aia_imsic_update' as const),
      vm: fc.nat({ max: 1 }),
      vcpu: n,
      hart: n,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('vfio_set_msi_iova' as const), device: n, vector: n, iova }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('iommu_replace_domain' as const), group: n }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('vfio_group_release' as const), group: n }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('iommu_group_store_type' as const),
      group: n,
      domain: fc.constantFrom('identity' as const, 'dma' as const),
    }),
  },
);

/**
 * The ops of a design with the iommufd MSI-window uAPI (msi-table-userspace-window, seed 000), in
 * chunks of one or more ops: rawOpArb's, plus the VMM's own steps made likely — an iommufd
 * assignment to a VM (with allow_unsafe_interrupts: the design claims no isolation) followed by the
 * window op on the same group, a guest-programmed MSI and a replace of the hwpt — and the window op
 * alone, after whatever came before. With the window op only as one more op of rawOpArb (weight 1)
 * the first msi-delivery violation took 859 runs (seed 20261121).
 */
export const windowUapiChunkArb: fc.Arbitrary<readonly RawOp[]> = fc.oneof(
  { weight: 2, arbitrary: rawOpArb.map((o) => [o]) },
  {
    weight: 2,
    arbitrary: fc.record({ group: n, owner: fc.nat({ max: 1 }), iova }).map(({ group, owner, iova }) => [
      {
        op: 'vfio_group_assign' as const,
        group,
        backend: 'iommufd' as const,
        to: 'guest' as const,
        owner,
        unsafe: true,
      },
      { op: 'iommufd_hwpt_set_msi_window' as const, group, iova },
    ]),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ op: fc.constant('iommufd_hwpt_set_msi_window' as const), group: n, iova })
      .map((o) => [o]),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ op: fc.constant('guest_program_msi' as const), device: n, vector: n, vcpu: n })
      .map((o) => [o]),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('iommu_replace_domain' as const), group: n }).map((o) => [o]),
  },
);

/** Fits a raw op to `t`: every index modulo the matching size (vectors: the device's own count). A guest assignment without VMs becomes userspace, a vCPU move a host affinity move. */
export const fitOp = (o: RawOp, t: Topology): Op => {
  const groups = new Set(t.devices.map((d) => d.group)).size;
  const devices = t.devices.length;
  const wrap = (i: number, size: number) => i % size;
  const vectorsOf = (device: number) => t.devices[device]?.vectors ?? 1;
  switch (o.op) {
    case 'msi_domain_alloc_irqs':
      return { ...o, device: wrap(o.device, devices) };
    case 'vfio_group_assign':
      return t.vms === 0
        ? { ...o, group: wrap(o.group, groups), to: 'userspace' }
        : { ...o, group: wrap(o.group, groups), owner: o.to === 'guest' ? wrap(o.owner, t.vms) : o.owner };
    case 'irq_set_affinity': {
      const device = wrap(o.device, devices);
      return { ...o, device, vector: wrap(o.vector, vectorsOf(device)), hart: wrap(o.hart, t.harts) };
    }
    case 'guest_program_msi': {
      const device = wrap(o.device, devices);
      return { ...o, device, vector: wrap(o.vector, vectorsOf(device)), vcpu: wrap(o.vcpu, t.harts) };
    }
    // Without VMs there is no vCPU to move: the host moves device 0's first vector instead.
    case 'kvm_riscv_vcpu_aia_imsic_update':
      return t.vms === 0
        ? { op: 'irq_set_affinity', device: 0, vector: 0, hart: wrap(o.hart, t.harts) }
        : { ...o, vm: wrap(o.vm, t.vms), vcpu: wrap(o.vcpu, t.harts), hart: wrap(o.hart, t.harts) };
    case 'vfio_set_msi_iova': {
      const device = wrap(o.device, devices);
      return { ...o, device, vector: wrap(o.vector, vectorsOf(device)) };
    }
    case 'iommu_map':
    case 'iommufd_hwpt_set_msi_window':
    case 'iommu_replace_domain':
    case 'vfio_group_release':
    case 'iommu_group_store_type':
      return { ...o, group: wrap(o.group, groups) };
    default: {
      const never: never = o;
      return never;
    }
  }
};
