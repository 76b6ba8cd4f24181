import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  type Bound,
  type Counterexample,
  CounterexampleSchema,
  overBound,
  sizeOf,
} from '../../counterexamples/schema.ts';
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
import {
  classified,
  WITNESS_CLASS_TEXT,
  type WitnessClass,
  weakerClass,
  witnessClass,
} from '../../spec/invariants/witness-class.ts';
import { replay } from '../../spec/replay.ts';
import { sourcesHash } from './certificate.ts';
import { topologyWeight } from './enumerate.ts';
import { formatJson } from './json.ts';
import { targetOf, type Violated } from './prove.ts';

/** What `certifyCounterexample` did with the stored file of a violated pair. */
export type Certification =
  /** The stored scenario is as small as the search's least of its class: it is marked certified. */
  | { readonly action: 'certified'; readonly file: string }
  /** Already marked certified on these sources and this scope. */
  | { readonly action: 'unchanged'; readonly file: string }
  /** The stored scenario was larger, or of a weaker class: the search's replaced it. */
  | {
      readonly action: 'replaced';
      readonly file: string;
      readonly was: { weight: number; ops: number; class?: WitnessClass };
    }
  /**
   * Left as it is, not certified: smaller than the search's least of its class (outside the
   * scope, or a search bug), or of a stronger class than any the search finds within the scope.
   */
  | { readonly action: 'outside'; readonly file: string; readonly why: string }
  | { readonly action: 'missing'; readonly file: string };

const size = (c: Counterexample) => ({
  weight: topologyWeight(c.scenario.topology),
  ops: c.scenario.ops.length,
});

/**
 * The size bound of a file whose scenario the search replaced: kept when the new scenario fits,
 * else raised to fit it (a stronger witness can need more), saying why.
 */
const raisedBound = (bound: Bound, s: Scenario, cls: WitnessClass | undefined, scope: string): Bound => {
  if (overBound(s, bound).length === 0) return bound;
  const size = sizeOf(s);
  const up = (k: keyof typeof size) => Math.max(bound[k], size[k]);
  return {
    harts: up('harts'),
    devices: up('devices'),
    groups: up('groups'),
    ops: up('ops'),
    vectors: up('vectors'),
    note: `raised by msispec prove: the least violation within ${scope}${cls === undefined ? '' : ` of the strongest witness class found (${cls})`}`,
  };
};

const classText = (c: WitnessClass | undefined): string =>
  c === undefined ? 'no interrupt' : WITNESS_CLASS_TEXT[c];

/** The `certified.minimal` text of a file certified within `scope`, for its class when it has one. */
export const minimalText = (scope: string, cls: WitnessClass | undefined): string =>
  `certified minimal within ${scope}${cls === undefined ? '' : ` for its class (${cls})`}`;

/**
 * Certifies the stored counterexample of a violated pair as minimal within the scope for its
 * witness class (spec/invariants/witness-class.ts). The stored file should be the least violation
 * of the strongest class the search finds (prove.ts targetOf): one of that class is kept and marked
 * when it is as small (same op count and topology weight), replaced when larger; one of a weaker
 * class is replaced by the search's, so a counterexample never ends on a weaker witness than one
 * known; one of a stronger class than the search finds is kept, uncertified. The search's scenario
 * is replayed first; one that does not reproduce with its class is a bug of the search.
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
  const target = targetOf(found);
  const scenario: Scenario = {
    version: SCENARIO_VERSION,
    design: design.id,
    topology: target.least.topology,
    ops: [...target.least.ops],
  };
  const r = replay(design, scenario, [invariant], target.class);
  if (
    r.violation === undefined ||
    r.violation.index !== target.least.ops.length - 1 ||
    witnessClass(r.violation.violation.witness) !== target.class
  )
    throw new Error(
      `search bug: the least violation of ${invariant.id} on ${design.id}${target.class === undefined ? '' : ` of class ${target.class}`} does not replay as found (${JSON.stringify(scenario)})`,
    );
  const sources = sourcesHash(design.id);
  const mine = { weight: target.least.weight, ops: target.least.ops.length };
  const theirs = size(stored);
  const theirClass = stored.violation.class;
  const mark = (by: 'exhaustive' | 'random', s: { weight: number; ops: number }) => ({
    minimal: minimalText(scopeName, target.class),
    scope: scopeName,
    by,
    ...(target.class === undefined ? {} : { class: target.class }),
    topologyWeight: s.weight,
    ops: s.ops,
    sources,
  });
  if (weakerClass(target.class, theirClass))
    return {
      action: 'outside',
      file,
      why: `kept (${theirs.ops} ops, ${classText(theirClass)}): the strongest witness within ${scopeName} is ${classText(target.class)} (${mine.ops} ops), and a counterexample never ends on a weaker witness than one found`,
    };
  const sameClass = theirClass === target.class;
  const smaller = theirs.ops < mine.ops || (theirs.ops === mine.ops && theirs.weight < mine.weight);
  if (sameClass && smaller)
    return {
      action: 'outside',
      file,
      why: `the stored scenario (${theirs.ops} ops, weight ${theirs.weight}) is smaller than the least the search found within ${scopeName}${target.class === undefined ? '' : ` of its class (${target.class})`} (${mine.ops} ops, weight ${mine.weight})`,
    };
  const same = sameClass && theirs.weight === mine.weight && theirs.ops === mine.ops;
  const c = stored.certified;
  if (
    same &&
    c !== undefined &&
    c.minimal === minimalText(scopeName, target.class) &&
    c.scope === scopeName &&
    c.sources === sources &&
    c.class === target.class &&
    c.topologyWeight === mine.weight &&
    c.ops === mine.ops
  )
    return { action: 'unchanged', file };
  const { certified: _old, ...rest } = stored;
  const next: Counterexample = same
    ? { ...rest, certified: mark(c?.by ?? 'random', theirs) }
    : {
        ...rest,
        scenario,
        violation: classified({ afterOp: r.violation.index, witness: r.violation.violation.witness }),
        certified: mark('exhaustive', mine),
        ...(rest.bound === undefined
          ? {}
          : { bound: raisedBound(rest.bound, scenario, target.class, scopeName) }),
      };
  writeAtomic(path, formatJson(CounterexampleSchema.parse(next)));
  return same
    ? { action: 'certified', file }
    : {
        action: 'replaced',
        file,
        was: { ...theirs, ...(theirClass === undefined ? {} : { class: theirClass }) },
      };
};
