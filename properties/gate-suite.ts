import { describe, expect, it } from 'vitest';
import { getDesign } from '../spec/designs/load.ts';
import type { DesignId } from '../spec/designs/schema.ts';
import { INVARIANTS } from '../spec/invariants/index.ts';
import { loadVerdicts } from '../spec/verdicts.ts';
import { checkVerdict } from './gate.ts';
import { GATE_RUNS, SEED } from './settings.ts';

/**
 * The verdict gate as vitest cases: one test per design × invariant, named after the pair and its
 * recorded verdict (spec/verdicts.json). Split over several files so the runner uses both cores.
 */
export const gateSuite = (designs: readonly DesignId[]): void => {
  const verdicts = loadVerdicts();
  describe(`verdict gate (seed ${SEED}, ${GATE_RUNS} runs per pair; rerun with MSISPEC_SEED / MSISPEC_RUNS)`, () => {
    for (const id of designs) {
      for (const inv of INVARIANTS.values()) {
        const expected = verdicts[id][inv.id];
        it(`${id} × ${inv.id}: ${expected.verdict} (spec/verdicts.json; DESIGN.md "Invariants")`, () => {
          const r = checkVerdict(getDesign(id), inv, expected, SEED, GATE_RUNS);
          expect(r.ok, r.why).toBe(true);
        });
      }
    }
  });
};
