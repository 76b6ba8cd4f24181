import { describe, expect, it } from 'vitest';
import { getDesign } from '../../../spec/designs/load.ts';
import { getInvariant } from '../../../spec/invariants/index.ts';
import { deliverFrom } from '../../platform/deliver.ts';
import { deviceDomain, irqOf } from '../../platform/edit.ts';
import { hwView } from '../../platform/hw-view.ts';
import { IMSIC_MSI_MASK, IMSIC_MSI_PATTERN, imsicPage } from '../../platform/layout.ts';
import type { Op } from '../../platform/scenario.ts';
import type { State } from '../../platform/state.ts';
import { alloc, assign, map, run, setup, topo } from '../testing.ts';
import { iommufd_device_detach } from './device.ts';
import { domainOwner } from './io-pagetable.ts';
import { inMsiWindow } from './msi-window.ts';

/**
 * The iommufd MSI window of seed 000 (Jason Gunthorpe, 20250922235651.GG1391379@nvidia.com:
 * "setting the DC.msi_addr* should come from userspace and create a new reserved region.. Maybe we
 * need to create per-domain reserved regions.."), model/kernel/iommufd/msi-window.ts.
 */
const design = getDesign('riscv-userspace-msi-addr');
const toVm = assign(0, 'iommufd', { to: 'guest', unsafe: true });
const setWindow = (iova: bigint, group = 0): Op => ({
  op: 'iommufd_hwpt_set_msi_window',
  group,
  iova: `0x${iova.toString(16)}`,
});
const guestMsi = (device: number, vector: number, vcpu: number): Op => ({
  op: 'guest_program_msi',
  device,
  vector,
  vcpu,
});
const dcOf = (s: State, device: number) => {
  const hw = hwView(s);
  if (hw.arch !== 'riscv') throw new Error('not RISC-V');
  const dc = hw.iommu.ddt.get(s.devices[device]?.rid ?? -1);
  if (dc === undefined) throw new Error(`no DC for device ${device}`);
  return dc;
};
const fire = (s: State, device: number, vector = 0) => {
  const q = irqOf(s, device, vector);
  if (q === undefined) throw new Error(`no irq for device ${device} vector ${vector}`);
  return deliverFrom(s, device, q.msg.addr, q.msg.data);
};
const WINDOW = 0x1000_0000n;

