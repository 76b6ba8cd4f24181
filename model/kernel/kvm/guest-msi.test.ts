import { describe, expect, it } from 'vitest';
import { domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import { imsicPage, LPI_BASE, msiFileIndex } from '../../platform/layout.ts';
import { armIts, assign, riscv, setup, topo } from '../testing.ts';
import { guest_program_msi } from './guest-msi.ts';

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
