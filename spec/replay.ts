import type { KResult } from '../model/kernel/errno.ts';
import type { DesignCore } from '../model/kernel/policy.ts';
import { build } from '../model/platform/build.ts';
import type { Scenario } from '../model/platform/scenario.ts';
import type { State } from '../model/platform/state.ts';
import { step } from '../model/platform/step.ts';
import type { Invariant, Violation } from './invariants/types.ts';
import { strongestOf, type WitnessClass, weakerClass, witnessClass } from './invariants/witness-class.ts';

export interface ReplayStep {
  /** -1 for the state at boot, else the index of the op just applied. */
  readonly index: number;
  readonly state: State;
  readonly result?: KResult;
}

export interface Replay {
  readonly steps: readonly ReplayStep[];
  /** The first violation of the judged invariants, and the step after which it appeared. */
  readonly violation?: { readonly index: number; readonly violation: Violation };
}

/**
 * Replays `scenario` on `design` step by step, judging `invariants` on the boot state and after
 * every op; stops at the first violation (of a state's violations, the strongest witness).
 * With `atLeast` (a stored counterexample's witness class), a violation with a weaker witness does
 * not stop it: the scenario may pass a weaker violation on its way to the stronger one it is
 * stored for (properties/exhaustive/bfs.ts byClass). When no violation is that strong, the first
 * one found is returned, so the caller sees the weaker class. Deterministic.
 */
export const replay = (
  design: DesignCore,
  scenario: Scenario,
  invariants: readonly Invariant[],
  atLeast?: WitnessClass,
): Replay => {
  let state = build(design, scenario.topology);
  const steps: ReplayStep[] = [{ index: -1, state }];
  let weaker: Replay['violation'];
  const judge = (index: number): Replay | undefined => {
    for (const inv of invariants) {
      const v = strongestOf(inv.check(design, state));
      if (v === undefined) continue;
      if (!weakerClass(witnessClass(v.witness), atLeast))
        return { steps, violation: { index, violation: v } };
      weaker ??= { index, violation: v };
    }
    return undefined;
  };
  const atBoot = judge(-1);
  if (atBoot !== undefined) return atBoot;
  for (const [index, op] of scenario.ops.entries()) {
    const r = step(state, op);
    state = r.state;
    steps.push({ index, state, result: r.result });
    const found = judge(index);
    if (found !== undefined) return found;
  }
  return weaker === undefined ? { steps } : { steps: steps.slice(0, weaker.index + 2), violation: weaker };
};
