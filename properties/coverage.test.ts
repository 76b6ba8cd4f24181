import { describe, expect, it } from 'vitest';
import { OP_KINDS } from '../model/platform/scenario.ts';
import { loadDesigns } from '../spec/designs/load.ts';
import { cannotSucceed, opCoverage } from './coverage.ts';
import { pairSeed, SEED } from './settings.ts';

describe('op coverage of the generators (issue 4: no op kind that can succeed is never exercised)', () => {
  for (const design of loadDesigns().values()) {
    it(`${design.id}: every op kind is generated, and succeeds at least once unless the design rules it out`, () => {
      const counts = opCoverage(design, pairSeed(SEED, design.id, 'coverage'), 300);
      for (const op of OP_KINDS) {
        const c = counts[op];
        expect(c.generated, `${op} generated`).toBeGreaterThan(0);
        const why = cannotSucceed(design, op);
        if (why === undefined)
          expect(c.ok, `${op} succeeded (refusals: ${JSON.stringify(c.refused)})`).toBeGreaterThan(0);
        else expect(c.ok, `${op} cannot succeed here: ${why}`).toBe(0);
      }
    });
  }
});
