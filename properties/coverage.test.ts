import { describe, expect, it } from 'vitest';
import { loadDesigns } from '../spec/designs/load.ts';
import { coverageProblems } from './gate-data.ts';

describe('op coverage of the generators (issue 4: no op kind that can succeed is never exercised)', () => {
  for (const design of loadDesigns().values()) {
    it(`${design.id}: every op kind is generated unless drawn only for other designs (notGenerated), and succeeds at least once unless the design rules it out (properties/coverage.ts cannotSucceed)`, () => {
      expect(coverageProblems(design)).toEqual([]);
    });
  }
});
