import { describe, expect, it } from 'vitest';
import { build } from '../../platform/build.ts';
import { deviceOf, domainOf, groupOf, setDevice } from '../../platform/edit.ts';
import { directRegionPage, SW_MSI_BASE } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import { ctxOf } from '../iommufd/ctx.ts';
import { iommufd_device_attach, iommufd_device_bind } from '../iommufd/device.ts';
import { hwptOf, iommufd_hwpt_alloc } from '../iommufd/hwpt.ts';
import { iommu_group_has_isolated_msi } from '../irq/isolated.ts';
import { alloc, armIts, armV2m, assign, map, run, setup, topo, x86 } from '../testing.ts';
import { ownerIoas } from './assign.ts';

const BACKENDS = ['type1', 'iommufd'] as const;
const ownerDomain = (s: State, group: number) => domainOf(s, groupOf(s, group).domain);

describe('vfio_group_assign: attach with an overlapping user mapping (docs/linux-policy.md#vfio-type1, docs/linux-policy.md#iommufd; docs/invariants.md#resv-exclusion)', () => {
  // Owner 0 holds group 0 and maps the page of device 1's firmware region (0xd0001000); device 1 is
  // claimable because requires_direct is only recorded for DMA domains (the default here is identity).
  const design = armIts({ requiresDirect: 'dma-default-only' });
  const withUserMap = (backend: (typeof BACKENDS)[number], resv: 'direct' | 'direct-relaxable') =>
    setup(design, topo([{}, { resv: [resv] }]), [assign(0, backend), map(0, directRegionPage(1) << 12n)]);

  it('type1 refuses with -EINVAL a group whose DIRECT region overlaps an existing user mapping (vfio_iommu_type1_attach_group → vfio_iommu_resv_conflict)', () => {
    const s = withUserMap('type1', 'direct');
    const { state, results } = run(s, [assign(1, 'type1')]);
    expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    expect(groupOf(state, 1).owner.kind).toBe('host');
  });

  it('iommufd refuses with -EADDRINUSE a group whose DIRECT region overlaps an existing IOAS area (iommufd_device_attach_reserved_iova → iopt_reserve_iova)', () => {
    const s = withUserMap('iommufd', 'direct');
    const { state, results } = run(s, [assign(1, 'iommufd')]);
    expect(results).toEqual([{ ok: false, errno: 'EADDRINUSE' }]);
    expect(groupOf(state, 1).owner.kind).toBe('host');
  });

  it.each(BACKENDS)(
    '%s: the same attach succeeds when the user has not mapped the region (the refusal is the overlap, not the region)',
    (backend) => {
      const s = setup(design, topo([{}, { resv: ['direct'] }]), [assign(0, backend), map(0, 0x1000_0000n)]);
      expect(run(s, [assign(1, backend)]).results).toEqual([{ ok: true }]);
    },
  );

  it.each(BACKENDS)(
    '%s ignores a DIRECT_RELAXABLE region under a user mapping: attach succeeds (vfio_iommu_resv_conflict / iopt_table_enforce_dev_resv_regions skip RELAXABLE; docs/invariants.md#relaxable-regions-stay-mappable)',
    (backend) => {
      const s = withUserMap(backend, 'direct-relaxable');
      const { state, results } = run(s, [assign(1, backend)]);
      expect(results).toEqual([{ ok: true }]);
      expect(ownerDomain(state, 1).pages.get(directRegionPage(1))?.origin).toBe('user');
    },
  );
});

