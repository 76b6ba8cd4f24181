import type { DesignCore } from '../../model/kernel/policy.ts';
import type { State } from '../../model/platform/state.ts';

/** The stable invariant ids (DESIGN.md, "Invariants"). */
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
] as const;
export type InvariantId = (typeof INVARIANT_IDS)[number];

/** An outcome as plain JSON (addresses as hex strings), so a witness can be stored and compared. */
export type JsonOutcome = Record<string, string | number | boolean | Record<string, string | number>>;

/** The evidence of a violation. Its `kind` is what a stored counterexample must reproduce. */
export type Witness =
  /** A write the device can make (any address, any data) and where it landed. */
  | {
      readonly kind: 'write';
      readonly device: number;
      readonly bdf: string;
      readonly addr: string;
      readonly data: number;
      readonly outcome: JsonOutcome;
      /** Who owns what it reached: owner key, and the Linux IRQ if one. */
      readonly reached: {
        readonly owner: string;
        readonly what: string;
        readonly irq?: number;
        readonly device?: number;
      };
      /** The owner the device was assigned to, whose interrupts alone it may raise. */
      readonly allowed: string;
    }
  /** A programmed MSI that did not arrive where it was allocated. */
  | {
      readonly kind: 'delivery';
      readonly irq: number;
      readonly device: number;
      readonly bdf: string;
      readonly msg: { readonly addr: string; readonly data: number };
      readonly expected: string;
      readonly outcome: JsonOutcome;
    }
  | {
      readonly kind: 'gate';
      readonly group: number;
      readonly isolated: boolean;
      readonly unsafe: boolean;
      readonly result: string;
    }
  | { readonly kind: 'mapping'; readonly domain: number; readonly iova: string; readonly conflict: string }
  | {
      readonly kind: 'direct';
      readonly device: number;
      readonly bdf: string;
      readonly region: string;
      readonly problem: string;
    }
  | { readonly kind: 'atomic-mapping'; readonly irq: number; readonly page: string }
  | {
      readonly kind: 'msi-iova';
      readonly domain: number;
      readonly iova: string;
      readonly doorbell: string;
      readonly window: string;
    }
  | {
      readonly kind: 'regions';
      readonly device: number;
      readonly bdf: string;
      readonly regions: readonly string[];
      readonly problem: string;
    };

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
