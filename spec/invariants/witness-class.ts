import type { Witness } from './witness-schema.ts';

/**
 * How strong a write witness is (issue 10 item 4), strongest first: the write raises another
 * owner's IRQ (a VM's or another userspace driver's); a host device's IRQ; a host system vector,
 * IPI or M-level file; an identity nothing has allocated (in the host's files or vectors, or in a
 * VM's guest file with no vector behind it). Only a write that raised an interrupt has a class: the
 * other witnesses (a lost MSI, a gate result, a mapping, a DMA write that reached memory) state a
 * fact with nothing to rank. One ranking: the write-space (write-space.ts reachableInterrupts)
 * orders its hits by it, and counterexample files, the shrink and the search store and compare it.
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

/**
 * The class of what an interrupting write reached (model/platform/attribution.ts attribute): `what`
 * is the attribution's kind, `owner` its owner key.
 */
export const reachedClass = (what: string, owner: string): WitnessClass => {
  if (what === 'irq') return owner === 'host' ? 'host-irq' : 'other-owner-irq';
  if (what === 'ipi' || what === 'system-vector' || what === 'machine-file') return 'host-system';
  return 'unallocated';
};

/** The class of a witness, or undefined for one that is not a write raising an interrupt. */
export const witnessClass = (w: Witness): WitnessClass | undefined =>
  w.kind !== 'write' || w.reached.owner === 'memory'
    ? undefined
    : reachedClass(w.reached.what, w.reached.owner);

/** Higher is stronger; a witness with no class ranks below every class. */
export const classRank = (c: WitnessClass | undefined): number =>
  c === undefined ? 0 : WITNESS_CLASSES.length - WITNESS_CLASSES.indexOf(c);

/** Whether `a` is weaker than `b` (never true when `b` has no class). */
export const weakerClass = (a: WitnessClass | undefined, b: WitnessClass | undefined): boolean =>
  classRank(a) < classRank(b);

/**
 * The violation of one state to show: the first with the strongest class. The write-space gives
 * each device its strongest hit; this picks the strongest over devices and groups.
 */
export const strongestOf = <V extends { readonly witness: Witness }>(vs: readonly V[]): V | undefined => {
  let best = vs[0];
  for (const v of vs)
    if (best !== undefined && classRank(witnessClass(v.witness)) > classRank(witnessClass(best.witness)))
      best = v;
  return best;
};

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
