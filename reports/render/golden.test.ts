import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTEREXAMPLES_DIR, readCounterexample } from '../../counterexamples/store.ts';
import { certificatePath, readCertificate } from '../../properties/exhaustive/certificate.ts';
import type { Strength, Strengths } from '../../properties/strength.ts';
import { getDesign } from '../../spec/designs/load.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { loadRemedies } from '../../spec/remedies.ts';
import { expectedOf, loadVerdicts, pairFile } from '../../spec/verdicts.ts';
import { reportData } from './data.ts';
import { renderMarkdown } from './markdown.ts';

/**
 * Golden test of one report (the "golden tests of one report"): the canonical hart-only
 * isolation counterexample (seed 000, docs/architecture.md#reports) must render to the
 * committed file byte for byte (a report depends on the stored data only, not on a run). After an intended change, read the new output
 * as a designer would, then regenerate it with:
 *
 *   UPDATE_GOLDEN=1 npx vitest run reports/render/golden.test.ts
 */
/**
 * The design's committed certificates read as fresh, so that the golden file tests the rendering
 * of strengths and does not change when a model edit makes the certificates stale
 * (properties/strength.test.ts tests freshness).
 */
const committedStrengths = (design: string): Strengths =>
  new Map(
    INVARIANT_IDS.map((i) => {
      const c = readCertificate(certificatePath(i, design));
      const kind = c.result === 'holds' ? 'exhaustive' : c.result === 'vacuous' ? 'vacuous' : 'minimal';
      const s: Strength = {
        kind,
        scope: c.scope.name,
        states: c.search.states,
        depth: c.search.depth,
        premise: c.premise,
      };
      return [pairFile(i, design), s];
    }),
  );

const GOLDEN = new URL('./golden/msi-isolation--riscv-hart-only-msi-table.md', import.meta.url).pathname;
const FILE = 'msi-isolation/riscv-hart-only-msi-table.json';

describe('golden report', () => {
  it('renders msi-isolation × riscv-hart-only-msi-table exactly as the committed golden file (seed 000; docs/architecture.md#reports)', () => {
    const c = readCounterexample(join(COUNTEREXAMPLES_DIR, FILE));
    const verdicts = loadVerdicts();
    const data = reportData(getDesign(c.design), c, `counterexamples/${FILE}`, {
      strengths: committedStrengths(c.design),
      remedies: loadRemedies(),
      verdicts,
    });
    const md = renderMarkdown(data, expectedOf(verdicts, c.design, c.invariant));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, md);
    expect(existsSync(GOLDEN), `missing ${GOLDEN}: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(md).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
