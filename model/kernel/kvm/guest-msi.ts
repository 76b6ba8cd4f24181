import { addIrq, deviceOf, domainOf, groupOf, irqOf, setDomain } from '../../platform/edit.ts';
import { imsicPage, msiFileIndex } from '../../platform/layout.ts';
import type { State, Vcpu } from '../../platform/state.ts';
import { ownerKey } from '../../platform/state.ts';
import { err, OK } from '../errno.ts';
import { currentDomainOf } from '../iommu/msi-table.ts';
import { domainMsiWindow, msiWindowPage } from '../iommufd/msi-window.ts';
import { irq_set_affinity } from '../irq/affinity.ts';
import { allocIrq, freeEiid } from '../irq/alloc.ts';
import type { Step } from '../vfio/assign.ts';
import { guestOwnMsiRefused } from './guest-s1.ts';

/**
 * A VM programs the MSI of `vector` toward vCPU `vcpu`. With irqbypass guest files
 * (msi-table-guest-files; RFC v2 patches 10-17, kvm_riscv_vcpu_aia_imsic_update) the MSI table of
 * the device's domain maps the guest's vIMSIC page for that vCPU to the VM's guest interrupt file on the hart, and
 * the guest's identity is written unchanged. Otherwise the VMM traps the MSI-X write and the host
 * allocates (or re-targets) a host vector whose handler forwards to the VM (vfio_msix_vector_do_use,
 * KVM irqfd).
 */
export const guest_program_msi = (s0: State, device: number, vector: number, vcpu: number): Step => {
  const dev = deviceOf(s0, device);
  const owner = groupOf(s0, dev.group).owner;
  if (owner.kind !== 'vm' || vector >= dev.vectors) return { state: s0, result: err('EINVAL') };
  const p = s0.policy.doorbells;
  if (p === 'msi-table-guest-files' || p === 'msi-table-irqbypass-rfc-v2') {
    // The vCPU's guest file on the hart it runs on (State.vcpus; kvm_riscv_aia_alloc_hgei).
    const place = s0.vcpus[owner.index]?.[vcpu];
    if (place === undefined) return { state: s0, result: err('EINVAL') };
    if (p === 'msi-table-irqbypass-rfc-v2') {
      const r = firstVcpuAffinity(s0, device, vector, vcpu);
      if (!r.ok) return { state: s0, result: err(r.errno) };
      return bypass(r.state, device, vector, vcpu, ownerKey(owner), place);
    }
    return bypass(s0, device, vector, vcpu, ownerKey(owner), place);
  }
  // Nested Arm, the guest's own VFIO without an MSI cookie: the guest's ITS driver gets -EOPNOTSUPP
  // from its iommu_dma_prepare_msi, so the guest never writes the vector (guestOwnMsiRefused).
  if (guestOwnMsiRefused(s0, device)) return { state: s0, result: err('EOPNOTSUPP') };
  // A VMM-supplied MSI window (seed 000; model/kernel/iommufd/msi-window.ts): the guest's message
  // names its vIMSIC page in the window, which the MSI table decodes to the vCPU's guest file.
  if (
    // Stryker disable next-line ConditionalExpression: only iommufd_hwpt_set_msi_window sets Domain.msiWindow, and it refuses every design but msi-table-userspace-window
    p === 'msi-table-userspace-window' &&
    domainOf(s0, currentDomainOf(s0, device)).msiWindow !== undefined
  ) {
    const place = s0.vcpus[owner.index]?.[vcpu];
    if (place === undefined) return { state: s0, result: err('EINVAL') };
    return bypass(s0, device, vector, vcpu, ownerKey(owner), place);
  }
  if (irqOf(s0, device, vector) !== undefined) {
    const r = irq_set_affinity(s0, device, vector, vcpu);
    return r.ok ? { state: r.state, result: OK } : { state: s0, result: err(r.errno) };
  }
  const r = allocIrq(s0, device, vector, vcpu);
  return r.ok
    ? { state: r.state, result: { ok: true, value: r.irq.irq } }
    : { state: s0, result: err(r.errno) };
};

/**
 * RFC v2 patches 10-17 as posted: irqbypass works on the host vector VFIO allocated (allocated
 * here if the VMM has not yet), whose patch 08 PTE maps a host S-file; the domain's first
 * irq_set_vcpu_affinity clears its MSI table and switches DC.msi_addr_* to the guest layout
 * (Domain.msiGuestLayout). Simplification: the guest layout equals the host S-file layout in the
 * model (the guest's vIMSIC S-file of vCPU h sits at the host S-file address of hart h), so the
 * switch changes msi_addr_* in name only.
 */
const firstVcpuAffinity = (s0: State, device: number, vector: number, vcpu: number) => {
  let s = s0;
  if (irqOf(s, device, vector) === undefined) {
    const r = allocIrq(s, device, vector, vcpu);
    if (!r.ok) return r;
    s = r.state;
  }
  const d = domainOf(s, currentDomainOf(s, device));
  if (d.msiGuestLayout !== true) s = setDomain(s, { ...d, msiTable: new Map(), msiGuestLayout: true });
  return { ok: true as const, state: s };
};

/** The guest-file PTE for `vcpu` and the guest's IRQ in place of the host one (irq_set_vcpu_affinity). */
const bypass = (
  s0: State,
  device: number,
  vector: number,
  vcpu: number,
  owner: string,
  place: Vcpu,
): Step => {
  const file = `G${place.hgei}` as const;
  const hart = place.hart;
  // The PTE goes into the MSI table of the domain the device is attached to (msi_root).
  const d = domainOf(s0, currentDomainOf(s0, device));
  const table = new Map(d.msiTable).set(msiFileIndex(vcpu, 0), imsicPage(s0.topology.harts, hart, file));
  let s = setDomain(s0, { ...d, msiTable: table });
  s = { ...s, irqs: s.irqs.filter((q) => !(q.device === device && q.vector === vector)) };
  // The guest allocates identities in its own file as Linux does on the host.
  const eiid = freeEiid(s, hart, file);
  if (eiid === undefined) return { state: s0, result: err('ENOSPC') };
  // The guest's vIMSIC S-file for vCPU h sits at index h of the domain's window: the VMM's
  // (msi-table-userspace-window) or else the host S-file layout in guest physical space.
  const msg = { addr: msiWindowPage(domainMsiWindow(d), msiFileIndex(vcpu, 0)) << 12n, data: eiid };
  [s] = addIrq(s, {
    device,
    vector,
    hart,
    owner,
    via: 'guest',
    hw: { chip: 'imsic', file, eiid },
    msg,
  });
  return { state: s, result: OK };
};
