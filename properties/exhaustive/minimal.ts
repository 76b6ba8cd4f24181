import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Counterexample, CounterexampleSchema } from '../../counterexamples/schema.ts';
import {
  COUNTEREXAMPLES_DIR,
  counterexamplePath,
  readCounterexample,
  writeAtomic,
} from '../../counterexamples/store.ts';
import type { DesignCore } from '../../model/kernel/policy.ts';
import { SCENARIO_VERSION, type Scenario } from '../../model/platform/scenario.ts';
import type { DesignId } from '../../spec/designs/schema.ts';
import type { Invariant } from '../../spec/invariants/types.ts';
import { replay } from '../../spec/replay.ts';
import { sourcesHash } from './certificate.ts';
import { topologyWeight } from './enumerate.ts';
import { formatJson } from './json.ts';
import type { PairResult } from './prove.ts';

type Violated = Extract<PairResult, { result: 'violated' }>;

/** What `certifyCounterexample` did with the stored file of a violated pair. */
export type Certification =
  /** The stored scenario is as small as the search's: it is marked certified. */
  | { readonly action: 'certified'; readonly file: string }
  /** Already marked certified on these sources and this scope. */
  | { readonly action: 'unchanged'; readonly file: string }
  /** The stored scenario was larger: the search's replaced it. */
  | { readonly action: 'replaced'; readonly file: string; readonly was: { weight: number; ops: number } }
  /** Smaller than the search's (outside the scope, or a search bug): left as it is, not certified. */
  | { readonly action: 'outside'; readonly file: string; readonly why: string }
  | { readonly action: 'missing'; readonly file: string };

const size = (c: Counterexample) => ({
  weight: topologyWeight(c.scenario.topology),
  ops: c.scenario.ops.length,
});

/**
 * Certifies the stored counterexample of a violated pair as minimal within the scope: kept and
 * marked when it is as small as the search's least violation (same topology weight and op count),
 * replaced by the search's scenario when larger. The search's scenario is replayed first; one that
 * does not reproduce is a bug of the search, not a counterexample.
 */
export const certifyCounterexample = (
  design: DesignCore & { readonly id: DesignId },
  invariant: Invariant,
  found: Violated,
  scopeName: string,
  dir = COUNTEREXAMPLES_DIR,
): Certification => {
  const path = join(dir, counterexamplePath(invariant.id, design.id));
  const file = relative(process.cwd(), path);
  if (!existsSync(path)) return { action: 'missing', file };
  const stored = readCounterexample(path);
  const scenario: Scenario = {
    version: SCENARIO_VERSION,
    design: design.id,
    topology: found.topology,
    ops: [...found.ops],
  };
  const r = replay(design, scenario, [invariant]);
  if (r.violation === undefined || r.violation.index !== found.ops.length - 1)
    throw new Error(
      `search bug: the least violation of ${invariant.id} on ${design.id} does not replay as found (${JSON.stringify(scenario)})`,
    );
  const sources = sourcesHash(design.id);
  const mine = { weight: found.weight, ops: found.ops.length };
  const theirs = size(stored);
  const mark = (by: 'exhaustive' | 'random', s: { weight: number; ops: number }) => ({
    minimal: `certified minimal within ${scopeName}`,
    scope: scopeName,
    by,
    topologyWeight: s.weight,
    ops: s.ops,
    sources,
  });
  const smaller = theirs.ops < mine.ops || (theirs.ops === mine.ops && theirs.weight < mine.weight);
  if (smaller)
    return {
      action: 'outside',
      file,
      why: `the stored scenario (${theirs.ops} ops, weight ${theirs.weight}) is smaller than the least the search found within ${scopeName} (${mine.ops} ops, weight ${mine.weight})`,
    };
  const same = theirs.weight === mine.weight && theirs.ops === mine.ops;
  const c = stored.certified;
  if (
    c !== undefined &&
    c.scope === scopeName &&
    c.sources === sources &&
    c.topologyWeight === mine.weight &&
    c.ops === mine.ops &&
    same
  )
    return { action: 'unchanged', file };
  const next: Counterexample = same
    ? { ...stored, certified: mark(c?.by ?? 'random', theirs) }
    : {
        ...stored,
        scenario,
        violation: { afterOp: r.violation.index, witness: r.violation.violation.witness },
        certified: mark('exhaustive', mine),
      };
  writeAtomic(path, formatJson(CounterexampleSchema.parse(next)));
  return same ? { action: 'certified', file } : { action: 'replaced', file, was: theirs };
};
