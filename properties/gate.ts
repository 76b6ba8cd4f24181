import { type Counterexample, replayClass } from '../counterexamples/schema.ts';
import type { KResult } from '../model/kernel/errno.ts';
import type { Scenario } from '../model/platform/scenario.ts';
import { opText, resultText } from '../reports/render/hops.ts';
import type { Design } from '../spec/designs/schema.ts';
import type { Invariant, InvariantId, Witness } from '../spec/invariants/types.ts';
import {
  WITNESS_CLASS_TEXT,
  type WitnessClass,
  weakerClass,
  witnessClass,
  witnessLabel,
} from '../spec/invariants/witness-class.ts';
import { replay } from '../spec/replay.ts';
import { type Expected, pairFile } from '../spec/verdicts.ts';
import { checkPair, type PairResult } from './pair.ts';
import { DEFAULT_GATE_RUNS, pairSeed } from './settings.ts';

/** A counterexample as the model judges it today: replayed from its file, or found by this run's search. */
export interface FoundCounterexample {
  readonly source: 'stored' | 'search';
  readonly scenario: Scenario;
  /** The op after which the invariant first fails (-1: at boot), and the evidence. */
  readonly afterOp: number;
  readonly witness: Witness;
  /** What the kernel returned for each op up to `afterOp`. */
  readonly results: readonly KResult[];
}

/** One design × invariant pair judged against its recorded verdict. */
export interface PairCheck {
  readonly design: string;
  readonly invariant: InvariantId;
  readonly expected: Expected;
  /** What the model found this run. */
  readonly found: 'holds' | 'violated';
  /** Whether `found` matches `expected` (n/a pairs must hold; an unreviewed pair never matches). */
  readonly ok: boolean;
  /** Why a mismatch is one, in one line. */
  readonly why?: string;
  /** The random search's result, for pairs not recorded as violated. */
  readonly search?: PairResult;
  /** The violating scenario, when the pair is found violated. */
  readonly counterexample?: FoundCounterexample;
  /** The pair's own seed, derived from the base seed and the pair's name. */
  readonly seed: number;
  /** Wall-clock seconds the check took (for JUnit only; nothing is judged on it). */
  readonly seconds?: number;
}

const judged = (
  design: Design,
  inv: Invariant,
  scenario: Scenario,
  source: FoundCounterexample['source'],
  atLeast?: WitnessClass,
): FoundCounterexample | undefined => {
  const r = replay(design, scenario, [inv], atLeast);
  if (r.violation === undefined) return undefined;
  return {
    source,
    scenario,
    afterOp: r.violation.index,
    witness: r.violation.violation.witness,
    results: r.steps.flatMap((s) => (s.result === undefined ? [] : [s.result])),
  };
};

/**
 * Judges one pair. Expected `violated`: replay the stored counterexample; it must still violate the
 * invariant with a witness of the same kind, no weaker in class (spec/invariants/witness-class.ts),
 * after the same op. Otherwise (`holds`, `n/a` or
 * unreviewed): search `runs` random scenarios; a violation is a mismatch, and an unreviewed pair
 * is a mismatch whatever it finds, until its verdict is recorded.
 */
export const checkVerdict = (
  design: Design,
  inv: Invariant,
  expected: Expected,
  stored: Counterexample | undefined,
  seed: number,
  runs: number,
): PairCheck => {
  const base = { design: design.id, invariant: inv.id, expected, seed: pairSeed(seed, design.id, inv.id) };
  const file = `counterexamples/${pairFile(inv.id, design.id)}`;
  if (expected.verdict === 'violated') {
    if (stored === undefined)
      return {
        ...base,
        found: 'holds',
        ok: false,
        why: `${file} is missing; the verdict table says violated`,
      };
    const c = judged(design, inv, stored.scenario, 'stored', replayClass(stored));
    if (c === undefined)
      return { ...base, found: 'holds', ok: false, why: `${file} no longer violates ${inv.id}` };
    const got = c.witness.kind;
    const kind = stored.violation.witness.kind;
    if (got !== kind)
      return {
        ...base,
        found: 'violated',
        ok: false,
        counterexample: c,
        why: `${file} now gives a '${got}' witness, not '${kind}'`,
      };
    const cls = witnessClass(c.witness);
    if (weakerClass(cls, stored.violation.class))
      return {
        ...base,
        found: 'violated',
        ok: false,
        counterexample: c,
        why: `${file} now gives a weaker witness: ${cls === undefined ? 'none' : WITNESS_CLASS_TEXT[cls]}, not ${stored.violation.class === undefined ? '?' : WITNESS_CLASS_TEXT[stored.violation.class]} as recorded`,
      };
    if (c.afterOp !== stored.violation.afterOp)
      return {
        ...base,
        found: 'violated',
        ok: false,
        counterexample: c,
        why: `${file} now fails after op ${c.afterOp + 1}, not after op ${stored.violation.afterOp + 1} as recorded`,
      };
    return { ...base, found: 'violated', ok: true, counterexample: c };
  }
  const search = checkPair(design, inv, base.seed, runs);
  const found = search.violated ? 'violated' : 'holds';
  const counterexample = search.violated ? judged(design, inv, search.scenario, 'search') : undefined;
  const withFound = {
    ...base,
    found,
    search,
    ...(counterexample === undefined ? {} : { counterexample }),
  } as const;
  if (expected.verdict === 'unreviewed')
    return {
      ...withFound,
      ok: false,
      why: `unreviewed: spec/verdicts.json has no verdict; the model finds it ${found === 'holds' ? `holding over ${search.runs} runs` : `violated after ${search.runs} runs`}. Record it with: npx msispec accept ${inv.id}/${design.id}`,
    };
  if (!search.violated) return { ...withFound, ok: true };
  return {
    ...withFound,
    ok: false,
    why: `expected ${expected.verdict}, found a counterexample after ${search.runs} runs (pair seed ${base.seed})`,
  };
};

/** One run of the gate: its settings, when it started (ISO 8601), and every pair's check. */
export interface CheckRun {
  readonly seed: number;
  readonly runs: number;
  readonly started: string;
  readonly results: readonly PairCheck[];
}

/**
 * The command that reproduces a pair's finding: the replay of its stored file, or the gate run on
 * that pair alone with the same base seed (the pair seed is derived from it and the pair's name).
 */
export const reproduceCommand = (r: PairCheck, baseSeed: number, runs: number): string =>
  r.counterexample?.source === 'stored' || (r.expected.verdict === 'violated' && r.search === undefined)
    ? `npx msispec replay counterexamples/${pairFile(r.invariant, r.design)}`
    : `npx msispec check --design ${r.design} --invariant ${r.invariant} --seed ${baseSeed}${runs === DEFAULT_GATE_RUNS ? '' : ` --runs ${runs}`}`;

/** The ops of a found counterexample, one line each with the kernel's result, then where it fails. */
export const shrunkOps = (c: FoundCounterexample): string[] => {
  const t = c.scenario.topology;
  return [
    `shrunk scenario: ${t.harts} hart(s), ${t.devices.length} device(s) in ${new Set(t.devices.map((d) => d.group)).size} group(s), ${t.vms} VM(s); ${c.scenario.ops.length} op(s):`,
    ...c.scenario.ops.map((op, i) => {
      const r = c.results[i];
      return `${String(i + 1).padStart(3)}. ${opText(op, t)}${r === undefined ? '' : ` → ${resultText(r, op)}`}`;
    }),
    `${c.afterOp < 0 ? 'violated at boot' : `violated after op ${c.afterOp + 1}`} (${witnessLabel(c.witness)})`,
  ];
};
