import { z } from 'zod';
import { writeJsonAtomic } from './data-file.ts';
import { loadDesigns } from './designs/load.ts';
import { InputFileError, readJsonFile, unknownId } from './input-error.ts';
import { INVARIANT_IDS, type InvariantId } from './invariants/types.ts';
import { REPO } from './repo.ts';

/**
 * The reviewed verdict of one design × invariant pair: what the model found, recorded by a person.
 * `n/a` pairs are still run by the gate and must find nothing.
 */
export const VerdictSchema = z.discriminatedUnion('verdict', [
  z.object({
    verdict: z.literal('holds'),
    /**
     * For a ✓ that holds only vacuously (its certificate: the premise never arises within the
     * scope), the reviewer's one line on why the premise cannot arise in this design.
     */
    note: z
      .string()
      .min(1)
      .regex(/^[^\n]*$/, 'one line')
      .optional(),
  }),
  z.object({
    verdict: z.literal('violated'),
    /** Path under counterexamples/ of the stored counterexample: `<invariant>/<design>.json`. */
    counterexample: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+\.json$/),
    /** The reviewer's one-line reading of the counterexample. */
    note: z.string().min(1),
  }),
  z.object({ verdict: z.literal('n/a'), reason: z.string().min(1) }),
]);
export type Verdict = z.infer<typeof VerdictSchema>;

/** What the gate holds a pair to: its reviewed verdict, or `unreviewed` when the table has none. */
export type Expected = Verdict | { readonly verdict: 'unreviewed' };
const UNREVIEWED: Expected = { verdict: 'unreviewed' };

/**
 * The table, by design then invariant. A pair may be missing: it is unreviewed, runs like any other
 * and fails the gate until `msispec accept` records what it found.
 */
export type Verdicts = Readonly<Record<string, Readonly<Partial<Record<InvariantId, Verdict>>>>>;

const VerdictsSchema = z.record(z.string(), z.partialRecord(z.enum(INVARIANT_IDS), VerdictSchema));

export const VERDICTS_FILE = REPO.verdicts;

/** The counterexample file a violated verdict of (design, invariant) must name. */
export const pairFile = (invariant: string, design: string): string => `${invariant}/${design}.json`;

/**
 * Reads and validates a verdict table against the catalogue `designs`: every row must be a design
 * that has a file, and a violated verdict must name its own pair's counterexample file.
 */
export const loadVerdicts = (
  file = VERDICTS_FILE,
  designs: readonly string[] = [...loadDesigns().keys()],
): Verdicts => {
  const table = readJsonFile(file, VerdictsSchema) as Verdicts;
  for (const [design, row] of Object.entries(table)) {
    if (!designs.includes(design)) {
      const e = unknownId('design', design, designs, `$.${design}`);
      throw new InputFileError(file, {
        ...e,
        message: `${e.message} (there is no spec/designs/${design}.json)`,
      });
    }
    for (const [inv, v] of Object.entries(row)) {
      if (v?.verdict === 'violated' && v.counterexample !== pairFile(inv, design))
        throw new InputFileError(file, {
          path: `$.${design}.${inv}.counterexample`,
          message: `must be "${pairFile(inv, design)}", the pair's own counterexample file`,
        });
    }
  }
  return table;
};

/** The note of a ✓ verdict (why its vacuous premise never arises), if it has one. */
export const holdsNote = (v: Expected | undefined): string | undefined =>
  v?.verdict === 'holds' ? v.note : undefined;

export const expectedOf = (table: Verdicts, design: string, invariant: InvariantId): Expected =>
  table[design]?.[invariant] ?? UNREVIEWED;

/**
 * The table with (design, invariant) set to `verdict`: rows keep their place (a new design's row
 * goes last) and each row lists its invariants in the spec's order.
 */
export const withVerdict = (
  table: Verdicts,
  design: string,
  invariant: InvariantId,
  verdict: Verdict,
): Verdicts => {
  const row = { ...table[design], [invariant]: verdict };
  const ordered = Object.fromEntries(
    INVARIANT_IDS.filter((i) => row[i] !== undefined).map((i) => [i, row[i]]),
  ) as Partial<Record<InvariantId, Verdict>>;
  return { ...table, [design]: ordered };
};

/** Writes a verdict table in the repository's JSON format, atomically. */
export const writeVerdicts = (file: string, table: Verdicts): void => writeJsonAtomic(file, table);
