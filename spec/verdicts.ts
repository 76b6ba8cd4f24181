import { z } from 'zod';
import { DESIGN_IDS, type DesignId } from './designs/schema.ts';
import { readJsonFile } from './input-error.ts';
import { INVARIANT_IDS, type InvariantId } from './invariants/types.ts';

/**
 * The reviewed verdict of one design × invariant pair: what the model found, recorded by a person.
 * `n/a` pairs are still run by the gate and must find nothing.
 */
export const VerdictSchema = z.discriminatedUnion('verdict', [
  z.object({ verdict: z.literal('holds') }),
  z.object({
    verdict: z.literal('violated'),
    /** Path under counterexamples/ of the stored counterexample. */
    counterexample: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+\.json$/),
    /** The reviewer's one-line reading of the counterexample. */
    note: z.string().min(1),
  }),
  z.object({ verdict: z.literal('n/a'), reason: z.string().min(1) }),
]);
export type Verdict = z.infer<typeof VerdictSchema>;

export const VerdictsSchema = z
  .record(z.enum(DESIGN_IDS), z.record(z.enum(INVARIANT_IDS), VerdictSchema))
  .superRefine((table, ctx) => {
    for (const d of DESIGN_IDS) {
      for (const i of INVARIANT_IDS) {
        if (table[d]?.[i] === undefined)
          ctx.addIssue({ code: 'custom', path: [d, i], message: 'missing verdict' });
      }
    }
  });
export type Verdicts = Record<DesignId, Record<InvariantId, Verdict>>;

export const VERDICTS_FILE = new URL('./verdicts.json', import.meta.url).pathname;

export const loadVerdicts = (file = VERDICTS_FILE): Verdicts =>
  readJsonFile(file, VerdictsSchema) as Verdicts;
