import type { DesignCore } from '../../model/kernel/policy.ts';
import { build } from '../../model/platform/build.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import type { State } from '../../model/platform/state.ts';
import { step as modelStep } from '../../model/platform/step.ts';
import { FingerprintSet } from '../../model/types/fingerprint.ts';
import type { Invariant, InvariantId, Witness } from '../../spec/invariants/types.ts';
import {
  classRank,
  strongestOf,
  WITNESS_CLASSES,
  type WitnessClass,
  witnessClass,
} from '../../spec/invariants/witness-class.ts';
import { enumerateOps, type ScopedTopology } from './enumerate.ts';
import { TRAITS } from './premise.ts';
import type { Scope } from './scope.ts';
import { Symmetry } from './symmetry.ts';

/** The shortest violation of one invariant in one topology: its ops, and the witness after the last. */
export interface Finding {
  readonly ops: readonly Op[];
  readonly witness: Witness;
}

/** What one topology's search found: what a certificate and a shard merge need of it. */
export interface TopologyRun {
  readonly topology: Topology;
  readonly index: number;
  readonly weight: number;
  /** The scope's op depth for this topology. */
  readonly depth: number;
  /** The deepest level that holds a new state (below `depth` when the state space closes early). */
  readonly depthReached: number;
  /** Every level up to `depth` explored (false: stopped at the state limit). */
  readonly complete: boolean;
  /** Distinct states (after symmetry reduction), and successors generated (steps taken). */
  readonly distinct: number;
  readonly generated: number;
  /** New distinct states per level, level 0 the boot state. */
  readonly perLevel: readonly number[];
  readonly violations: Partial<Record<InvariantId, Finding>>;
  /**
   * Per invariant whose violations are interrupting writes, per witness class (witness-class.ts):
   * the shortest violation whose witness is of that class or a stronger one. Each state's witness
   * is its strongest (write-space.ts ranks the hits), so no shorter scenario of this topology has a
   * witness of that class: the least violation of a class is at least as long as its entry here.
   */
  readonly byClass: Partial<Record<InvariantId, Partial<Record<WitnessClass, Finding>>>>;
  /** Invariants whose premise arose in at least one state reached (premise.ts). */
  readonly premises: readonly InvariantId[];
  /** Bytes of the fingerprint table at the end. */
  readonly tableBytes: number;
}

/**
 * Whether `b` is `a` again: every field but `last` the same value, an empty array counting as the
 * same as another. A refused op returns its state with a new `last` (and the per-step records
 * emptied): this spots it without fingerprinting.
 */
const sameState = (a: object, b: object): boolean => {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (k === 'last') continue;
    n++;
    const x = ra[k];
    const y = rb[k];
    if (x === y) continue;
    if (Array.isArray(x) && Array.isArray(y) && x.length === 0 && y.length === 0) continue;
    return false;
  }
  for (const k in rb) if (k !== 'last') n--;
  return n === 0;
};

/** A growable pair of typed arrays: one BFS level as (parent entry, op index) per state. */
class Level {
  parent = new Int32Array(1024);
  op = new Uint16Array(1024);
  length = 0;
  push(parent: number, op: number): void {
    if (this.length === this.parent.length) {
      const p = new Int32Array(this.length * 2);
      p.set(this.parent);
      this.parent = p;
      const o = new Uint16Array(this.length * 2);
      o.set(this.op);
      this.op = o;
    }
    this.parent[this.length] = parent;
    this.op[this.length] = op;
    this.length++;
  }
}

export interface ExploreOptions {
  /** Stop (truncated) once this many distinct states are stored. */
  readonly maxStates: number;
  /** Override the scope's depth for this topology (the up-front estimate runs shallow). */
  readonly depth?: number;
  /** The transition searched; model/platform/step.ts unless a benchmark measures the driver alone. */
  readonly step?: (s: State, op: Op) => { readonly state: State };
}

/**
 * Breadth-first search of one design on one topology: every op sequence up to the depth, states
 * deduplicated by canonical fingerprint. State invariants are judged on every new distinct state,
 * transition invariants on every transition; each invariant's first violation is the shortest, and
 * that invariant is not judged again in this topology.
 *
 * Levels store no States, only (parent, op) per entry; a state is re-derived by stepping from its
 * parent, which is cached per level, and entries of a level come in parent order, so re-deriving
 * costs about one step per expanded state and memory is a few bytes per state.
 */
