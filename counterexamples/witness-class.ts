import type { Witness } from '../spec/invariants/witness-schema.ts';

/**
 * How strong a write witness is (issue 10 item 4), strongest first: the write raises another
 * owner's IRQ (a VM's or another userspace driver's); a host device's IRQ; a host system vector,
 * IPI or M-level file; an identity nothing has allocated (in the host's files or vectors, or in a
 * VM's guest file with no vector behind it). Only write witnesses have a class: the others state
 * a fact (a lost MSI, a gate result, a mapping) with nothing to rank.
 */
export const WITNESS_CLASSES = ['other-owner-irq', 'host-irq', 'host-system', 'unallocated'] as const;
export type WitnessClass = (typeof WITNESS_CLASSES)[number];

/** A few words for each class, for reports and the CLI. */
export const WITNESS_CLASS_TEXT: Record<WitnessClass, string> = {
  'other-owner-irq': "another owner's IRQ",
  'host-irq': "a host device's IRQ",
  'host-system': 'a host system vector or IPI',
  unallocated: 'an unallocated identity',
};

/** The class of a witness, or undefined for a witness that is not a write. */
export const witnessClass = (w: Witness): WitnessClass | undefined => {
  if (w.kind !== 'write') return undefined;
  const { what, owner } = w.reached;
  if (what === 'irq') return owner === 'host' ? 'host-irq' : 'other-owner-irq';
  if (what === 'ipi' || what === 'system-vector' || what === 'machine-file') return 'host-system';
  return 'unallocated';
};

/** Higher is stronger; a witness with no class ranks below every class. */
export const classRank = (c: WitnessClass | undefined): number =>
  c === undefined ? 0 : WITNESS_CLASSES.length - WITNESS_CLASSES.indexOf(c);

/** Whether `a` is weaker than `b` (never true when `b` has no class). */
export const weakerClass = (a: WitnessClass | undefined, b: WitnessClass | undefined): boolean =>
  classRank(a) < classRank(b);

/** A stored violation with its witness's class, for a write witness. */
export const classified = <V extends { readonly witness: Witness }>(v: V): V & { class?: WitnessClass } => {
  const c = witnessClass(v.witness);
  return c === undefined ? v : { ...v, class: c };
};

/** "write witness: a host device's IRQ", or the kind alone for a witness with no class. */
export const witnessLabel = (w: Witness): string => {
  const c = witnessClass(w);
  return c === undefined ? `${w.kind} witness` : `${w.kind} witness: ${WITNESS_CLASS_TEXT[c]}`;
};
