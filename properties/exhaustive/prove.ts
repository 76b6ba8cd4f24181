import type { DesignCore } from '../../model/kernel/policy.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import type { DesignId } from '../../spec/designs/schema.ts';
import type { Invariant, InvariantId, Witness } from '../../spec/invariants/types.ts';
import { exploreTopology, type TopologyRun } from './bfs.ts';
import { inShard, type ScopedTopology, type Shard, scopeTopologies } from './enumerate.ts';
import type { Scope } from './scope.ts';

/** One topology's search (bfs.ts), as shards store it. */
export type TopologySummary = TopologyRun;

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
  for (const id of invariants) {
    let best: PairResult | undefined;
    for (const t of topologies) {
      const v = t.violations[id];
      // Fewest ops first, then the lightest topology; topologies come lightest first, so ties keep the first.
      if (v === undefined) continue;
      if (
        best === undefined ||
        best.result !== 'violated' ||
        v.ops.length < best.ops.length ||
        (v.ops.length === best.ops.length && t.weight < best.weight)
      )
        best = { result: 'violated', topology: t.topology, weight: t.weight, ops: v.ops, witness: v.witness };
    }
    pairs[id] = best ?? {
      result: topologies.some((t) => t.premises.includes(id)) ? 'holds' : 'vacuous',
    };
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
