import { join } from 'node:path';
import { COUNTEREXAMPLES_DIR, readCounterexample } from '../counterexamples/store.ts';
import type { Design, DesignId } from '../spec/designs/schema.ts';
import type { Invariant, InvariantId } from '../spec/invariants/types.ts';
import { replay } from '../spec/replay.ts';
import type { Verdict } from '../spec/verdicts.ts';
import { checkPair, type PairResult } from './pair.ts';
import { pairSeed } from './settings.ts';

/** One design × invariant pair judged against its recorded verdict. */
export interface PairCheck {
  readonly design: DesignId;
  readonly invariant: InvariantId;
  readonly expected: Verdict;
  /** What the model found this run. */
  readonly found: 'holds' | 'violated';
  /** Whether `found` matches `expected` (n/a pairs must hold). */
  readonly ok: boolean;
  /** Why a mismatch is one, in one line. */
  readonly why?: string;
  /** The random search's result, for pairs expected to hold. */
  readonly search?: PairResult;
  readonly seed: number;
}

/**
 * Judges one pair. Expected `holds` or `n/a`: search `runs` random scenarios; any violation is a
 * mismatch. Expected `violated`: replay the stored counterexample; it must still violate the
 * invariant with a witness of the same kind.
 */
export const checkVerdict = (
  design: Design,
  inv: Invariant,
  expected: Verdict,
  seed: number,
  runs: number,
): PairCheck => {
  const base = { design: design.id, invariant: inv.id, expected, seed: pairSeed(seed, design.id, inv.id) };
  if (expected.verdict === 'violated') {
    let kind: string;
    let scenario: Parameters<typeof replay>[1];
    try {
      const ce = readCounterexample(join(COUNTEREXAMPLES_DIR, expected.counterexample));
      kind = ce.violation.witness.kind;
      scenario = ce.scenario;
    } catch (e) {
      return { ...base, found: 'holds', ok: false, why: (e as Error).message };
    }
    const r = replay(design, scenario, [inv]);
    if (r.violation === undefined)
      return {
        ...base,
        found: 'holds',
        ok: false,
        why: `${expected.counterexample} no longer violates ${inv.id}`,
      };
    const got = r.violation.violation.witness.kind;
    if (got !== kind)
      return {
        ...base,
        found: 'violated',
        ok: false,
        why: `${expected.counterexample} now gives a '${got}' witness, not '${kind}'`,
      };
    return { ...base, found: 'violated', ok: true };
  }
  const search = checkPair(design, inv, base.seed, runs);
  if (!search.violated) return { ...base, found: 'holds', ok: true, search };
  return {
    ...base,
    found: 'violated',
    ok: false,
    search,
    why: `expected ${expected.verdict}, found a counterexample after ${search.runs} runs (seed ${base.seed}, path ${search.path})`,
  };
};

/** One run of the gate: its settings, the day it ran, and every pair's check. */
export interface CheckRun {
  readonly seed: number;
  readonly runs: number;
  readonly date: string;
  readonly results: readonly PairCheck[];
}
