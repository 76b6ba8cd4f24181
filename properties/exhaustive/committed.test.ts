import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTEREXAMPLES_DIR, readCounterexample } from '../../counterexamples/store.ts';
import { loadDesigns } from '../../spec/designs/load.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { witnessClass } from '../../spec/invariants/witness-class.ts';
import { expectedOf, loadVerdicts } from '../../spec/verdicts.ts';
import { CERTIFICATES_DIR, certificatePath, readCertificate, violatedOf } from './certificate.ts';
import { minimalText } from './minimal.ts';
import { targetOf } from './prove.ts';
import { loadScope } from './scope.ts';

/**
 * The repository carries the CI scope's certificates (issue 11, "Done means": every ✓ pair
 * carries a certificate at the CI scope or says why not; every ✗ pair's counterexample is
 * certified minimal, for its witness class: the least violation of the strongest class the
 * search finds, issue 10 item 4). Whether they are fresh on the current sources is the gate's question
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

  it('every ✗ pair’s stored counterexample is of the strongest witness class its certificate records, and certified minimal within ci for its class, at the size of that class’s least violation', () => {
    for (const design of designs)
      for (const invariant of INVARIANT_IDS) {
        const v = expectedOf(verdicts, design, invariant);
        if (v.verdict !== 'violated') continue;
        const stored = readCounterexample(join(COUNTEREXAMPLES_DIR, v.counterexample));
        const cert = readCertificate(certificatePath(invariant, design, CERTIFICATES_DIR));
        const found = violatedOf(cert);
        expect(found, `${invariant}/${design}: violated within ci`).toBeDefined();
        if (found === undefined) continue;
        const cls = stored.violation.class;
        // A certificate from before per-class leasts records only the overall least (the lead
        // recomputes every certificate on merge); it then certifies a file of the overall least's class.
        const target = targetOf(found);
        const least = cls === undefined || cert.classes === undefined ? found : found.classes[cls];
        expect(cls, v.counterexample).toBe(
          cert.classes === undefined ? witnessClass(found.witness) : target.class,
        );
        expect(stored.certified?.minimal, v.counterexample).toBe(
          minimalText(ci.name, cert.classes === undefined ? undefined : cls),
        );
        expect(stored.scenario.ops.length, v.counterexample).toBe(least?.ops.length);
        expect(stored.certified?.sources, v.counterexample).toBe(cert.sources);
      }
  });
});