describe('iommufd_hwpt_set_msi_window: DC.msi_addr_* from userspace as a per-domain reserved region (seed 000)', () => {
  it('programs DC.msi_addr_pattern / msi_addr_mask of the domain from the window and maps vCPU h to the guest file it holds (RISC-V IOMMU spec [[MSI_TRANS]])', () => {
    const s0 = setup(design, topo([{}], { harts: 2, vms: 1 }), [toVm]);
    expect(dcOf(s0, 0)).toMatchObject({ msi_addr_pattern: IMSIC_MSI_PATTERN, msi_addr_mask: IMSIC_MSI_MASK });
    const { state: s, results } = run(s0, [setWindow(WINDOW)]);
    expect(results).toEqual([{ ok: true }]);
    expect(dcOf(s, 0)).toMatchObject({
      msiptp: { MODE: 1 },
      msi_addr_pattern: WINDOW >> 12n,
      msi_addr_mask: IMSIC_MSI_MASK,
    });
    // VM 0's vCPU h runs on hart h with G1 (State.vcpus at boot); index h << guest bits.
    expect([...deviceDomain(s, 0).msiTable]).toEqual([
      [0n, imsicPage(2, 0, 'G1')],
      [4n, imsicPage(2, 1, 'G1')],
    ]);
  });

  it('reserves the window in the IOAS with the domain as owner, so IOMMU_IOAS_MAP inside it is -EINVAL (drivers/iommu/iommufd/io_pagetable.c iopt_reserve_iova, iopt_check_iova)', () => {
    const s = setup(design, topo([{}], { vms: 1 }), [toVm, setWindow(WINDOW)]);
    const dom = deviceDomain(s, 0);
    expect(s.ioases[0]?.reserved).toContainEqual({
      start: WINDOW,
      last: WINDOW + 0xffffn,
      owner: domainOwner(dom.id),
    });
    expect(run(s, [map(0, WINDOW + 0x3000n), map(0, WINDOW + 0x1_0000n)]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: true },
    ]);
  });

  it('is -EADDRINUSE over an existing IOAS area and leaves the DC on the host layout (iopt_reserve_iova)', () => {
    const s = setup(design, topo([{}], { vms: 1 }), [toVm, map(0, WINDOW + 0x2000n)]);
    const { state, results } = run(s, [setWindow(WINDOW)]);
    expect(results).toEqual([{ ok: false, errno: 'EADDRINUSE' }]);
    expect(deviceDomain(state, 0).msiWindow).toBeUndefined();
    expect(dcOf(state, 0).msi_addr_pattern).toBe(IMSIC_MSI_PATTERN);
  });

  it('validates alignment to the window size (-EINVAL: pattern bits under the mask) and the reserved bits 51:MGPAW−12 (RISC-V IOMMU spec 20260222 [[DC_MISCONFIG]])', () => {
    const s = setup(design, topo([{}], { vms: 1 }), [toVm]);
    expect(run(s, [setWindow(WINDOW + 0x1000n), setWindow(1n << 50n)]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: false, errno: 'EINVAL' },
    ]);
  });

  it('is refused for a userspace driver (-EINVAL), a host group (-EINVAL), a second window (-EBUSY), and on a design without the uAPI (-EOPNOTSUPP)', () => {
    const user = setup(design, topo([{}, { group: 1 }], { vms: 1 }), [
      assign(0, 'iommufd', { unsafe: true }),
    ]);
    expect(run(user, [setWindow(WINDOW), setWindow(WINDOW, 1)]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: false, errno: 'EINVAL' },
    ]);
    const vm = setup(design, topo([{}], { vms: 1 }), [toVm, setWindow(WINDOW)]);
    expect(run(vm, [setWindow(0x2000_0000n)]).results).toEqual([{ ok: false, errno: 'EBUSY' }]);
    const s2 = setup(getDesign('riscv-s2-preferred'), topo([{}], { vms: 1 }), [toVm]);
    expect(run(s2, [setWindow(WINDOW)]).results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
  });

  it("the guest's message names its vIMSIC page in the window and reaches the VM's guest file with no host vector; the PTE follows a vCPU move (arch/riscv/kvm/aia_imsic.c kvm_riscv_vcpu_aia_imsic_update)", () => {
    const s = setup(design, topo([{}], { harts: 2, vms: 1 }), [toVm, setWindow(WINDOW), guestMsi(0, 0, 1)]);
    const q = irqOf(s, 0, 0);
    expect(q).toMatchObject({ via: 'guest', owner: 'vm:0', msg: { addr: WINDOW + 0x4000n } });
    expect(fire(s, 0).attribution).toMatchObject({ kind: 'irq', owner: 'vm:0' });
    const moved = run(s, [{ op: 'kvm_riscv_vcpu_aia_imsic_update', vm: 0, vcpu: 1, hart: 0 }]).state;
    expect(deviceDomain(moved, 0).msiTable.get(4n)).toBe(imsicPage(2, 0, 'G2'));
    expect(fire(moved, 0).attribution).toMatchObject({ kind: 'irq', owner: 'vm:0' });
  });

  it("a host vector of the VM's device keeps the physical S-file address, which the window no longer decodes: it faults in the G-stage (finding: seed 000 leaves host MSIs through the window to new iommu_dma_prepare_msi code)", () => {
    const s = setup(design, topo([{}], { vms: 1 }), [toVm, alloc(0)]);
    expect(fire(s, 0).attribution).toMatchObject({ kind: 'irq', owner: 'vm:0' });
    const after = run(s, [setWindow(WINDOW)]).state;
    expect(fire(after, 0).outcome).toMatchObject({ kind: 'fault', arch: 'riscv-iommu' });
  });

  it('a replace to a new hwpt leaves the window behind: the new domain decodes the host layout and the reservation goes with the old domain (iopt_table_remove_domain)', () => {
    const s = setup(design, topo([{}], { vms: 1 }), [toVm, setWindow(WINDOW), guestMsi(0, 0, 0)]);
    const { state, results } = run(s, [{ op: 'iommu_replace_domain', group: 0 }, map(0, WINDOW)]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(dcOf(state, 0).msi_addr_pattern).toBe(IMSIC_MSI_PATTERN);
    expect(fire(state, 0).outcome.kind).toBe('memory');
  });
});

