import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTEREXAMPLES_DIR, readCounterexample } from '../../counterexamples/store.ts';
import { loadDesigns } from '../../spec/designs/load.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { expectedOf, loadVerdicts } from '../../spec/verdicts.ts';
import { CERTIFICATES_DIR, certificatePath, readCertificate } from './certificate.ts';
import { loadScope } from './scope.ts';

/**
 * The repository carries the CI scope's certificates (issue 11, "Done means": every ✓ pair
 * carries a certificate at the CI scope or says why not; every ✗ pair's counterexample is
 * certified minimal). Whether they are fresh on the current sources is the gate's question
 * (`msispec prove --gate` in .ci/run recomputes stale ones); this checks they are all there.
 */
describe('committed certificates of the ci scope', () => {
  const ci = loadScope('ci');
  const verdicts = loadVerdicts();
  const designs = [...loadDesigns().keys()];

  it('every design × invariant pair has one, for its own pair, complete within the ci scope', () => {
    for (const design of designs)
      for (const invariant of INVARIANT_IDS) {
        const file = certificatePath(invariant, design, CERTIFICATES_DIR);
        expect(existsSync(file), file).toBe(true);
        const c = readCertificate(file);
        expect([c.design, c.invariant]).toEqual([design, invariant]);
        expect(c.scope.name).toBe(ci.name);
        expect(c.search.complete).toBe(true);
        expect(c.search.depth).toBe(Math.max(...ci.boxes.map((b) => b.depth)));
        if (c.result === 'violated')
          expect(c.counterexample?.afterOp).toBe((c.counterexample?.ops.length ?? 0) - 1);
        else expect(c.counterexample).toBeUndefined();
      }
  });

  it('every ✗ pair’s stored counterexample says it is certified minimal within ci, at the certificate’s size', () => {
    for (const design of designs)
      for (const invariant of INVARIANT_IDS) {
        const v = expectedOf(verdicts, design, invariant);
        if (v.verdict !== 'violated') continue;
        const stored = readCounterexample(join(COUNTEREXAMPLES_DIR, v.counterexample));
        const cert = readCertificate(certificatePath(invariant, design, CERTIFICATES_DIR));
        expect(stored.certified?.minimal, v.counterexample).toBe('certified minimal within ci');
        expect(stored.scenario.ops.length).toBe(cert.counterexample?.ops.length);
        expect(stored.certified?.sources).toBe(cert.sources);
      }
  });
});
