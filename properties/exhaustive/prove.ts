import type { DesignCore } from '../../model/kernel/policy.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import type { DesignId } from '../../spec/designs/schema.ts';
import type { Invariant, InvariantId, Witness } from '../../spec/invariants/types.ts';
import { WITNESS_CLASSES, type WitnessClass } from '../../spec/invariants/witness-class.ts';
import { exploreTopology, type Finding, type TopologyRun } from './bfs.ts';
import { inShard, type ScopedTopology, type Shard, scopeTopologies } from './enumerate.ts';
import type { Scope } from './scope.ts';

/** One topology's search (bfs.ts), as shards store it. */
export type TopologySummary = TopologyRun;

/** A violation over a design's whole search, with the topology it was found on. */
export interface Least {
  readonly topology: Topology;
  readonly weight: number;
  readonly ops: readonly Op[];
  readonly witness: Witness;
}

/** One invariant's result over a design's whole search. */
export type PairResult =
  | { readonly result: 'holds' }
  /** No judged state had anything to judge: the premise never arises within the scope. */
  | { readonly result: 'vacuous' }
  | {
      readonly result: 'violated';
      /** The least (ops, topology weight, topology order) violation: minimal within the scope. */
      readonly topology: Topology;
      readonly weight: number;
      readonly ops: readonly Op[];
      readonly witness: Witness;
      /**
       * Per witness class, the least violation whose witness is of that class or stronger (bfs.ts
       * byClass); empty when the violations are not interrupting writes.
       */
      readonly classes: Readonly<Partial<Record<WitnessClass, Least>>>;
    };

export interface DesignProof {
  readonly design: DesignId;
  readonly invariants: readonly InvariantId[];
  readonly topologies: readonly TopologySummary[];
  readonly distinct: number;
  readonly generated: number;
  /** The scope's deepest op depth, and the deepest level any topology reached. */
  readonly depth: number;
  readonly depthReached: number;
  readonly complete: boolean;
  /** New distinct states per level, summed over topologies. */
  readonly perLevel: readonly number[];
  readonly pairs: Readonly<Partial<Record<InvariantId, PairResult>>>;
  /** The largest fingerprint table one topology needed. */
  readonly peakTableBytes: number;
}

/** Combines topology summaries (of one run, or of every shard of it) into a design's result. */
export const combine = (
  design: DesignId,
  invariants: readonly InvariantId[],
  summaries: readonly TopologySummary[],
): DesignProof => {
  const topologies = [...summaries].sort((a, b) => a.index - b.index);
  const pairs: Partial<Record<InvariantId, PairResult>> = {};
  // Fewest ops first, then the lightest topology; topologies come lightest first, so ties keep the first.
  const least = (
    findings: readonly (readonly [TopologySummary, Finding | undefined])[],
  ): Least | undefined => {
    let best: Least | undefined;
    for (const [t, v] of findings)
      if (
        v !== undefined &&
        (best === undefined ||
          v.ops.length < best.ops.length ||
          (v.ops.length === best.ops.length && t.weight < best.weight))
      )
        best = { topology: t.topology, weight: t.weight, ops: v.ops, witness: v.witness };
    return best;
  };
  for (const id of invariants) {
    const best = least(topologies.map((t) => [t, t.violations[id]] as const));
    const classes: Partial<Record<WitnessClass, Least>> = {};
    for (const c of WITNESS_CLASSES) {
      const l = least(topologies.map((t) => [t, t.byClass[id]?.[c]] as const));
      if (l !== undefined) classes[c] = l;
    }
    pairs[id] =
      best !== undefined
        ? { result: 'violated', ...best, classes }
        : { result: topologies.some((t) => t.premises.includes(id)) ? 'holds' : 'vacuous' };
  }
  const perLevel: number[] = [];
  for (const t of topologies)
    t.perLevel.forEach((n, i) => {
      perLevel[i] = (perLevel[i] ?? 0) + n;
    });
  return {
    design,
    invariants,
    topologies,
    distinct: topologies.reduce((n, t) => n + t.distinct, 0),
    generated: topologies.reduce((n, t) => n + t.generated, 0),
    depth: Math.max(0, ...topologies.map((t) => t.depth)),
    depthReached: Math.max(0, ...topologies.map((t) => t.depthReached)),
    complete: topologies.every((t) => t.complete),
    perLevel,
    pairs,
    peakTableBytes: Math.max(0, ...topologies.map((t) => t.tableBytes)),
  };
};

export interface ProveOptions {
  readonly shard?: Shard;
  /** Called after each topology, for progress. */
  readonly onTopology?: (t: ScopedTopology, run: TopologySummary) => void;
}

/**
 * The exhaustive search of one design over a scope (or one shard of it): one BFS per topology that
 * judges every given invariant at each state, lightest topology first.
 */
export const proveDesign = (
  design: DesignCore & { readonly id: DesignId },
  scope: Scope,
  invariants: readonly Invariant[],
  options: ProveOptions = {},
): DesignProof => {
  const summaries: TopologySummary[] = [];
  for (const t of scopeTopologies(scope)) {
    if (options.shard !== undefined && !inShard(t, options.shard)) continue;
    const run = exploreTopology(design, t, scope, invariants, { maxStates: scope.maxStates });
    summaries.push(run);
    options.onTopology?.(t, run);
  }
  return combine(
    design.id,
    invariants.map((i) => i.id),
    summaries,
  );
};

export type Violated = Extract<PairResult, { result: 'violated' }>;

/**
 * What a violated pair's stored counterexample should be: the least violation of the strongest
 * witness class the search found, or the least violation overall when its violations have no class.
 */
export const targetOf = (pair: Violated): { readonly least: Least; readonly class?: WitnessClass } => {
  for (const c of WITNESS_CLASSES) {
    const l = pair.classes[c];
    if (l !== undefined) return { least: l, class: c };
  }
  return { least: pair };
};
