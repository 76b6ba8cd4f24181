import { describe, expect, it } from 'vitest';
import { CERTIFICATES_DIR } from '../properties/exhaustive/certificate.ts';
import { vacuousPremise } from '../properties/strength.ts';
import { loadDesigns } from './designs/load.ts';
import { INVARIANT_IDS } from './invariants/types.ts';
import { expectedOf, holdsNote, loadVerdicts } from './verdicts.ts';

/**
 * A ✓ that holds only because its premise never arises within the scope reads like a real ✓
 * unless it says why (issue 10 item 5 and its "Done means"): every ✓ pair whose committed
 * certificate is vacuous carries a one-line note (an n/a pair has its reason), recorded with `msispec accept … --note`, and no
 * other pair carries one left over from a time it was vacuous.
 */
describe('notes of vacuous ✓ verdicts (spec/verdicts.json, certificates/)', () => {
  const verdicts = loadVerdicts();
  const pairs = [...loadDesigns().keys()].flatMap((design) =>
    INVARIANT_IDS.map((invariant) => ({
      design,
      invariant,
      premise: vacuousPremise(design, invariant, CERTIFICATES_DIR),
      verdict: expectedOf(verdicts, design, invariant),
    })),
  );
  const vacuous = pairs.filter((p) => p.premise !== undefined);

  it('some ✓ pairs are vacuous, and every vacuous pair is n/a with its reason or holds with a note', () => {
    expect(vacuous.some((p) => p.verdict.verdict === 'holds')).toBe(true);
    expect(
      vacuous
        .filter((p) => p.verdict.verdict !== 'n/a' && holdsNote(p.verdict) === undefined)
        .map((p) => `${p.invariant}/${p.design}`),
    ).toEqual([]);
  });

  it('no holding pair whose certificate is not vacuous carries a note', () => {
    expect(
      pairs
        .filter((p) => p.premise === undefined && holdsNote(p.verdict) !== undefined)
        .map((p) => `${p.invariant}/${p.design}`),
    ).toEqual([]);
  });
});
