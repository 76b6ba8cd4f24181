import { domainOf, setDomain } from '../../platform/edit.ts';
import { IMSIC_GUEST_INDEX_BITS, imsicPage } from '../../platform/layout.ts';
import type { State, Vcpu } from '../../platform/state.ts';
import { err, OK } from '../errno.ts';
import type { Step } from '../vfio/assign.ts';

/** GEILEN: guest interrupt files per hart (model/platform/layout.ts IMSIC_GUEST_INDEX_BITS). */
const GEILEN = (1 << IMSIC_GUEST_INDEX_BITS) - 1;

/** The vCPU holding guest file G<hgei> of hart `hart`, if any. */
export const vcpuOnFile = (
  s: State,
  hart: number,
  hgei: number,
): { readonly vm: number; readonly vcpu: number } | undefined => {
  for (const [vm, list] of s.vcpus.entries())
    for (const [vcpu, p] of list.entries()) if (p.hart === hart && p.hgei === hgei) return { vm, vcpu };
  return undefined;
};

/** kvm_riscv_aia_alloc_hgei (arch/riscv/kvm/aia.c): the lowest free guest file of hart `hart`. */
const allocHgei = (s: State, hart: number): number | undefined => {
  for (let g = 1; g <= GEILEN; g++) if (vcpuOnFile(s, hart, g) === undefined) return g;
  return undefined;
};

/**
 * The idealised irqbypass (msi-table-guest-files) and the VMM-supplied window
 * (msi-table-userspace-window, model/kernel/iommufd/msi-window.ts) keep the IOMMU in step with KVM:
 * every MSI PTE that pointed at the vCPU's old guest file is rewritten to the new one. As posted (RFC v2,
 * msi-table-irqbypass-rfc-v2) and upstream, nothing does (kvm_riscv_vcpu_aia_imsic_update:
 * "TODO: Update the IOMMU mapping ???"), so those PTEs go stale.
 */
const retargetPtes = (s0: State, from: bigint, to: bigint): State => {
  const p = s0.policy.doorbells;
  if (p !== 'msi-table-guest-files' && p !== 'msi-table-userspace-window') return s0;
  let s = s0;
  for (const d of s0.domains) {
    // Stryker disable next-line ConditionalExpression: a shortcut: without `from` the rewrite below gives back an equal table
    if (![...d.msiTable.values()].includes(from)) continue;
    const table = new Map([...d.msiTable].map(([i, p]) => [i, p === from ? to : p] as const));
    s = setDomain(s, { ...domainOf(s, d.id), msiTable: table });
  }
  return s;
};

/**
 * vCPU `vcpu` of VM `vm` is loaded on host hart `hart` (kvm_riscv_vcpu_aia_imsic_update,
 * arch/riscv/kvm/aia_imsic.c, Linux 7.0): a guest file is allocated on the new hart
 * (kvm_riscv_aia_alloc_hgei; -ENOSPC when all GEILEN are taken), the guest's interrupt state moves
 * into it with its IRQs, and the old file is released (kvm_riscv_aia_free_hgei) for the next vCPU
 * of any VM that needs one. RISC-V only: the Arm and x86 designs trap guest MSI programming, so a
 * vCPU's placement does not change their delivery (-EINVAL).
 * Simplification: a vCPU always holds a hardware guest file (no software-file fallback).
 */
export const kvm_riscv_vcpu_aia_imsic_update = (s0: State, vm: number, vcpu: number, hart: number): Step => {
  const old: Vcpu | undefined = s0.vcpus[vm]?.[vcpu];
  if (s0.hardware.arch !== 'riscv' || old === undefined) return { state: s0, result: err('EINVAL') };
  if (old.hart === hart) return { state: s0, result: OK };
  const hgei = allocHgei(s0, hart);
  if (hgei === undefined) return { state: s0, result: err('ENOSPC') };
  const next: Vcpu = { hart, hgei };
  const oldFile = `G${old.hgei}` as const;
  const file = `G${hgei}` as const;
  const owner = `vm:${vm}`;
  const irqs = s0.irqs.map((q) =>
    // Stryker disable next-line ConditionalExpression,LogicalOperator: an IRQ in the moving vCPU's guest file (same hart, same hgei) can only be that VM's guest IRQ: host vectors use the S-file, guest files are one per vCPU (allocHgei) and IRQs follow their vCPU
    q.via === 'guest' &&
    // Stryker disable next-line ConditionalExpression: an IRQ in the moving vCPU's guest file (same hart, same hgei) is that VM's guest IRQ: guest files are one per vCPU (allocHgei) and IRQs follow their vCPU
    q.owner === owner &&
    q.hart === old.hart &&
    // Stryker disable next-line ConditionalExpression: every IRQ on a RISC-V design is an IMSIC one (allocIrq's riscv branch, guest_program_msi's bypass); a non-IMSIC hw has no file to match
    q.hw.chip === 'imsic' &&
    q.hw.file === oldFile
      ? { ...q, hart, hw: { ...q.hw, file } }
      : q,
  );
  const vcpus = s0.vcpus.map((list, i) => (i === vm ? list.map((p, j) => (j === vcpu ? next : p)) : list));
  const harts = s0.topology.harts;
  const s = retargetPtes(
    { ...s0, irqs, vcpus },
    imsicPage(harts, old.hart, oldFile),
    imsicPage(harts, hart, file),
  );
  return { state: s, result: OK };
};