describe('vfio_group_assign: RELAXABLE and DIRECT regions (iommu_create_device_direct_mappings, __iommu_device_set_domain; docs/linux-policy.md#direct-regions-block-assignment; docs/invariants.md#relaxable-regions-stay-mappable, docs/invariants.md#direct-mapped; seed 001)', () => {
  it.each(BACKENDS)(
    '%s assigns a device with a DIRECT_RELAXABLE region and its UNMANAGED domain gets no direct mapping (USB/GPU RMRR stays assignable)',
    (backend) => {
      const s0 = build(armIts({ defaultDomain: 'dma' }), topo([{ resv: ['direct-relaxable'] }]));
      expect(deviceOf(s0, 0).requireDirect).toBe(false);
      const { state, results } = run(s0, [assign(0, backend)]);
      expect(results).toEqual([{ ok: true }]);
      expect(ownerDomain(state, 0).type).toBe('UNMANAGED');
      expect(ownerDomain(state, 0).pages.has(directRegionPage(0))).toBe(false);
    },
  );

  it.each(BACKENDS)(
    '%s cannot claim a device with a DIRECT region: -EINVAL (__iommu_take_dma_ownership → __iommu_device_set_domain refuses blocking domain for require_direct)',
    (backend) => {
      const s0 = build(armIts({ requiresDirect: 'always' }), topo([{ resv: ['direct'] }]));
      expect(deviceOf(s0, 0).requireDirect).toBe(true);
      const { state, results } = run(s0, [assign(0, backend)]);
      expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
      expect(groupOf(state, 0).owner.kind).toBe('host');
    },
  );

  it('a two-device group with one DIRECT device cannot be claimed as a whole (iommu_group_claim_dma_owner attaches the group to the blocking domain)', () => {
    const s0 = build(armIts(), topo([{ group: 0 }, { group: 0, resv: ['direct'] }]));
    expect(run(s0, [assign(0, 'type1')]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it.each(BACKENDS)(
    '%s claims a DIRECT device on an identity default domain when requires_direct is recorded for DMA domains only (the bug seed 001 patch fixes)',
    (backend) => {
      const s0 = build(armIts({ requiresDirect: 'dma-default-only' }), topo([{ resv: ['direct'] }]));
      expect(deviceOf(s0, 0).requireDirect).toBe(false);
      expect(run(s0, [assign(0, backend)]).results).toEqual([{ ok: true }]);
    },
  );

  it('dma-default-only: after iommu_group_store_type to a DMA domain require_direct is set and the claim fails -EINVAL (iommu_create_device_direct_mappings on a DMA domain)', () => {
    const s0 = build(armIts({ requiresDirect: 'dma-default-only' }), topo([{ resv: ['direct'] }]));
    const { state, results } = run(s0, [
      { op: 'iommu_group_store_type', group: 0, domain: 'dma' },
      assign(0, 'type1'),
      assign(0, 'iommufd'),
    ]);
    expect(results).toEqual([{ ok: true }, { ok: false, errno: 'EINVAL' }, { ok: false, errno: 'EINVAL' }]);
    expect(deviceOf(state, 0).requireDirect).toBe(true);
  });

  it('dma-default-only: require_direct stays set after returning to an identity domain (dev->iommu->require_direct is never cleared)', () => {
    const s0 = build(armIts({ requiresDirect: 'dma-default-only' }), topo([{ resv: ['direct'] }]));
    const r = run(s0, [
      { op: 'iommu_group_store_type', group: 0, domain: 'dma' },
      { op: 'iommu_group_store_type', group: 0, domain: 'identity' },
      assign(0, 'type1'),
    ]);
    expect(r.results).toEqual([{ ok: true }, { ok: true }, { ok: false, errno: 'EINVAL' }]);
  });
});

describe('vfio_group_assign: isolated MSI gate (vfio_iommu_type1_attach_group, iommufd_device_bind; docs/linux-policy.md#vfio-type1, docs/linux-policy.md#binding-and-attaching, docs/linux-policy.md#isolated-msi; docs/invariants.md#assignment-gate)', () => {
  it.each(BACKENDS)(
    '%s refuses a group without isolated MSI with -EPERM ("No interrupt remapping support")',
    (backend) => {
      const { state, results } = run(build(armV2m(), topo([{}])), [assign(0, backend)]);
      expect(results).toEqual([{ ok: false, errno: 'EPERM' }]);
      expect(groupOf(state, 0).owner.kind).toBe('host');
    },
  );

  it.each(BACKENDS)('%s accepts the same group with allow_unsafe_interrupts set', (backend) => {
    const { state, results } = run(build(armV2m(), topo([{}])), [assign(0, backend, { unsafe: true })]);
    expect(results).toEqual([{ ok: true }]);
    expect(groupOf(state, 0).owner).toEqual({ kind: 'userspace', index: 0, backend, unsafe: true });
  });

  it.each([
    ['x86-no-ir', x86('none')],
    ['x86-vtd', x86('vtd')],
  ] as const)(
    '%s: type1 succeeds iff the irq domain claims ISOLATED_MSI (IRQ_DOMAIN_FLAG_ISOLATED_MSI replaced IOMMU_CAP_INTR_REMAP; include/linux/irqdomain.h, Linux 7.0; docs/linux-policy.md#isolated-msi)',
    (_name, design) => {
      const expected = design.policy.isolatedMsiClaim ? { ok: true } : { ok: false, errno: 'EPERM' };
      expect(run(build(design, topo([{}])), [assign(0, 'type1')]).results).toEqual([expected]);
    },
  );

  it('type1 claims DMA ownership before the isolation check: a DIRECT device without isolated MSI gets -EINVAL, not -EPERM (VFIO_GROUP_SET_CONTAINER → iommu_group_claim_dma_owner precedes vfio_iommu_type1_attach_group)', () => {
    const s0 = build(armV2m(), topo([{ resv: ['direct'] }]));
    expect(run(s0, [assign(0, 'type1')]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('without IOMMU_CAP_CACHE_COHERENCY neither backend takes the device, even with allow_unsafe_interrupts (__vfio_register_dev, iommufd_device_bind)', () => {
    const s0 = build(armIts({ cacheCoherencyCap: false }), topo([{}]));
    expect(run(s0, [assign(0, 'iommufd', { unsafe: true })]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
    ]);
    expect(run(s0, [assign(0, 'type1', { unsafe: true })]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    expect(run(build(armIts(), topo([{}])), [assign(0, 'type1')]).results).toEqual([{ ok: true }]);
  });

  it('iommu_group_has_isolated_msi over a two-device group follows the irq domain claim (drivers/iommu/iommu.c; every device shares one MSI domain in the model, so a mixed group cannot be built)', () => {
    const group = topo([{ group: 0 }, { group: 0 }]);
    expect(iommu_group_has_isolated_msi(build(armIts(), group), 0)).toBe(true);
    expect(iommu_group_has_isolated_msi(build(armV2m(), group), 0)).toBe(false);
    expect(run(build(armV2m(), group), [assign(0, 'type1')]).results).toEqual([
      { ok: false, errno: 'EPERM' },
    ]);
  });
});

describe('vfio_group_assign: HW MSI and SW_MSI together (iopt_table_enforce_dev_resv_regions, vfio_iommu_has_sw_msi; docs/invariants.md#hw-sw-msi-exclusive)', () => {
  const both = armIts({ msiRegion: 'hw-msi-and-sw-msi' });

  it('iommufd attach fails -EINVAL when a device reports both MSI and SW_MSI ("Drivers must offer sane combinations")', () => {
    const { state, results } = run(build(both, topo([{}])), [assign(0, 'iommufd')]);
    expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    expect(groupOf(state, 0).owner.kind).toBe('host');
  });

  it('type1 accepts the group and creates no MSI cookie: HW MSI takes precedence (vfio_iommu_has_sw_msi)', () => {
    const { state, results } = run(build(both, topo([{}])), [assign(0, 'type1')]);
    expect(results).toEqual([{ ok: true }]);
    expect(ownerDomain(state, 0).cookie).toEqual({ type: 'NONE' });
  });

  it('type1 with only SW_MSI gets an MSI cookie at the SW_MSI base (iommu_get_msi_cookie(domain, resv_msi_base))', () => {
    const { state } = run(build(armIts(), topo([{}])), [assign(0, 'type1')]);
    expect(ownerDomain(state, 0).cookie).toEqual({ type: 'DMA_MSI', base: SW_MSI_BASE, next: SW_MSI_BASE });
  });

  it('two groups of one owner share one UNMANAGED domain (vfio_iommu_type1_attach_group reuses a compatible domain of the container) and the host driver vectors are freed (vfio-pci takes the device: pci_free_irq_vectors of the unbound driver)', () => {
    const s = setup(armIts(), topo([{}, {}]), [alloc(0)]);
    expect(s.irqs).toHaveLength(1);
    const { state, results } = run(s, [assign(0, 'type1'), assign(1, 'type1')]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(groupOf(state, 0).domain).toBe(groupOf(state, 1).domain);
    expect(state.irqs).toEqual([]);
  });
});

describe('vfio_group_assign / vfio_group_release: the VMM side of nesting and IOMMU_DESTROY (drivers/iommu/iommufd/hw_pagetable.c iommufd_hwpt_alloc, main.c iommufd_destroy)', () => {
  const nesting = armIts({ nestedGuest: 'rmr' });
  const cannotNest = (s: State, device: number): State =>
    setDevice(s, { ...deviceOf(s, device), nestingCapable: false });
  const liveHwpts = (s: State) => s.domains.filter((d) => d.hwpt !== undefined && !d.hwpt.destroyed);

  it("a VM's IOAS that already holds an automatic hwpt (another device attached to the IOAS) still gets a NEST_PARENT hwpt for the nested one: only NEST_PARENT hwpts can parent (iommufd_hwpt_nested_alloc)", () => {
    const s0 = setup(nesting, topo([{}, {}], { vms: 1 }));
    const [s1, ioas] = ownerIoas(s0, 'vm:0');
    const bound = iommufd_device_bind(s1, 1, 'vm:0');
    if (!bound.ok) throw new Error(bound.errno);
    const auto = iommufd_device_attach(bound.state, 1, { ioas });
    if (!auto.ok) throw new Error(auto.errno);
    const { state, results } = run(auto.state, [assign(0, 'iommufd', { to: 'guest' })]);
    expect(results).toEqual([{ ok: true }]);
    const nested = domainOf(state, groupOf(state, 0).domain);
    expect(nested.type).toBe('NESTED');
    expect(nested.parent).not.toBe(auto.value);
    expect(domainOf(state, nested.parent ?? -1).hwpt).toMatchObject({ nestParent: true, auto: false });
  });

  it("a device whose IOMMU cannot nest: the NEST_PARENT IOMMU_HWPT_ALLOC fails -EOPNOTSUPP (domain_alloc_paging_flags) and that errno is the assignment's", () => {
    const s = cannotNest(setup(nesting, topo([{}], { vms: 1 })), 0);
    const { state, results } = run(s, [assign(0, 'iommufd', { to: 'guest' })]);
    expect(results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
    expect(groupOf(state, 0).owner.kind).toBe('host');
  });

  it('a second group whose device cannot nest finds the live parent but its nested IOMMU_HWPT_ALLOC is -EOPNOTSUPP (no domain_alloc_nested)', () => {
    const s = cannotNest(
      setup(nesting, topo([{}, {}], { vms: 1 }), [assign(0, 'iommufd', { to: 'guest' })]),
      1,
    );
    const { state, results } = run(s, [assign(1, 'iommufd', { to: 'guest' })]);
    expect(results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
    expect(groupOf(state, 1).owner.kind).toBe('host');
  });

  it("release destroys the unused hwpts of the releasing owner only, dropping the handle (users 0); another context's hwpt held only by its handle stays", () => {
    const s0 = setup(nesting, topo([{}, {}], { vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      assign(1, 'iommufd', { owner: 1 }),
    ]);
    const other = iommufd_hwpt_alloc(s0, 1, ctxOf(s0, 'userspace:1').ioas[0] ?? -1, new Set());
    if (!other.ok) throw new Error(other.errno);
    const nested = groupOf(other.state, 0).domain;
    const parent = domainOf(other.state, nested).parent ?? -1;
    const { state, results } = run(other.state, [{ op: 'vfio_group_release', group: 0 }]);
    expect(results).toEqual([{ ok: true }]);
    for (const h of [nested, parent]) expect(hwptOf(state, h)).toMatchObject({ destroyed: true, users: 0 });
    expect(hwptOf(state, other.value)).toMatchObject({ destroyed: false, users: 1 });
    expect(liveHwpts(state).map((d) => d.id)).toContain(other.value);
  });

  it('a group with one device lacking IOMMU_CAP_CACHE_COHERENCY is refused as a whole (-EINVAL: that device is never a VFIO device, __vfio_register_dev)', () => {
    const s0 = setup(armIts(), topo([{ group: 0 }, { group: 0 }]));
    const s = setDevice(s0, { ...deviceOf(s0, 1), cacheCoherent: false });
    for (const backend of BACKENDS)
      expect(run(s, [assign(0, backend)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('releasing a host-owned group is -EINVAL (vfio_group_ioctl_unset_container: no container or iommufd)', () => {
    const s = setup(armIts(), topo([{}]));
    expect(run(s, [{ op: 'vfio_group_release', group: 0 }]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
    ]);
  });
});
