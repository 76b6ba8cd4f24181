import { z } from 'zod';
import { ScenarioSchema } from '../model/platform/scenario.ts';
import { DESIGN_IDS } from '../spec/designs/schema.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { WitnessSchema } from '../spec/invariants/witness-schema.ts';

/**
 * A stored counterexample: the shrunk Scenario, the violation it produced, and how it was found.
 * `expected` means the verdict table records this violation; `new` means a run found it and a
 * person has yet to review it.
 */
export const CounterexampleSchema = z
  .object({
    invariant: z.enum(INVARIANT_IDS),
    design: z.enum(DESIGN_IDS),
    status: z.enum(['expected', 'new']),
    scenario: ScenarioSchema,
    violation: z.object({
      /** Index of the op after which the invariant first failed (-1: at boot). */
      afterOp: z.number().int().min(-1),
      witness: WitnessSchema,
    }),
    found: z.object({
      seed: z.number().int(),
      /** fast-check's counterexample path, for `fc.assert(..., { seed, path })`. */
      path: z.string(),
      /** Scenarios generated until the first failure; shrink steps taken. */
      runs: z.number().int().min(1),
      shrinks: z.number().int().min(0),
    }),
    /**
     * Set by `msispec prove`: no smaller counterexample exists within the named scope — none with
     * fewer ops, none as short on a lighter topology (properties/exhaustive/enumerate.ts
     * topologyWeight) — computed on the sources with this hash. `by`: whose scenario this is; `exhaustive` means
     * the search's own replaced a longer shrunk one, and `found` still tells how the violation was
     * first found.
     */
    certified: z
      .object({
        minimal: z.string().regex(/^certified minimal within [a-z0-9-]+$/),
        scope: z.string(),
        by: z.enum(['exhaustive', 'random']),
        topologyWeight: z.number().int().min(1),
        ops: z.number().int().min(0),
        sources: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      })
      .optional(),
    /** Day it was found (YYYY-MM-DD) and the msispec version that found it. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    msispec: z.string(),
  })
  .superRefine((c, ctx) => {
    if (c.scenario.design !== c.design)
      ctx.addIssue({ code: 'custom', path: ['scenario', 'design'], message: `must be ${c.design}` });
  });
export type Counterexample = z.infer<typeof CounterexampleSchema>;
