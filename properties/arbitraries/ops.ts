import fc from 'fast-check';
import type { Op, OpKind, Topology } from '../../model/platform/scenario.ts';

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

/** One arbitrary per op kind, each drawing every field of its op. */
const OP_ARBS = {
  msi_domain_alloc_irqs: fc.record({ op: fc.constant('msi_domain_alloc_irqs' as const), device: n }),
  vfio_group_assign: fc.record({
    op: fc.constant('vfio_group_assign' as const),
    group: n,
    backend: fc.constantFrom('type1' as const, 'iommufd' as const),
    to: fc.constantFrom('userspace' as const, 'guest' as const),
    owner: fc.nat({ max: 1 }),
    unsafe: fc.boolean(),
  }),
  irq_set_affinity: fc.record({
    op: fc.constant('irq_set_affinity' as const),
    device: n,
    vector: n,
    hart: n,
  }),
  guest_program_msi: fc.record({
    op: fc.constant('guest_program_msi' as const),
    device: n,
    vector: n,
    vcpu: n,
  }),
  iommu_map: fc.record({ op: fc.constant('iommu_map' as const), group: n, iova }),
  kvm_riscv_vcpu_aia_imsic_update: fc.record({
    op: fc.constant('kvm_riscv_vcpu_aia_imsic_update' as const),
    vm: fc.nat({ max: 1 }),
    vcpu: n,
    hart: n,
  }),
  vfio_set_msi_iova: fc.record({ op: fc.constant('vfio_set_msi_iova' as const), device: n, vector: n, iova }),
  iommufd_hwpt_set_msi_window: fc.record({
    op: fc.constant('iommufd_hwpt_set_msi_window' as const),
    group: n,
    iova,
  }),
  iommu_replace_domain: fc.record({ op: fc.constant('iommu_replace_domain' as const), group: n }),
  vfio_group_release: fc.record({ op: fc.constant('vfio_group_release' as const), group: n }),
  iommu_group_store_type: fc.record({
    op: fc.constant('iommu_group_store_type' as const),
    group: n,
    domain: fc.constantFrom('identity' as const, 'dma' as const),
  }),
} satisfies { [K in OpKind]: fc.Arbitrary<Extract<Op, { op: K }>> };

/** One op of the kinds `weights` names, drawn with those weights. */
const weighted = (weights: Partial<Record<OpKind, number>>): fc.Arbitrary<RawOp> =>
  fc.oneof(
    ...(Object.entries(weights) as [OpKind, number][]).map(([kind, weight]) => ({
      weight,
      arbitrary: OP_ARBS[kind] as fc.Arbitrary<RawOp>,
    })),
  );

/** Ops over the whole Op union, weighted toward the ones that build interesting states. */
export const rawOpArb: fc.Arbitrary<RawOp> = weighted({
  msi_domain_alloc_irqs: 5,
  vfio_group_assign: 4,
  irq_set_affinity: 3,
  guest_program_msi: 3,
  iommu_map: 2,
  kvm_riscv_vcpu_aia_imsic_update: 2,
  vfio_set_msi_iova: 2,
  iommu_replace_domain: 3,
  vfio_group_release: 1,
  iommu_group_store_type: 1,
});

/**
 * A device's life in the order the kernel lets it happen: its group claimed by an owner (or its
 * default domain type changed), then one thing made for the device (a vector allocated or
 * programmed, an MSI IOVA supplied, a page mapped), then up to two changes (the vector or the vCPU
 * moved, the domain replaced, the group released). Drawn independently, most ops meet a state that
 * refuses them (an affinity move with no vector, a replace on a group iommufd does not own, a guest
 * programming a device no VM owns), so a witness that needs claim → make → change on one device
 * is rare; a story makes it likely. Every op of a story names the story's device or that device's
 * group (`fitStory`).
 */
export interface RawStory {
  /** The device, counted from the story's own place among the scenario's stories (scenario.ts). */
  readonly device: number;
  readonly ops: readonly RawOp[];
}

const claimArb = weighted({ vfio_group_assign: 4, iommu_group_store_type: 1 });
/** What the host, a VFIO userspace driver or the VMM makes for a device it owns. */
const hostMakeArb = weighted({
  msi_domain_alloc_irqs: 5,
  iommu_map: 2,
  vfio_set_msi_iova: 2,
  guest_program_msi: 1,
});
/** What is made for a device assigned to a VM: mostly the guest's own MSI programming. */
const guestMakeArb = weighted({
  guest_program_msi: 5,
  msi_domain_alloc_irqs: 2,
  iommu_map: 1,
  vfio_set_msi_iova: 1,
});
const changeArb = weighted({
  iommu_replace_domain: 3,
  irq_set_affinity: 3,
  guest_program_msi: 3,
  kvm_riscv_vcpu_aia_imsic_update: 2,
  msi_domain_alloc_irqs: 2,
  vfio_group_release: 1,
  iommu_group_store_type: 1,
});

/**
 * Stories: the made op follows the claim (a VM's for a group assigned to a guest, the host's or
 * userspace's otherwise). The device offset is mostly 0, so the k-th story of a scenario is mostly
 * about device k and two stories about two devices (a witness with two owners); any offset stays
 * possible.
 */
export const rawStoryArb: fc.Arbitrary<RawStory> = fc.record({
  device: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: n }),
  ops: fc
    .tuple(
      fc.option(claimArb, { nil: undefined }),
      hostMakeArb,
      guestMakeArb,
      fc.array(changeArb, { maxLength: 2 }),
    )
    .map(([claim, host, guest, change]) => [
      ...(claim === undefined ? [] : [claim]),
      claim?.op === 'vfio_group_assign' && claim.to === 'guest' ? guest : host,
      ...change,
    ]),
});

/** The ops of `story` fitted to `t`: every device index is the story's device, every group index its group. */
export const fitStory = (story: RawStory, t: Topology): Op[] => {
  const device = story.device % t.devices.length;
  const group = t.devices[device]?.group ?? 0;
  return story.ops.map((o) =>
    fitOp({ ...o, ...('device' in o ? { device } : {}), ...('group' in o ? { group } : {}) }, t),
  );
};

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
