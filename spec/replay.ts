import type { KResult } from '../model/kernel/errno.ts';
import type { DesignCore } from '../model/kernel/policy.ts';
import { build } from '../model/platform/build.ts';
import type { Scenario } from '../model/platform/scenario.ts';
import type { State } from '../model/platform/state.ts';
import { step } from '../model/platform/step.ts';
import type { Invariant, Violation } from './invariants/types.ts';

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
 * every op; stops at the first violation. Deterministic: the same input always replays the same.
 */
export const replay = (design: DesignCore, scenario: Scenario, invariants: readonly Invariant[]): Replay => {
  let state = build(design, scenario.topology);
  const steps: ReplayStep[] = [{ index: -1, state }];
  const judge = (index: number): Replay | undefined => {
    for (const inv of invariants) {
      const v = inv.check(design, state)[0];
      if (v !== undefined) return { steps, violation: { index, violation: v } };
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
  return { steps };
};
