import { z } from 'zod';
import type { Counterexample } from '../counterexamples/schema.ts';
import { type CheckRun, type PairCheck, reproduceCommand } from '../properties/gate.ts';
import { type GateData, type Problem, storedOf } from '../properties/gate-data.ts';
import { runStrength } from '../properties/strength.ts';
import { opText, resultText } from '../reports/render/hops.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { classified, WITNESS_CLASSES, witnessClass } from '../spec/invariants/witness-class.ts';
import { type Witness, WitnessSchema } from '../spec/invariants/witness-schema.ts';
import { holdsNote, pairFile } from '../spec/verdicts.ts';
import { VERSION } from './version.ts';

/**
 * What a gate run found, pair by pair, as JSON (`msispec check --json`): the format `msispec diff`
 * compares between two trees. Format 1; a field is only ever added.
 */
const CounterexampleSnapshotSchema = z.object({
  /** Replayed from its stored file, or found by this run's search. */
  source: z.enum(['stored', 'search']),
  file: z.string().optional(),
  /** Ops in the scenario; the op after which the invariant fails (-1: at boot). */
  ops: z.number().int(),
  afterOp: z.number().int(),
  /** The kind of violation: the witness kind and where the write ended. */
  class: z.string(),
  witness: WitnessSchema,
  /** The witness's strength class (spec/invariants/witness-class.ts); absent unless a write. Added after format 1 was fixed. */
  witnessClass: z.enum(WITNESS_CLASSES).optional(),
  /** Each op up to the violation with the kernel's result, as text. */
  trace: z.array(z.string()),
  /** Whether the stored file records exactly this witness and op (always false for a search). */
  recorded: z.boolean(),
});
export type CounterexampleSnapshot = z.infer<typeof CounterexampleSnapshotSchema>;

/** How strong the recorded verdict is, from the pair's committed certificate (properties/strength.ts). */
const StrengthSnapshotSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.enum(['exhaustive', 'vacuous', 'minimal']),
    scope: z.string(),
    states: z.number().int(),
    depth: z.number().int(),
    premise: z.string(),
  }),
  z.object({
    kind: z.literal('random'),
    why: z.string(),
    /** This run's random search: its runs, and those in which the invariant's premise arose. */
    premise: z.string().optional(),
    runs: z.number().int().optional(),
    premiseRuns: z.number().int().optional(),
  }),
]);

const PairSnapshotSchema = z.object({
  design: z.string(),
  invariant: z.enum(INVARIANT_IDS),
  expected: z.enum(['holds', 'violated', 'n/a', 'unreviewed']),
  found: z.enum(['holds', 'violated']),
  ok: z.boolean(),
  why: z.string().optional(),
  seed: z.number().int(),
  reproduce: z.string(),
  counterexample: CounterexampleSnapshotSchema.optional(),
  /** Added in msispec 0.1.0 after format 1 was fixed; a snapshot written before has none. */
  strength: StrengthSnapshotSchema.optional(),
  /** The note of a vacuous ✓ (spec/verdicts.json): why its premise never arises. Added after format 1 was fixed. */
  note: z.string().optional(),
});
export type PairSnapshot = z.infer<typeof PairSnapshotSchema>;

export const SnapshotSchema = z.object({
  format: z.literal(1),
  msispec: z.string(),
  seed: z.number().int(),
  runs: z.number().int(),
  started: z.string(),
  gate: z.enum(['passed', 'failed']),
  failed: z.number().int(),
  results: z.array(PairSnapshotSchema),
  problems: z.array(z.object({ file: z.string(), problem: z.string(), fix: z.string() })),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** JSON with sorted keys, for comparing values built in different orders. */
export const canonicalJson = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );

/** The kind of a violation in a few words: the witness kind, and for a write where it landed. */
export const classOf = (w: Witness): string => {
  switch (w.kind) {
    case 'write':
      return `write → ${String(w.outcome.kind)}: ${w.reached.what} of ${w.reached.owner.split(':')[0]}`;
    case 'delivery':
      return `delivery → ${String(w.outcome.kind)}${w.outcome.cause === undefined ? (w.outcome.reason === undefined ? '' : ` ${String(w.outcome.reason)}`) : ` ${String(w.outcome.cause)}`}`;
    case 'gate':
      return `gate: ${w.result}`;
    case 'mapping':
      return `mapping: ${w.conflict}`;
    case 'direct':
      return `direct: ${w.problem}`;
    case 'regions':
      return `regions: ${w.problem}`;
    case 'atomic-mapping':
    case 'msi-iova':
      return w.kind;
    default: {
      const never: never = w;
      return never;
    }
  }
};

const counterexampleOf = (
  r: PairCheck,
  stored: Counterexample | undefined,
): CounterexampleSnapshot | undefined => {
  const c = r.counterexample;
  if (c === undefined) return undefined;
  const t = c.scenario.topology;
  const cls = witnessClass(c.witness);
  const recorded =
    c.source === 'stored' &&
    stored !== undefined &&
    canonicalJson(stored.violation) === canonicalJson(classified({ afterOp: c.afterOp, witness: c.witness }));
  return {
    source: c.source,
    ...(c.source === 'stored' ? { file: `counterexamples/${pairFile(r.invariant, r.design)}` } : {}),
    ops: c.scenario.ops.length,
    afterOp: c.afterOp,
    class: classOf(c.witness),
    witness: c.witness,
    ...(cls === undefined ? {} : { witnessClass: cls }),
    trace: c.results.map((res, i) => {
      const op = c.scenario.ops[i];
      return op === undefined ? resultText(res) : `${opText(op, t)} → ${resultText(res, op)}`;
    }),
    recorded,
  };
};

export const snapshotOf = (run: CheckRun, data: GateData, problems: readonly Problem[]): Snapshot => {
  const failed = run.results.filter((r) => !r.ok).length;
  return {
    format: 1,
    msispec: VERSION,
    seed: run.seed,
    runs: run.runs,
    started: run.started,
    gate: failed === 0 && problems.length === 0 ? 'passed' : 'failed',
    failed,
    results: run.results.map((r) => {
      const c = counterexampleOf(r, storedOf(data, r.design, r.invariant));
      return {
        design: r.design,
        invariant: r.invariant,
        expected: r.expected.verdict,
        found: r.found,
        ok: r.ok,
        ...(r.why === undefined ? {} : { why: r.why }),
        seed: r.seed,
        reproduce: reproduceCommand(r, run.seed, run.runs),
        ...(c === undefined ? {} : { counterexample: c }),
        strength: runStrength(data.strengths, r),
        ...(holdsNote(r.expected) === undefined ? {} : { note: holdsNote(r.expected) }),
      };
    }),
    problems: [...problems],
  };
};
