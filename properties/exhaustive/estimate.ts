import type { DesignCore } from '../../model/kernel/policy.ts';
import { exploreTopology } from './bfs.ts';
import { inShard, type Shard, scopeTopologies } from './enumerate.ts';
import type { Scope } from './scope.ts';

/**
 * Bytes the search holds per stored state: a fingerprint slot (8 bytes, the table at most half full
 * and doubled while it grows: up to 32) and a level entry (6 bytes, in arrays that double: up to 12).
 */
export const BYTES_PER_STATE = 44;
/**
 * The resident size besides the states: Node, the model, and the bounded caches (interned hardware
 * views and their outcomes, fingerprint memos). The ci scope peaks at 0.66 GiB in all.
 */
export const BASELINE_BYTES = 768 * 2 ** 20;
/** Levels explored exactly by the estimate before it extrapolates. */
const PILOT_DEPTH = 2;

export interface Estimate {
  /** Distinct states projected over every topology, and for the largest one. */
  readonly states: number;
  readonly peakStates: number;
  /** Resident bytes projected at the peak (one topology is searched at a time). */
  readonly bytes: number;
  readonly topologies: number;
}

/**
 * Projects a design's search over `scope` before running it: each topology is searched exactly to
 * depth 2 without invariants, and deeper levels are extrapolated with the growth of its last level
 * (n₂/n₁ per level). Growth falls with depth in every model run measured, so this overestimates.
 */
export const estimateDesign = (design: DesignCore, scope: Scope, shard?: Shard): Estimate => {
  let states = 0;
  let peak = 0;
  let topologies = 0;
  for (const t of scopeTopologies(scope)) {
    if (shard !== undefined && !inShard(t, shard)) continue;
    topologies++;
    const pilot = exploreTopology(design, t, scope, [], {
      maxStates: scope.maxStates,
      depth: Math.min(t.depth, PILOT_DEPTH),
    });
    const levels = [...pilot.perLevel];
    while (levels.length <= PILOT_DEPTH) levels.push(0);
    const n1 = levels[1] ?? 0;
    const n2 = levels[2] ?? 0;
    const growth = n1 === 0 ? 0 : n2 / n1;
    let total = pilot.distinct;
    let level = n2;
    for (let d = PILOT_DEPTH + 1; d <= t.depth; d++) {
      level *= growth;
      total += level;
    }
    states += total;
    peak = Math.max(peak, total);
  }
  return {
    states: Math.ceil(states),
    peakStates: Math.ceil(peak),
    bytes: BASELINE_BYTES + Math.ceil(peak) * BYTES_PER_STATE,
    topologies,
  };
};
