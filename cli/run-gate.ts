import { join } from 'node:path';
import type { Counterexample } from '../counterexamples/schema.ts';
import { writeCounterexample } from '../counterexamples/store.ts';
import { type CheckRun, checkVerdict, type PairCheck } from '../properties/gate.ts';
import {
  corpusProblems,
  designProblems,
  expected,
  type GateData,
  loadGateData,
  type Problem,
  storedOf,
} from '../properties/gate-data.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import type { InvariantId } from '../spec/invariants/types.ts';
import { classified } from '../spec/invariants/witness-class.ts';
import { pairFile } from '../spec/verdicts.ts';
import { ioMessage } from './context.ts';
import { VERSION } from './version.ts';

export interface GateOptions {
  readonly designs: readonly string[];
  readonly invariants: readonly InvariantId[];
  readonly seed: number;
  readonly runs: number;
  /** Write a newly found counterexample to counterexamples/ (status "new"). */
  readonly writeCounterexamples: boolean;
  /** Also check each design file's canonical scenario and the op coverage (what the suite checks besides the pairs). */
  readonly designChecks: boolean;
  readonly tick: (design: string, invariant: InvariantId) => void;
  readonly note: (s: string) => void;
}

export interface GateOutcome {
  readonly run: CheckRun;
  /** The data after the run (with the counterexamples it wrote). */
  readonly data: GateData;
  /** Problems of the data itself, for the selected designs and invariants. */
  readonly problems: readonly Problem[];
  /** Counterexample files written, relative to the repository. */
  readonly written: readonly string[];
  /** Files that could not be written, one line each. */
  readonly outputErrors: readonly string[];
}

const sameFinding = (a: Counterexample, b: Counterexample): boolean =>
  JSON.stringify([a.scenario, a.violation, a.found]) === JSON.stringify([b.scenario, b.violation, b.found]);

/**
 * Runs the gate over the selected pairs of `data` (already loaded, so malformed input has been
 * refused before this writes anything): each design's own checks (canonical scenario, op
 * coverage), then every pair against its recorded verdict.
 */
export const runGate = (data: GateData, o: GateOptions): GateOutcome => {
  const started = new Date().toISOString();
  const results: PairCheck[] = [];
  const written: string[] = [];
  const outputErrors: string[] = [];
  const problems: Problem[] = [];
  for (const id of o.designs) {
    const design = data.designs.get(id);
    if (design === undefined) continue; // the caller validated the selection
    if (o.designChecks) problems.push(...designProblems(design));
    for (const invId of o.invariants) {
      const inv = getInvariant(invId);
      const stored = storedOf(data, id, invId);
      const t0 = performance.now();
      const r = checkVerdict(design, inv, expected(data, id, invId), stored, o.seed, o.runs);
      results.push({ ...r, seconds: (performance.now() - t0) / 1000 });
      o.tick(id, invId);
      const s = r.search;
      if (s === undefined || !s.violated) continue;
      const rel = `counterexamples/${pairFile(invId, id)}`;
      if (stored?.status === 'expected') {
        o.note(`kept the reviewed ${rel}; the verdict table says ${r.expected.verdict}`);
        continue;
      }
      if (!o.writeCounterexamples) continue;
      const fresh: Counterexample = {
        invariant: invId,
        design: id,
        status: 'new',
        scenario: s.scenario,
        violation: classified({ afterOp: s.index, witness: s.violation.witness }),
        found: {
          seed: s.seed,
          path: s.path,
          runs: s.runs,
          shrinks: s.shrinks,
          ...(s.firstClass === undefined ? {} : { firstClass: s.firstClass }),
        },
        date: started.slice(0, 10),
        msispec: VERSION,
      };
      if (stored !== undefined && sameFinding(stored, fresh)) continue;
      try {
        writeCounterexample(fresh, data.repo.counterexamples);
        written.push(rel);
        o.note(`new counterexample: ${rel}`);
      } catch (e) {
        outputErrors.push(`could not write ${rel}: ${ioMessage(e)}`);
      }
    }
  }
  const after = written.length > 0 ? loadGateData(data.repo, data.verdictsFile) : data;
  const selected = new Set(
    o.designs.flatMap((d) => o.invariants.map((i) => `counterexamples/${pairFile(i, d)}`)),
  );
  problems.push(...corpusProblems(after).filter((p) => selected.has(p.file)));
  return {
    run: { seed: o.seed, runs: o.runs, started, results },
    data: after,
    problems,
    written,
    outputErrors,
  };
};

/** Where a pair's counterexample file and report are, when it has them (paths from the repository root). */
export const pairPaths = (data: GateData, r: Pick<PairCheck, 'design' | 'invariant'>) => {
  const f = pairFile(r.invariant, r.design);
  if (!data.counterexamples.has(f)) return {};
  return {
    counterexample: `counterexamples/${f}`,
    report: join('reports', `${r.invariant}/${r.design}.md`),
  };
};
