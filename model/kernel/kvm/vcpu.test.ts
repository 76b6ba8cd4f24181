import { describe, expect, it } from 'vitest';
import { attribute } from '../../platform/attribution.ts';
import { deliverFrom } from '../../platform/deliver.ts';
import { domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import { imsicPage, msiFileIndex } from '../../platform/layout.ts';
import type { Op } from '../../platform/scenario.ts';
import type { State } from '../../platform/state.ts';
import { OK } from '../errno.ts';
import { alloc, assign, riscv, run, setup, topo, x86 } from '../testing.ts';
import { kvm_riscv_vcpu_aia_imsic_update, vcpuOnFile } from './vcpu.ts';

/** The idealised irqbypass design: guest files only, G-stage paging (RFC v2 patches 10-17 direction). */
const guestFiles = riscv('msi-table-guest-files', {
  pagingStage: 's2',
  msiRegion: 'hw-msi',
  isolatedMsiClaim: true,
});
const migrate = (vm: number, vcpu: number, hart: number): Op => ({
  op: 'kvm_riscv_vcpu_aia_imsic_update',
  vm,
  vcpu,
  hart,
});
const program = (vcpu: number): Op => ({ op: 'guest_program_msi', device: 0, vector: 0, vcpu });
const tableOf = (s: State) => domainOf(s, groupOf(s, 0).domain).msiTable;

describe('KVM guest interrupt files (arch/riscv/kvm/aia.c kvm_riscv_aia_alloc_hgei / kvm_riscv_aia_free_hgei, arch/riscv/kvm/aia_imsic.c kvm_riscv_vcpu_aia_imsic_update; AIA 1.0 guest interrupt files)', () => {
  it('at boot vCPU h of VM n runs on hart h with guest file G<n+1>', () => {
    const s = setup(guestFiles, topo([{}], { harts: 2, vms: 2 }));
    expect(s.vcpus).toEqual([
      [
        { hart: 0, hgei: 1 },
        { hart: 1, hgei: 1 },
      ],
      [
        { hart: 0, hgei: 2 },
        { hart: 1, hgei: 2 },
      ],
    ]);
  });

  it('a move allocates the lowest free guest file on the new hart and releases the old one, which the next vCPU to arrive gets', () => {
    const s0 = setup(guestFiles, topo([{}], { harts: 2, vms: 2 }));
    const { state, results } = run(s0, [migrate(0, 0, 1), migrate(1, 1, 0)]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    // hart 1 has G1 (VM 0 vCPU 1) and G2 (VM 1 vCPU 1) taken: VM 0 vCPU 0 gets G3; hart 0's G1 is free.
    expect(state.vcpus[0]?.[0]).toEqual({ hart: 1, hgei: 3 });
    expect(state.vcpus[1]?.[1]).toEqual({ hart: 0, hgei: 1 });
  });

  it('-ENOSPC when every guest file of the target hart is taken (GEILEN = 3)', () => {
    const s0 = setup(guestFiles, topo([{}], { harts: 2, vms: 2 }), [migrate(0, 0, 1)]);
    const { results } = run(s0, [migrate(1, 0, 1)]);
    expect(results).toEqual([{ ok: false, errno: 'ENOSPC' }]);
  });

  it('the guest IRQ follows its vCPU, and the idealised design rewrites the MSI PTE to the new guest file, so the MSI still arrives', () => {
    const s0 = setup(guestFiles, topo([{}], { harts: 2, vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      program(0),
    ]);
    expect(tableOf(s0).get(msiFileIndex(0, 0))).toBe(imsicPage(2, 0, 'G1'));
    const { state } = run(s0, [migrate(0, 0, 1)]);
    const q = irqOf(state, 0, 0);
    expect(q).toMatchObject({ hart: 1, hw: { chip: 'imsic', file: 'G2' } });
    expect(tableOf(state).get(msiFileIndex(0, 0))).toBe(imsicPage(2, 1, 'G2'));
    if (q === undefined) throw new Error('test setup');
    expect(deliverFrom(state, 0, q.msg.addr, q.msg.data).attribution).toMatchObject({
      kind: 'irq',
      irq: { irq: q.irq },
    });
  });

  it('a released guest file belongs to nobody: an interrupt there is attributed to the host as unallocated', () => {
    const s = setup(guestFiles, topo([{}], { harts: 2, vms: 1 }), [migrate(0, 0, 1)]);
    const at = (file: string) =>
      attribute(s, { kind: 'interrupt', controller: 'imsic', target: '0.0', file, identity: 5 });
    expect(at('G1')).toEqual({ kind: 'unallocated', owner: 'host' });
    const before = setup(guestFiles, topo([{}], { harts: 2, vms: 1 }));
    expect(
      attribute(before, { kind: 'interrupt', controller: 'imsic', target: '0.0', file: 'G1', identity: 5 }),
    ).toMatchObject({
      kind: 'guest-file',
      owner: 'vm:0',
    });
  });

  it('vcpuOnFile names the VM and vCPU holding a guest file (kvm_riscv_aia_alloc_hgei records the owner of hgei), none for a free one', () => {
    const s = setup(guestFiles, topo([{}], { harts: 2, vms: 2 }));
    expect(vcpuOnFile(s, 1, 2)).toEqual({ vm: 1, vcpu: 1 });
    expect(vcpuOnFile(s, 0, 1)).toEqual({ vm: 0, vcpu: 0 });
    expect(vcpuOnFile(s, 0, 3)).toBeUndefined();
  });

  it('a VM or vCPU that does not exist is -EINVAL and nothing changes', () => {
    const s = setup(guestFiles, topo([{}], { harts: 2, vms: 1 }));
    expect(kvm_riscv_vcpu_aia_imsic_update(s, 1, 0, 1)).toEqual({
      state: s,
      result: { ok: false, errno: 'EINVAL' },
    });
    expect(kvm_riscv_vcpu_aia_imsic_update(s, 0, 2, 1)).toEqual({
      state: s,
      result: { ok: false, errno: 'EINVAL' },
    });
  });

  it('a vCPU loaded again on the hart it runs on keeps its guest file ("Do nothing if we are continuing on same CPU"): OK, state unchanged', () => {
    const s = setup(guestFiles, topo([{}], { harts: 2, vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      program(0),
    ]);
    expect(kvm_riscv_vcpu_aia_imsic_update(s, 0, 0, 0)).toEqual({ state: s, result: OK });
  });

  it('only the IRQs in the moving vCPU’s own guest file move: not another vCPU’s file on the same hart, not the same file number on another hart, not host vectors', () => {
    const s0 = setup(guestFiles, topo([{ vectors: 3 }, {}], { harts: 3, vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      migrate(0, 2, 0), // vCPU 2 joins vCPU 0 on hart 0: G2 there
      { op: 'guest_program_msi', device: 0, vector: 0, vcpu: 0 }, // hart 0, G1
      { op: 'guest_program_msi', device: 0, vector: 1, vcpu: 1 }, // hart 1, G1
      { op: 'guest_program_msi', device: 0, vector: 2, vcpu: 2 }, // hart 0, G2
      alloc(1), // a host vector of device 1 in an S-file
    ]);
    expect(s0.vcpus[0]?.[2]).toEqual({ hart: 0, hgei: 2 });
    const { state, results } = run(s0, [migrate(0, 0, 1)]);
    expect(results).toEqual([{ ok: true }]);
    expect(state.vcpus[0]?.[0]).toEqual({ hart: 1, hgei: 2 });
    expect(irqOf(state, 0, 0)).toMatchObject({ hart: 1, hw: { chip: 'imsic', file: 'G2' } });
    expect(state.irqs.filter((q) => !(q.device === 0 && q.vector === 0))).toEqual(
      s0.irqs.filter((q) => !(q.device === 0 && q.vector === 0)),
    );
    expect(irqOf(state, 0, 1)).toMatchObject({ hart: 1, hw: { file: 'G1' } });
    expect(irqOf(state, 0, 2)).toMatchObject({ hart: 0, hw: { file: 'G2' } });
    expect(irqOf(state, 1, 0)).toMatchObject({ via: 'host', hw: { chip: 'imsic', file: 'S' } });
  });

  it('Arm and x86 designs trap guest MSI programming: the op is refused (-EINVAL)', () => {
    const s = setup(x86('vtd'), topo([{}], { harts: 2, vms: 1 }));
    expect(run(s, [migrate(0, 0, 1)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });
});

describe('RFC v2 irqbypass as posted (msi-table-irqbypass-rfc-v2: patches 08 + 10-17, 20250920203851.2205115-20-ajones@ventanamicro.com; irqbypass over the first stage on IOMMU spec v1.0)', () => {
  const rfcV2 = riscv('msi-table-irqbypass-rfc-v2', {
    defaultDomain: 'dma',
    msiRegion: 'hw-msi',
    isolatedMsiClaim: true,
  });
  const vm = (harts: number) => topo([{}], { harts, vms: 1 });
  const alloc0: Op = { op: 'msi_domain_alloc_irqs', device: 0 };

  it('a vector the VMM allocates through VFIO gets a host S-file PTE from patch 08’s IR irq domain', () => {
    const s = setup(rfcV2, vm(1), [assign(0, 'iommufd', { to: 'guest' }), alloc0]);
    expect(tableOf(s)).toEqual(new Map([[msiFileIndex(0, 0), imsicPage(1, 0, 'S')]]));
    expect(irqOf(s, 0, 0)?.via).toBe('host');
  });

  it('the first irq_set_vcpu_affinity clears the table and switches it to the guest layout; then only the guest-file PTE is there', () => {
    const s0 = setup(rfcV2, topo([{ vectors: 2 }], { harts: 1, vms: 1 }), [
      assign(0, 'iommufd', { to: 'guest' }),
      alloc0,
      alloc0,
    ]);
    const { state } = run(s0, [program(0)]);
    const d = domainOf(state, groupOf(state, 0).domain);
    expect(d.msiGuestLayout).toBe(true);
    expect(d.msiTable).toEqual(new Map([[msiFileIndex(0, 0), imsicPage(1, 0, 'G1')]]));
    // The host vector 1 VFIO allocated lost its S-file PTE with the clear: its message, decoded under
    // the guest layout, lands in the guest's file G1 instead of its host identity.
    const host = irqOf(state, 0, 1);
    if (host === undefined) throw new Error('test setup');
    expect(deliverFrom(state, 0, host.msg.addr, host.msg.data).outcome).toMatchObject({
      kind: 'interrupt',
      file: 'G1',
    });
  });

  it('a vCPU move does not rewrite the PTE (kvm_riscv_vcpu_aia_imsic_update: "TODO: Update the IOMMU mapping ???"): the device still reaches the released guest file', () => {
    const s0 = setup(rfcV2, vm(2), [assign(0, 'iommufd', { to: 'guest' }), program(0)]);
    const { state } = run(s0, [migrate(0, 0, 1)]);
    expect(tableOf(state).get(msiFileIndex(0, 0))).toBe(imsicPage(2, 0, 'G1'));
    const q = irqOf(state, 0, 0);
    if (q === undefined) throw new Error('test setup');
    expect(deliverFrom(state, 0, q.msg.addr, q.msg.data).attribution).toMatchObject({
      kind: 'unallocated',
      owner: 'host',
    });
  });
});

describe('series 1 patch 05 (resv-msi-identity): every paging domain identity-maps every IMSIC page, no MSI table', () => {
  it('a VFIO domain maps the IMSIC S-files 1:1 and the device context has no msiptp table', () => {
    const d = riscv('resv-msi-identity', { defaultDomain: 'dma', msiRegion: 'hw-msi' });
    const s = setup(d, topo([{}], { harts: 2 }), [assign(0, 'type1', { unsafe: true })]);
    const dom = domainOf(s, groupOf(s, 0).domain);
    for (const h of [0, 1]) expect(dom.pages.get(imsicPage(2, h, 'S'))?.ppn).toBe(imsicPage(2, h, 'S'));
    expect(dom.msiTable.size).toBe(0);
  });
});
