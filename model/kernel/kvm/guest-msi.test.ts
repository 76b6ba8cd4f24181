import { describe, expect, it } from 'vitest';
import { getDesign } from '../../../spec/designs/load.ts';
import { addIrq, domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import { IMSIC_IDS, IMSIC_IPI_ID, imsicPage, LPI_BASE, msiFileIndex } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import { alloc, armIts, assign, riscv, run, setup, topo } from '../testing.ts';
import { guest_program_msi } from './guest-msi.ts';

/**
 * Takes every identity of interrupt file `file` of hart `hart` not yet taken (2..IMSIC_IDS; identity 1
 * is the IPI, irq-riscv-imsic-state.h IMSIC_IPI_ID) with IRQs of another device, so that the next
 * allocation there finds none (irq-riscv-imsic-state.c imsic_alloc_vector: irq_matrix_alloc → -ENOSPC).
 */
const fillFile = (s0: State, hart: number, file: string): State => {
  let s = s0;
  const used = new Set(
    s.irqs.flatMap((q) =>
      q.hart === hart && q.hw.chip === 'imsic' && q.hw.file === file ? [q.hw.eiid] : [],
    ),
  );
  for (let eiid = IMSIC_IPI_ID + 1; eiid <= IMSIC_IDS; eiid++) {
    if (used.has(eiid)) continue;
    [s] = addIrq(s, {
      device: 1,
      vector: 0,
      hart,
      owner: 'host',
      via: 'host',
      hw: { chip: 'imsic', file, eiid },
      msg: { addr: 0n, data: eiid },
    });
  }
  return s;
};

// drivers/vfio/pci/vfio_pci_intrs.c vfio_msix_vector_do_use: the VMM traps the guest's MSI-X write
// and the host allocates (or re-targets) a host vector; drivers/irqchip/irq-gic-v3-its.c
// its_irq_domain_alloc takes the lowest free EventID; arm-smmu-v3.c MSI_IOVA_BASE is 0x8000000.
describe('guest_program_msi through a host vector (vfio_msix_vector_do_use; its_irq_domain_alloc, its_irq_compose_msi_msg)', () => {
  const vm = () => setup(armIts(), topo([{}, {}], { vms: 1 }), [assign(0, 'type1', { to: 'guest' })]);

  it('a device not owned by a VM, or a vector at or past the device vectors, is -EINVAL and nothing changes', () => {
    const s = vm();
    expect(guest_program_msi(s, 1, 0, 0)).toEqual({ state: s, result: { ok: false, errno: 'EINVAL' } });
    expect(guest_program_msi(s, 0, 2, 0)).toEqual({ state: s, result: { ok: false, errno: 'EINVAL' } });
  });

  it('the last vector (vectors - 1) allocates a host LPI: EventID 0, message at MSI_IOVA_BASE + GITS_TRANSLATER', () => {
    const s = vm();
    const r = guest_program_msi(s, 0, 1, 1);
    expect(r.result).toEqual({ ok: true, value: s.nextIrq });
    expect(r.state.irqs).toEqual([
      {
        irq: s.nextIrq,
        device: 0,
        vector: 1,
        hart: 1,
        owner: 'vm:0',
        via: 'host',
        hw: { chip: 'its', event: 0, lpi: LPI_BASE + s.nextIrq },
        msg: { addr: 0x0800_0040n, data: 0 },
      },
    ]);
  });

  it('a second write of the same vector re-targets the existing host vector (irq_set_affinity): OK, same IRQ, new vCPU', () => {
    const s = vm();
    const first = guest_program_msi(s, 0, 0, 0);
    const before = irqOf(first.state, 0, 0);
    const again = guest_program_msi(first.state, 0, 0, 1);
    expect(again.result).toEqual({ ok: true });
    expect(again.state.irqs).toHaveLength(1);
    expect(irqOf(again.state, 0, 0)).toMatchObject({ irq: before?.irq, hart: 1, via: 'host' });
  });
});

// RFC v2 irqbypass patches (kvm_riscv_vcpu_aia_imsic_update): the domain's MSI table maps the
// guest's vIMSIC page of vCPU v to the VM's guest interrupt file on the hart v runs on.
describe('guest_program_msi with irqbypass guest files (msi-table-guest-files; RFC v2 patches 10-17)', () => {
  const vm = () =>
    setup(riscv('msi-table-guest-files'), topo([{}], { vms: 1, harts: 2 }), [
      assign(0, 'type1', { to: 'guest', unsafe: true }),
    ]);

  it('a vCPU the VM does not have is -EINVAL', () => {
    const s = vm();
    const vcpus = s.vcpus[0]?.length ?? 0;
    expect(vcpus).toBe(2);
    expect(guest_program_msi(s, 0, 0, vcpus)).toEqual({ state: s, result: { ok: false, errno: 'EINVAL' } });
  });

  it('the last vCPU: PTE vCPU index → guest file page on its hart, a guest IRQ with the first identity after the IPI', () => {
    const s = vm();
    const place = s.vcpus[0]?.[1];
    if (place === undefined) throw new Error('no vcpu 1');
    const id = groupOf(s, 0).domain;
    const r = guest_program_msi(s, 0, 0, 1);
    expect(r.result).toEqual({ ok: true });
    const file = `G${place.hgei}` as const;
    expect(domainOf(r.state, id).msiTable.get(msiFileIndex(1, 0))).toBe(imsicPage(2, place.hart, file));
    expect(irqOf(r.state, 0, 0)).toMatchObject({
      device: 0,
      vector: 0,
      hart: place.hart,
      owner: 'vm:0',
      via: 'guest',
      hw: { chip: 'imsic', file, eiid: 2 },
      msg: { data: 2 },
    });
  });
});

// RFC v2 patches 10-17 as posted: the first irq_set_vcpu_affinity of a domain clears its MSI table
// and switches DC.msi_addr_* to the guest layout; the host vector is allocated first if VFIO has not.
describe('guest_program_msi with RFC v2 irqbypass (msi-table-irqbypass-rfc-v2)', () => {
  it('the first guest write clears the host S-file PTEs and leaves only the guest-file PTE, table in the guest layout', () => {
    const s = setup(riscv('msi-table-irqbypass-rfc-v2'), topo([{}], { vms: 1, harts: 2 }), [
      assign(0, 'type1', { to: 'guest', unsafe: true }),
    ]);
    const place = s.vcpus[0]?.[0];
    if (place === undefined) throw new Error('no vcpu 0');
    const id = groupOf(s, 0).domain;
    const r = guest_program_msi(s, 0, 0, 0);
    expect(r.result).toEqual({ ok: true });
    const d = domainOf(r.state, id);
    expect(d.msiGuestLayout).toBe(true);
    const file = `G${place.hgei}` as const;
    expect(d.msiTable).toEqual(new Map([[msiFileIndex(0, 0), imsicPage(2, place.hart, file)]]));
    expect(r.state.irqs.map((q) => q.via)).toEqual(['guest']);
  });
});

// drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_set_affinity / irq-riscv-imsic-state.c
// imsic_alloc_vector: a host vector moved (or allocated) on a hart whose S-file has no free identity
// fails with -ENOSPC, and the VMM's trapped MSI-X write fails with it.
describe('guest_program_msi through a host vector on RISC-V: errors of the host allocation come back unchanged', () => {
  const vm = () =>
    setup(riscv('msi-table-all'), topo([{}, {}], { vms: 1, harts: 2 }), [
      assign(0, 'type1', { to: 'guest', unsafe: true }),
    ]);

  it('re-targeting to a vCPU whose hart has a full S-file is -ENOSPC (irq_set_affinity) and the state is unchanged', () => {
    const first = guest_program_msi(vm(), 0, 0, 0);
    expect(first.result.ok).toBe(true);
    const s = fillFile(first.state, 1, 'S');
    expect(guest_program_msi(s, 0, 0, 1)).toEqual({ state: s, result: { ok: false, errno: 'ENOSPC' } });
  });

  it('a first write toward a vCPU whose hart has a full S-file is -ENOSPC (vfio_msix_vector_do_use → imsic_alloc_vector) and the state is unchanged', () => {
    const s = fillFile(vm(), 1, 'S');
    expect(guest_program_msi(s, 0, 0, 1)).toEqual({ state: s, result: { ok: false, errno: 'ENOSPC' } });
  });
});

// The guest allocates its identities in its own interrupt file as Linux does on the host
// (irq-riscv-imsic-state.c imsic_alloc_vector in the guest): a full guest file is -ENOSPC.
describe('guest_program_msi with irqbypass guest files: the guest file and the vCPU', () => {
  const vm = (doorbells: 'msi-table-guest-files' | 'msi-table-irqbypass-rfc-v2') =>
    setup(riscv(doorbells), topo([{}, {}], { vms: 1, harts: 2 }), [
      assign(0, 'type1', { to: 'guest', unsafe: true }),
    ]);

  it('a VM the topology gives no vCPUs (owner index at topology.vms: ScenarioSchema refuses it, a direct call does not) is -EINVAL, state unchanged', () => {
    for (const d of ['msi-table-guest-files', 'msi-table-irqbypass-rfc-v2'] as const) {
      const s = setup(riscv(d), topo([{}], { vms: 1, harts: 2 }), [
        assign(0, 'type1', { to: 'guest', owner: 1, unsafe: true }),
      ]);
      expect(s.vcpus[1]).toBeUndefined();
      expect(guest_program_msi(s, 0, 0, 0)).toEqual({ state: s, result: { ok: false, errno: 'EINVAL' } });
    }
  });

  it('a guest file with no free identity is -ENOSPC and nothing changes (no PTE, no IRQ)', () => {
    const s0 = vm('msi-table-guest-files');
    const place = s0.vcpus[0]?.[1];
    if (place === undefined) throw new Error('no vcpu 1');
    const s = fillFile(s0, place.hart, `G${place.hgei}`);
    expect(guest_program_msi(s, 0, 0, 1)).toEqual({ state: s, result: { ok: false, errno: 'ENOSPC' } });
  });

  it('the idealised design needs no host vector: a full host S-file does not matter, and the table keeps the host layout (no RFC v2 clear)', () => {
    const s = fillFile(vm('msi-table-guest-files'), 0, 'S');
    const r = guest_program_msi(s, 0, 0, 0);
    expect(r.result).toEqual({ ok: true });
    expect(domainOf(r.state, groupOf(s, 0).domain).msiGuestLayout).not.toBe(true);
  });

  it('RFC v2 as posted works on the host vector VFIO allocates first: a full host S-file on the vCPU’s hart makes the guest write -ENOSPC, state unchanged', () => {
    const s = fillFile(vm('msi-table-irqbypass-rfc-v2'), 0, 'S');
    expect(guest_program_msi(s, 0, 0, 0)).toEqual({ state: s, result: { ok: false, errno: 'ENOSPC' } });
  });

  it('RFC v2: a vector VFIO already allocated is reused, so a then-full host S-file does not stop the guest write', () => {
    const s0 = run(vm('msi-table-irqbypass-rfc-v2'), [alloc(0)]).state;
    expect(irqOf(s0, 0, 0)?.via).toBe('host');
    const s = fillFile(s0, 0, 'S');
    expect(guest_program_msi(s, 0, 0, 0).result).toEqual({ ok: true });
  });

  it('RFC v2: only the domain’s first irq_set_vcpu_affinity clears the table; a second vector keeps the first guest-file PTE', () => {
    const s = vm('msi-table-irqbypass-rfc-v2');
    const a = guest_program_msi(s, 0, 0, 0);
    const b = guest_program_msi(a.state, 0, 1, 1);
    expect([a.result, b.result]).toEqual([{ ok: true }, { ok: true }]);
    const p0 = s.vcpus[0]?.[0];
    const p1 = s.vcpus[0]?.[1];
    if (p0 === undefined || p1 === undefined) throw new Error('no vcpus');
    expect(domainOf(b.state, groupOf(s, 0).domain).msiTable).toEqual(
      new Map([
        [msiFileIndex(0, 0), imsicPage(2, p0.hart, `G${p0.hgei}`)],
        [msiFileIndex(1, 0), imsicPage(2, p1.hart, `G${p1.hgei}`)],
      ]),
    );
  });
});

// HYPOTHETICAL iommufd MSI window (seed 000; model/kernel/iommufd/msi-window.ts): only a domain the
// VMM gave a window decodes the guest's vIMSIC pages; without one the MSI-X write is trapped as usual.
describe('guest_program_msi on the userspace-window design (msi-table-userspace-window, seed 000)', () => {
  const design = getDesign('riscv-userspace-msi-addr');
  const vm = (ops: Parameters<typeof setup>[2] = []) =>
    setup(design, topo([{}, {}], { vms: 1, harts: 2 }), [
      assign(0, 'iommufd', { to: 'guest', unsafe: true }),
      ...ops,
    ]);
  const setWindow = { op: 'iommufd_hwpt_set_msi_window', group: 0, iova: '0x10000000' } as const;

  it('no window set: the write goes through a host vector (via host, S-file), as on any trapping design', () => {
    const r = guest_program_msi(vm(), 0, 0, 1);
    expect(r.result).toEqual({ ok: true, value: vm().nextIrq });
    expect(irqOf(r.state, 0, 0)).toMatchObject({ via: 'host', hart: 1, hw: { chip: 'imsic', file: 'S' } });
  });

  it('with a window, a VM the topology gives no vCPUs (owner index at topology.vms) is -EINVAL, state unchanged', () => {
    const s = setup(design, topo([{}], { vms: 1, harts: 2 }), [
      assign(0, 'iommufd', { to: 'guest', owner: 1, unsafe: true }),
      setWindow,
    ]);
    expect(s.vcpus[1]).toBeUndefined();
    expect(guest_program_msi(s, 0, 0, 0)).toEqual({ state: s, result: { ok: false, errno: 'EINVAL' } });
  });

  it('with a window, a vCPU the VM does not have is -EINVAL and nothing changes', () => {
    const s = vm([setWindow]);
    expect(guest_program_msi(s, 0, 0, 2)).toEqual({ state: s, result: { ok: false, errno: 'EINVAL' } });
  });
});