describe('userspace-msi-address on a userspace-supplied window (seed 000; docs/invariants.md#userspace-msi-address)', () => {
  const judge = (s: State) => getInvariant('userspace-msi-address').check(design, s);
  const windowed = () => setup(design, topo([{}], { vms: 1 }), [toVm, setWindow(WINDOW)]);

  it('holds when every device of the domain decodes the window and nothing is mapped inside it', () => {
    expect(judge(windowed())).toEqual([]);
  });

  it('a mapping inside the window (the reservation missing) is a violation', () => {
    const s = windowed();
    const dom = deviceDomain(s, 0);
    const pages = new Map(dom.pages).set((WINDOW >> 12n) + 1n, { ppn: 0x8_0000n, origin: 'user', prot: 3 });
    const broken: State = { ...s, domains: s.domains.map((d) => (d.id === dom.id ? { ...d, pages } : d)) };
    expect(judge(broken)).toMatchObject([{ witness: { kind: 'mapping', iova: '0x10001000' } }]);
  });

  it('a device whose DC does not decode the window is a violation: a first-stage domain on spec 20260222 has msiptp Off (docs/hardware.md#msiptp-with-a-bare-g-stage), which is why the kernel takes only G-stage hwpts', () => {
    const s = windowed();
    const dom = deviceDomain(s, 0);
    const broken: State = {
      ...s,
      domains: s.domains.map((d) => (d.id === dom.id ? { ...d, stage: 's1' as const } : d)),
    };
    expect(dcOf(broken, 0).msiptp.MODE).toBe(0);
    expect(judge(broken)).toMatchObject([{ witness: { kind: 'mapping', iova: '0x10000000' } }]);
  });
});

describe('iommufd_hwpt_set_msi_window: the window test and the hwpt it takes (seed 000)', () => {
  const withPolicy = (p: Partial<typeof design.policy>) => ({
    ...design,
    policy: { ...design.policy, ...p },
  });

  it('inMsiWindow: a GPA page hits the window only when its bits outside msi_addr_mask equal the pattern (RISC-V IOMMU spec [[MSI_TRANS]])', () => {
    const w = { pattern: 0x1_0000n, mask: 0xfn };
    expect(inMsiWindow(w, 0x1_0003n)).toBe(true);
    expect(inMsiWindow(w, 0x1_0010n)).toBe(false);
    expect(inMsiWindow(w, 0x2_0003n)).toBe(false);
  });

  it('a window base inside a page (not page aligned) is -EINVAL, though its page would be a valid pattern', () => {
    const s = setup(design, topo([{}], { vms: 1 }), [toVm]);
    expect(run(s, [setWindow(WINDOW + 0x800n), setWindow(WINDOW)]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: true },
    ]);
  });

  it('a VM group whose device is not attached to an hwpt has no domain to take the window: -EINVAL', () => {
    const s = iommufd_device_detach(setup(design, topo([{}], { vms: 1 }), [toVm]), 0);
    expect(run(s, [setWindow(WINDOW)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('a first-stage paging hwpt is -EINVAL: only a G-stage hwpt decodes MSIs through msi_addr_* beside its table (docs/hardware.md#msiptp-with-a-bare-g-stage)', () => {
    const s = setup(withPolicy({ pagingStage: 's1' }), topo([{}], { vms: 1 }), [toVm]);
    expect(deviceDomain(s, 0)).toMatchObject({ type: 'UNMANAGED', stage: 's1' });
    expect(run(s, [setWindow(WINDOW)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('a nested hwpt is -EINVAL even over a G-stage parent: the window belongs to a paging hwpt', () => {
    const s = setup(withPolicy({ nestedGuest: 'rmr' }), topo([{}], { vms: 1 }), [toVm]);
    expect(deviceDomain(s, 0)).toMatchObject({ type: 'NESTED', stage: 's2' });
    expect(run(s, [setWindow(WINDOW)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });
});