export const exploreTopology = (
  design: DesignCore,
  st: ScopedTopology,
  scope: Scope,
  invariants: readonly Invariant[],
  options: ExploreOptions,
): TopologyRun => {
  const depth = options.depth ?? st.depth;
  const step = options.step ?? modelStep;
  const ops = enumerateOps(st.topology, st.values);
  if (ops.length > 0xffff) throw new Error(`${ops.length} ops on one topology: more than a level can index`);
  const root = build(design, st.topology);
  const sym = new Symmetry(scope.symmetry, root);
  const seen = new FingerprintSet();
  const stateInvs = invariants.filter((i) => TRAITS[i.id].judges === 'state');
  const transitionInvs = invariants.filter((i) => TRAITS[i.id].judges === 'transition');
  const violations: Partial<Record<InvariantId, Finding>> = {};
  const premises = new Set<InvariantId>();
  const levels: Level[] = [new Level()];
  levels[0]?.push(-1, 0);
  const perLevel = [1];
  let generated = 0;
  let complete = true;

  const pathOf = (level: number, entry: number): Op[] => {
    const out: Op[] = [];
    let e = entry;
    for (let l = level; l > 0; l--) {
      const lv = levels[l] as Level;
      out.push(ops[lv.op[e] ?? 0] as Op);
      e = lv.parent[e] ?? 0;
    }
    return out.reverse();
  };
  // Premises are looked for on every transition (a duplicate successor too) until each is seen.
  let unseen = [...invariants];
  const premise = (s: State): void => {
    let hit = false;
    for (const inv of unseen)
      if (TRAITS[inv.id].holds(s)) {
        premises.add(inv.id);
        hit = true;
      }
    if (hit) unseen = unseen.filter((i) => !premises.has(i.id));
  };
  const byClass: Partial<Record<InvariantId, Partial<Record<WitnessClass, Finding>>>> = {};
  // An invariant is judged until its strongest class is found, or at its first violation when
  // that is not an interrupting write (nothing to rank); `done` holds those judged no further.
  const done = new Set<InvariantId>();
  const strongest = WITNESS_CLASSES[0];
  const judge = (s: State, list: readonly Invariant[], path: () => Op[]): void => {
    for (const inv of list) {
      if (done.has(inv.id)) continue;
      const v = strongestOf(inv.check(design, s));
      if (v === undefined) continue;
      const w = v.witness;
      const cls = witnessClass(w);
      let ops: Op[] | undefined;
      if (violations[inv.id] === undefined) {
        ops = path();
        violations[inv.id] = { ops, witness: w };
      }
      if (cls === undefined) {
        if (byClass[inv.id] === undefined) done.add(inv.id);
        continue;
      }
      const mine = byClass[inv.id] ?? {};
      byClass[inv.id] = mine;
      for (const c of WITNESS_CLASSES)
        if (classRank(c) <= classRank(cls) && mine[c] === undefined) {
          ops ??= path();
          mine[c] = { ops, witness: w };
        }
      if (mine[strongest] !== undefined) done.add(inv.id);
    }
  };

  // A successor is fingerprinted in scratch: most are seen already and dropped, and a new one is
  // derived again (as new objects) when expanded. The states expanded are fingerprinted to keep,
  // so their successors, which share most of their objects, find those fingerprints memoised.
  const add = (s: State): boolean => {
    const f = sym.scratch(() => sym.canonical(s));
    return seen.add(f.hi, f.lo);
  };
  const boot = sym.canonical(root);
  seen.add(boot.hi, boot.lo);
  premise(root);
  judge(root, invariants, () => []);

  // cache[l]: the entry of level l derived last, and its state.
  const cacheEntry: number[] = [0];
  const cacheState: State[] = [root];
  const derive = (level: number, entry: number): State => {
    if (cacheEntry[level] === entry) return cacheState[level] as State;
    const lv = levels[level] as Level;
    const s = step(derive(level - 1, lv.parent[entry] ?? 0), ops[lv.op[entry] ?? 0] as Op).state;
    cacheEntry[level] = entry;
    cacheState[level] = s;
    sym.canonical(s);
    return s;
  };

  let level = 0;
  for (; level < depth; level++) {
    const current = levels[level] as Level;
    const next = new Level();
    levels.push(next);
    cacheEntry[level + 1] = -1;
    for (let e = 0; e < current.length; e++) {
      const s = derive(level, e);
      for (let k = 0; k < ops.length; k++) {
        const succ = step(s, ops[k] as Op).state;
        generated++;
        const path = () => [...pathOf(level, e), ops[k] as Op];
        premise(succ);
        judge(succ, transitionInvs, path);
        if (sameState(s, succ) || !add(succ)) continue;
        judge(succ, stateInvs, path);
        next.push(e, k);
      }
      if (seen.size > options.maxStates) {
        complete = false;
        break;
      }
    }
    perLevel.push(next.length);
    if (!complete || next.length === 0) break;
  }
  let depthReached = 0;
  perLevel.forEach((n, i) => {
    if (n > 0) depthReached = i;
  });
  return {
    topology: st.topology,
    index: st.index,
    weight: st.weight,
    depth,
    depthReached,
    complete,
    distinct: seen.size,
    generated,
    perLevel,
    violations,
    byClass,
    premises: [...premises],
    tableBytes: seen.bytes,
  };
};
