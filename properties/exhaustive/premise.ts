import { iommu_group_has_isolated_msi } from '../../model/kernel/irq/isolated.ts';
import type { State } from '../../model/platform/state.ts';
import { msiMappedPages } from '../../spec/invariants/doorbell-exposure.ts';
import type { InvariantId } from '../../spec/invariants/types.ts';
import { assignedGroups, devicesThrough } from '../../spec/invariants/witness.ts';

/**
 * What the exhaustive search needs to know of each invariant beyond its predicate.
 *
 * `judges`: `state` invariants read the state alone and are judged once per distinct state;
 * `transition` invariants read `last` (the op just applied, its result, the state before) and are
 * judged on every transition, a duplicate successor included. symmetry.test.ts checks that every
 * `state` invariant gives the same verdict with `last` removed.
 *
 * `premise`: when the invariant has something to judge in a state — the quantifier domain of its
 * statement is not empty. A pair that holds within a scope where its premise never arises holds
 * vacuously there, and its certificate says so instead of certifying it.
 */
export interface InvariantTraits {
  readonly judges: 'state' | 'transition';
  readonly premise: string;
  readonly holds: (s: State) => boolean;
}

const unmanagedInUse = (s: State) =>
  s.domains.filter((d) => d.owner !== 'host' && d.type === 'UNMANAGED' && devicesThrough(s, d).length > 0);

export const TRAITS: Record<InvariantId, InvariantTraits> = {
  'msi-isolation': {
    judges: 'state',
    premise: 'a group the kernel judges isolated is assigned to a VFIO or iommufd owner',
    holds: (s) => assignedGroups(s).some((g) => iommu_group_has_isolated_msi(s, g.id)),
  },
  'assignment-gate': {
    judges: 'transition',
    premise: 'vfio_group_assign is applied',
    holds: (s) => s.last?.op.op === 'vfio_group_assign',
  },
  'guest-containment': {
    judges: 'state',
    premise: 'a group is assigned to a VM',
    holds: (s) => s.groups.some((g) => g.owner.kind === 'vm'),
  },
  'dma-containment': {
    judges: 'state',
    premise: 'a group is assigned to a VFIO or iommufd owner',
    holds: (s) => assignedGroups(s).length > 0,
  },
  'msi-delivery': {
    judges: 'state',
    premise: 'an MSI is programmed',
    holds: (s) => s.irqs.length > 0,
  },
  'affinity-atomic': {
    judges: 'state',
    premise: 'irq_set_affinity moves an IRQ to another hart',
    holds: (s) => {
      const op = s.last?.op;
      if (op?.op !== 'irq_set_affinity' || s.last?.result.ok !== true) return false;
      const q = s.last.before.irqs.find((x) => x.device === op.device && x.vector === op.vector);
      return q !== undefined && q.hart !== op.hart;
    },
  },
  'domain-switch-continuity': {
    judges: 'transition',
    premise: 'iommufd replaces the domain of a group with an IRQ',
    holds: (s) => {
      const op = s.last?.op;
      if (op?.op !== 'iommu_replace_domain' || s.last?.result.ok !== true) return false;
      return s.irqs.some((q) => s.devices[q.device]?.group === op.group);
    },
  },
  'resv-exclusion': {
    judges: 'state',
    premise: 'an owner-controlled domain in use holds a user or MSI mapping',
    holds: (s) => unmanagedInUse(s).some((d) => d.pages.size > 0),
  },
  'direct-mapped': {
    judges: 'state',
    premise: 'a device reports a DIRECT region',
    holds: (s) => s.devices.some((d) => d.resv.some((r) => r.type === 'DIRECT')),
  },
  'msi-window-bounds': {
    judges: 'state',
    premise: 'an owner-controlled domain in use holds an MSI page',
    holds: (s) => unmanagedInUse(s).some((d) => d.msiPages.size > 0),
  },
  'hw-sw-msi-exclusive': {
    judges: 'state',
    premise: 'a device reports an MSI or SW_MSI region',
    holds: (s) => s.devices.some((d) => d.resv.some((r) => r.type === 'MSI' || r.type === 'SW_MSI')),
  },
  'stage-consistency': {
    judges: 'state',
    premise: 'a RISC-V device is attached to a paging (DMA or UNMANAGED) domain',
    holds: (s) =>
      s.hardware.arch === 'riscv' &&
      s.devices.some((dev) => {
        const t = s.domains[s.groups[dev.group]?.domain ?? -1]?.type;
        return t === 'DMA' || t === 'UNMANAGED';
      }),
  },
  'doorbell-exposure': {
    judges: 'state',
    premise: "an assigned group's domain maps a page for its MSIs",
    holds: (s) => assignedGroups(s).some((g) => g.devices.some((d) => msiMappedPages(s, d).length > 0)),
  },
  'userspace-msi-address': {
    judges: 'state',
    premise:
      'a host-allocated MSI belongs to a device with a userspace-supplied MSI IOVA, or a device is attached to a domain with a userspace-supplied MSI window',
    holds: (s) =>
      s.irqs.some((q) => q.via === 'host' && (s.devices[q.device]?.userMsiIova.size ?? 0) > 0) ||
      s.domains.some((d) => d.msiWindow !== undefined && devicesThrough(s, d).length > 0),
  },
};
