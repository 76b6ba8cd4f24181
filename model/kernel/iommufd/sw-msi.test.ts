import { describe, expect, it } from 'vitest';
import { deliverFrom } from '../../platform/deliver.ts';
import { deviceDomain, domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import { ITS_DOORBELL, imsicPage } from '../../platform/layout.ts';
import { IOMMU_MMIO, IOMMU_READ, IOMMU_WRITE, type State, type SwMsiMap } from '../../platform/state.ts';
import { iommu_map } from '../iommu/pgtable.ts';
import { affinity, alloc, armIts, assign, map, riscv, run, setup, topo, x86 } from '../testing.ts';
import { ctxOf, setCtx } from './ctx.ts';
import { iommufd_device_detach } from './device.ts';
import {
  IOMMUFD_SW_MSI_MAX,
  iommufd_group_setup_msi,
  iommufd_sw_msi,
  iommufd_sw_msi_install,
} from './sw-msi.ts';

const replace = (group: number) => ({ op: 'iommu_replace_domain', group }) as const;
const ITS_PAGE = ITS_DOORBELL >> 12n;
/** iommufd_sw_msi_install maps doorbell pages IOMMU_WRITE | IOMMU_READ | IOMMU_MMIO. */
const MSI_PAGE = (ppn: bigint) => ({ ppn, origin: 'msi', prot: IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO });

const fire = (s: State, device: number, vector = 0) => {
  const q = irqOf(s, device, vector);
  if (q === undefined) throw new Error(`no irq for device ${device} vector ${vector}`);
  return deliverFrom(s, device, q.msg.addr, q.msg.data);
};

describe('iommufd sw_msi across domain replacement (drivers/iommu/iommufd/device.c iommufd_device_replace, iommufd_group_setup_msi; docs/invariants.md#domain-switch-continuity, docs/invariants.md#msi-pages-are-never-unmapped)', () => {
  it('after iommu_replace_domain the doorbell page is mapped in the new domain at the same IOVA and the programmed MSI still arrives', () => {
    const s0 = setup(armIts(), topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    const before = groupOf(s0, 0).domain;
    const msg = irqOf(s0, 0, 0)?.msg;
    expect(msg?.addr).toBe(0x800_0040n);
    const { state, results } = run(s0, [replace(0)]);
    expect(results).toEqual([{ ok: true }]);
    expect(groupOf(state, 0).domain).not.toBe(before);
    expect(deviceDomain(state, 0).pages.get(0x8000n)).toEqual(MSI_PAGE(ITS_PAGE));
    expect(irqOf(state, 0, 0)?.msg).toEqual(msg);
    expect(fire(state, 0).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it("the new domain gets the IOAS's areas and the group's own MSI pages (iopt_table_add_domain fills areas; iommufd_group_setup_msi installs required_sw_msi)", () => {
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

  it("a new hwpt gets only its group's doorbell pages, not every page the context has used (iommufd_group_setup_msi tests igroup->required_sw_msi)", () => {
    // Two groups of one owner: group 0's vector moves to hart 1 (pgoff 1), group 1 only uses hart 0's page (pgoff 0).
    const s0 = setup(riscv('prepare-msi'), topo([{}, {}], { harts: 2 }), [
      assign(0, 'iommufd', { unsafe: true }),
      assign(1, 'iommufd', { unsafe: true }),
      alloc(0),
      affinity(0, 0, 1),
      alloc(1),
    ]);
    expect(ctxOf(s0, 'userspace:0').swMsi.map((m) => m.pgoff)).toEqual([0, 1]);
    const { state } = run(s0, [replace(1)]);
    const pages = deviceDomain(state, 1).pages;
    expect(pages.get(0x8000n)).toEqual(MSI_PAGE(imsicPage(2, 0, 'S')));
    expect(pages.has(0x8001n)).toBe(false);
    expect(fire(state, 1).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it('present_sw_msi only grows: the old domain keeps its MSI page after replace (MSI pages are never unmapped individually)', () => {
    const s0 = setup(armIts(), topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    const old = groupOf(s0, 0).domain;
    const s1 = run(s0, [replace(0)]).state;
    expect(domainOf(s1, old).pages.get(0x8000n)).toEqual(MSI_PAGE(ITS_PAGE));
    expect(domainOf(s1, old).hwpt?.presentSwMsi).toEqual([0]);
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
    expect(ctxOf(s, 'userspace:1').swMsi).toEqual([
      { start: 0x800_0000n, addr: imsicPage(2, 0, 'S') << 12n, pgoff: 0, id: 0 },
    ]);
  });

  it('a type1 container and an iommufd context of one owner are unrelated: after type1 → release → iommufd the MSI is mapped by iommufd and survives a replace (the seed-3 counterexample of issue 9)', () => {
    const s0 = setup(armIts(), topo([{ vectors: 1 }], { harts: 1 }), [
      assign(0, 'type1', { owner: 1 }),
      { op: 'vfio_group_release', group: 0 },
      assign(0, 'iommufd', { owner: 1 }),
      alloc(0),
    ]);
    expect(deviceDomain(s0, 0).cookie).toEqual({ type: 'IOMMUFD', owner: 'userspace:1' });
    const { state, results } = run(s0, [replace(0)]);
    expect(results).toEqual([{ ok: true }]);
    expect(deviceDomain(state, 0).pages.get(0x8000n)).toEqual(MSI_PAGE(ITS_PAGE));
    expect(fire(state, 0).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:1' });
  });
});

describe('iommufd_sw_msi_get_map pgoff allocation (drivers/iommu/iommufd/driver.c; struct iommufd_sw_msi_maps)', () => {
  const assigned = () => setup(armIts(), topo([{}]), [assign(0, 'iommufd')]);
  const withMaps = (s: State, maps: SwMsiMap[]): State =>
    setCtx(s, 'userspace:0', { ...ctxOf(s, 'userspace:0'), swMsi: maps, swMsiId: maps.length });
  const at = (start: bigint, page: bigint, pgoff: number, id: number): SwMsiMap => ({
    start,
    addr: page << 12n,
    pgoff,
    id,
  });

  it('a new doorbell page takes max(existing pgoff) + 1 of the same sw_msi_start, not the count of pages', () => {
    const s = withMaps(assigned(), [at(0x800_0000n, 0x1n, 0, 0), at(0x800_0000n, 0x2n, 5, 1)]);
    const r = iommufd_sw_msi(s, 0, groupOf(s, 0).domain, ITS_DOORBELL);
    expect(r.ok && r.value).toEqual({ iova: 0x800_6000n, shift: 12, addr: 0x800_6040n });
  });

  it('maps are keyed by (sw_msi_start, page): a page known under another SW_MSI start gets a map of its own, pgoffs counted per start', () => {
    const s = withMaps(assigned(), [at(0x1000_0000n, ITS_PAGE, 7, 0)]);
    const r = iommufd_sw_msi(s, 0, groupOf(s, 0).domain, ITS_DOORBELL);
    expect(r.ok && r.value.addr).toBe(0x800_0040n);
    expect(r.ok && ctxOf(r.state, 'userspace:0').swMsi[1]).toEqual(at(0x800_0000n, ITS_PAGE, 0, 1));
  });

  it('the 65th map of a context is -EOVERFLOW (64-bit bitmap of ids); a known page still resolves', () => {
    expect(IOMMUFD_SW_MSI_MAX).toBe(64);
    const full = Array.from({ length: 64 }, (_, i) => at(0x800_0000n, 0x100n + BigInt(i), i, i));
    const s = withMaps(assigned(), full);
    const r = iommufd_sw_msi(s, 0, groupOf(s, 0).domain, ITS_DOORBELL);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errno).toBe('EOVERFLOW');
    const known = iommufd_sw_msi(s, 0, groupOf(s, 0).domain, 0x13_f040n);
    expect(known.ok && known.value.addr).toBe(0x803_f040n);
  });
});

describe('iommufd_sw_msi and iommufd_group_setup_msi guards (drivers/iommu/iommufd/driver.c iommufd_sw_msi, device.c iommufd_group_setup_msi)', () => {
  const assigned = () => setup(armIts(), topo([{}, {}]), [assign(0, 'iommufd')]);
  const physical = (addr: bigint) => ({ iova: 0n, shift: 0, addr });

  it('a device whose group has no attach handle keeps the physical doorbell (iommu_attach_handle_get fails → return 0): unbound, or bound then detached', () => {
    const s = assigned();
    const hwpt = groupOf(s, 0).domain;
    const r = iommufd_sw_msi(s, 1, hwpt, ITS_DOORBELL);
    expect(r).toEqual({ ok: true, state: s, value: physical(ITS_DOORBELL) });
    const detached = iommufd_device_detach(s, 0);
    expect(ctxOf(detached, 'userspace:0').igroups.get(0)?.hwpt).toBeUndefined();
    const d = iommufd_sw_msi(detached, 0, hwpt, ITS_DOORBELL);
    expect(d).toEqual({ ok: true, state: detached, value: physical(ITS_DOORBELL) });
  });

  it('a group attached with no IOMMU_RESV_SW_MSI region keeps the physical doorbell and no map is made (sw_msi_start == PHYS_ADDR_MAX → return 0)', () => {
    const s = setup(x86('vtd'), topo([{}]), [assign(0, 'iommufd')]);
    const hwpt = groupOf(s, 0).domain;
    expect(ctxOf(s, 'userspace:0').igroups.get(0)?.hwpt).toBe(hwpt);
    expect(ctxOf(s, 'userspace:0').igroups.get(0)?.swMsiStart).toBeUndefined();
    const doorbell = 0xfee0_0000n;
    expect(iommufd_sw_msi(s, 0, hwpt, doorbell)).toEqual({ ok: true, state: s, value: physical(doorbell) });
  });

  it('an iommu_map error of iommufd_sw_msi_install is returned (an IOVA already mapped is -EEXIST)', () => {
    const s0 = assigned();
    const hwpt = groupOf(s0, 0).domain;
    const pre = iommu_map(s0, hwpt, 0x800_0000n, 0x4000_0000n, 0x1000n, IOMMU_READ, 'user');
    if (!pre.ok) throw new Error(pre.errno);
    const r = iommufd_sw_msi(pre.state, 0, hwpt, ITS_DOORBELL);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errno).toBe('EEXIST');
  });

  it('required_sw_msi is a bitmap (__set_bit): a second MSI through the same map records its id once', () => {
    const s0 = assigned();
    const hwpt = groupOf(s0, 0).domain;
    const once = iommufd_sw_msi(s0, 0, hwpt, ITS_DOORBELL);
    if (!once.ok) throw new Error(once.errno);
    const twice = iommufd_sw_msi(once.state, 0, hwpt, ITS_DOORBELL);
    if (!twice.ok) throw new Error(twice.errno);
    expect(twice.value).toEqual(once.value);
    expect(ctxOf(twice.state, 'userspace:0').igroups.get(0)?.required).toEqual([0]);
  });

  it("iommufd_group_setup_msi installs only the maps of the group's own sw_msi_start, even when required_sw_msi names another", () => {
    const s0 = assigned();
    const hwpt = groupOf(s0, 0).domain;
    const maps: SwMsiMap[] = [
      { start: 0x800_0000n, addr: 0x10_0000n, pgoff: 3, id: 0 },
      { start: 0x1000_0000n, addr: 0x20_0000n, pgoff: 0, id: 1 },
    ];
    const s = setCtx(s0, 'userspace:0', { ...ctxOf(s0, 'userspace:0'), swMsi: maps, swMsiId: 2 });
    const ig = { required: [0, 1], attached: [], bound: 1, swMsiStart: 0x800_0000n };
    const r = iommufd_group_setup_msi(s, 'userspace:0', ig, hwpt);
    if (!r.ok) throw new Error(r.errno);
    expect(domainOf(r.state, hwpt).pages.get(0x8003n)).toEqual(MSI_PAGE(0x100n));
    expect(domainOf(r.state, hwpt).pages.has(0x1_0000n)).toBe(false);
    expect(domainOf(r.state, hwpt).hwpt?.presentSwMsi).toEqual([0]);
  });

  it('iommufd_sw_msi_install on a domain that is no hwpt is a model inconsistency', () => {
    const s = assigned();
    const dflt = groupOf(s, 1).domain;
    const m: SwMsiMap = { start: 0x800_0000n, addr: ITS_DOORBELL & ~0xfffn, pgoff: 0, id: 0 };
    expect(() => iommufd_sw_msi_install(s, dflt, m)).toThrow(
      `model inconsistency: domain ${dflt} is no hwpt`,
    );
  });
});
