import type { DesignCore } from '../../model/kernel/policy.ts';
import type { State } from '../../model/platform/state.ts';
import type { Witness } from './witness-schema.ts';

/** The stable invariant ids (docs/invariants.md). */
export const INVARIANT_IDS = [
  'msi-isolation',
  'assignment-gate',
  'guest-containment',
  'dma-containment',
  'msi-delivery',
  'affinity-atomic',
  'domain-switch-continuity',
  'resv-exclusion',
  'direct-mapped',
  'msi-window-bounds',
  'hw-sw-msi-exclusive',
  'stage-consistency',
  'userspace-msi-address',
  'doorbell-exposure',
] as const;
export type InvariantId = (typeof INVARIANT_IDS)[number];

export type { JsonOutcome, Witness } from './witness-schema.ts';

export interface Violation {
  readonly invariant: InvariantId;
  readonly witness: Witness;
}

/** One chapter of the spec: the statement a maintainer signs, why, from where, and the predicate. */
export interface Invariant {
  readonly id: InvariantId;
  readonly title: string;
  readonly statement: string;
  readonly rationale: string;
  readonly sources: readonly string[];
  /** Pure: judges one state. Never reads the design's claims; only what the state and deliver() show. */
  readonly check: (design: DesignCore, state: State) => Violation[];
}
