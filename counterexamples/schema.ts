import { z } from 'zod';
import { type Scenario, ScenarioSchema } from '../model/platform/scenario.ts';
import { DESIGN_ID } from '../spec/designs/schema.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import {
  WITNESS_CLASSES,
  type WitnessClass,
  weakerClass,
  witnessClass,
} from '../spec/invariants/witness-class.ts';
import { WitnessSchema } from '../spec/invariants/witness-schema.ts';

const count = z.number().int().min(0);

/**
 * How large the shrunk scenario may be: harts, devices, groups, ops and vectors per device. Stored
 * by `msispec accept` from the accepted scenario (or kept from the file when it still fits); a
 * replay that needs more, or a re-shrunk file that is larger, fails: shrinking got worse.
 */
export const BoundSchema = z.object({
  harts: count,
  devices: count,
  groups: count,
  ops: count,
  vectors: count,
  /** Why the bound is above the smallest scenario found by hand, where it is. */
  note: z.string().min(1).optional(),
});
export type Bound = z.infer<typeof BoundSchema>;

/**
 * A stored counterexample: the shrunk Scenario, the violation it produced, and how it was found.
 * `expected` means the verdict table records this violation (a reviewed file has its size bound);
 * `new` means a run found it and a person has yet to accept it.
 */
export const CounterexampleSchema = z
  .object({
    invariant: z.enum(INVARIANT_IDS),
    design: z.string().regex(DESIGN_ID),
    status: z.enum(['expected', 'new']),
    scenario: ScenarioSchema,
    violation: z.object({
      /** Index of the op after which the invariant first failed (-1: at boot). */
      afterOp: z.number().int().min(-1),
      witness: WitnessSchema,
      /**
       * The witness's strength class (witness-class.ts), for a write witness only; always the class
       * of `witness`. A file written before the field existed has none and is given it on reading.
       */
      class: z.enum(WITNESS_CLASSES).optional(),
    }),
    found: z.object({
      seed: z.number().int(),
      /** fast-check's counterexample path, for `fc.assert(..., { seed, path })`. */
      path: z.string(),
      /** Scenarios generated until the first failure; shrink steps taken. */
      runs: z.number().int().min(1),
      shrinks: z.number().int().min(0),
      /**
       * The witness class of the first failing scenario, before shrinking; the stored witness is
       * never weaker (properties/pair.ts checkPair). Absent when unknown: found before classes
       * were kept, or a witness that is not a write.
       */
      firstClass: z.enum(WITNESS_CLASSES).optional(),
    }),
    /**
     * Set by `msispec prove`: no smaller counterexample of its witness class (or a stronger one)
     * exists within the named scope — none with fewer ops, none as short on a lighter topology
     * (properties/exhaustive/enumerate.ts topologyWeight) — and none of a stronger class at all,
     * computed on the sources with this hash. `by`: whose scenario this is; `exhaustive` means
     * the search's own replaced a longer shrunk one, and `found` still tells how the violation was
     * first found.
     */
    certified: z
      .object({
        minimal: z.string().regex(/^certified minimal within [a-z0-9-]+( for its class \([a-z-]+\))?$/),
        scope: z.string(),
        by: z.enum(['exhaustive', 'random']),
        /**
         * The witness class it is minimal for: no scenario of the scope that is smaller has a
         * witness of this class or a stronger one, and none has a stronger class at all.
         */
        class: z.enum(WITNESS_CLASSES).optional(),
        topologyWeight: z.number().int().min(1),
        ops: z.number().int().min(0),
        sources: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      })
      .optional(),
    bound: BoundSchema.optional(),
    /** Day it was found (YYYY-MM-DD) and the msispec version that found it. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    msispec: z.string(),
  })
  .superRefine((c, ctx) => {
    if (c.scenario.design !== c.design)
      ctx.addIssue({ code: 'custom', path: ['scenario', 'design'], message: `must be ${c.design}` });
    if (c.violation.afterOp >= c.scenario.ops.length)
      ctx.addIssue({
        code: 'custom',
        path: ['violation', 'afterOp'],
        message: `must be below ${c.scenario.ops.length}, the number of ops`,
      });
    const cls = witnessClass(c.violation.witness);
    if (c.violation.class !== undefined && c.violation.class !== cls)
      ctx.addIssue({
        code: 'custom',
        path: ['violation', 'class'],
        message: `must be ${cls === undefined ? 'absent (the witness is not a write)' : `"${cls}", the class of the witness`}`,
      });
    if (weakerClass(cls, c.found.firstClass))
      ctx.addIssue({
        code: 'custom',
        path: ['violation', 'class'],
        message: `"${cls}" is weaker than the first failure found ("${c.found.firstClass}"): shrinking must keep the first failure's class`,
      });
    if (c.status === 'expected' && c.bound === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['bound'],
        message: 'a reviewed counterexample stores its size bound (msispec accept writes it)',
      });
  })
  // Migration: a file from before witness classes gets its witness's class on reading.
  .transform((c) => {
    const cls = witnessClass(c.violation.witness);
    return cls === undefined || c.violation.class !== undefined
      ? c
      : { ...c, violation: { ...c.violation, class: cls } };
  });
export type Counterexample = z.infer<typeof CounterexampleSchema>;

/**
 * The witness class a stored counterexample is replayed for (spec/replay.ts `atLeast`): a scenario
 * the exhaustive search stored as the least of its class may pass a weaker violation on the way;
 * a shrunk one (properties/pair.ts) fails first with its class, and is replayed to its first violation.
 */
export const replayClass = (c: Counterexample): WitnessClass | undefined =>
  c.certified?.by === 'exhaustive' ? c.violation.class : undefined;

/** The size of a scenario, in the terms of its bound. */
export const sizeOf = (s: Scenario): Omit<Bound, 'note'> => ({
  harts: s.topology.harts,
  devices: s.topology.devices.length,
  groups: new Set(s.topology.devices.map((d) => d.group)).size,
  ops: s.ops.length,
  vectors: Math.max(...s.topology.devices.map((d) => d.vectors)),
});

/** The measures of `s` that exceed `bound`, as "ops 4 > 3"; empty when it fits. */
export const overBound = (s: Scenario, bound: Bound): string[] => {
  const size = sizeOf(s);
  return (['harts', 'devices', 'groups', 'ops', 'vectors'] as const)
    .filter((k) => size[k] > bound[k])
    .map((k) => `${k} ${size[k]} > ${bound[k]}`);
};
