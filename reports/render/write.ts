import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  COUNTEREXAMPLES_DIR,
  counterexamplePath,
  readCounterexample,
  writeAtomic,
} from '../../counterexamples/store.ts';
import type { CheckRun } from '../../properties/gate.ts';
import { loadDesigns } from '../../spec/designs/load.ts';
import type { DesignId } from '../../spec/designs/schema.ts';
import type { InvariantId } from '../../spec/invariants/types.ts';
import { loadVerdicts, type Verdict } from '../../spec/verdicts.ts';
import { reportData } from './data.ts';
import { renderHtml } from './html.ts';
import { isNewViolation, renderIndex, renderIndexHtml, reportPath } from './index.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

/** reports/, next to this folder. */
export const REPORTS_DIR = new URL('..', import.meta.url).pathname;

interface Pair {
  readonly design: DesignId;
  readonly invariant: InvariantId;
  readonly verdict: Verdict;
  /** The counterexample file, relative to counterexamples/. */
  readonly file: string;
}

/**
 * The pairs that get a report: every verdict recorded as violated, and every pair of the run whose
 * search found a new counterexample (its file then exists with status "new").
 */
const reportPairs = (run: CheckRun | undefined): Pair[] => {
  const verdicts = loadVerdicts();
  const pairs: Pair[] = [];
  for (const [design, row] of Object.entries(verdicts) as [DesignId, Record<InvariantId, Verdict>][]) {
    for (const [invariant, verdict] of Object.entries(row) as [InvariantId, Verdict][]) {
      if (verdict.verdict === 'violated')
        pairs.push({ design, invariant, verdict, file: verdict.counterexample });
    }
  }
  for (const r of run?.results ?? []) {
    if (!isNewViolation(r) || pairs.some((p) => p.design === r.design && p.invariant === r.invariant))
      continue;
    pairs.push({
      design: r.design,
      invariant: r.invariant,
      verdict: r.expected,
      file: counterexamplePath(r.invariant, r.design),
    });
  }
  return pairs;
};

/**
 * Writes the reports of a run under reports/, each file atomically: `<invariant>/<design>.md` and
 * `.html` per reported pair, and with `full` (every design × invariant was run) index.md and
 * index.html. Without a run (msispec report) the reports are rendered from the stored files alone.
 * Returns a one-line summary. `dir` is for tests; the CLI writes reports/.
 */
export const writeReports = (run: CheckRun | undefined, full: boolean, dir: string = REPORTS_DIR): string => {
  const designs = loadDesigns();
  const info = run === undefined ? undefined : { seed: run.seed, runs: run.runs, date: run.date };
  let written = 0;
  const skipped: string[] = [];
  for (const p of reportPairs(run)) {
    const file = join(COUNTEREXAMPLES_DIR, p.file);
    const design = designs.get(p.design);
    if (design === undefined || !existsSync(file)) {
      skipped.push(`counterexamples/${p.file} is missing`);
      continue;
    }
    let data: ReturnType<typeof reportData>;
    try {
      data = reportData(design, readCounterexample(file), `counterexamples/${p.file}`);
    } catch (e) {
      skipped.push((e as Error).message);
      continue;
    }
    writeAtomic(join(dir, reportPath(p.invariant, p.design, 'md')), renderMarkdown(data, p.verdict, info));
    writeAtomic(join(dir, reportPath(p.invariant, p.design, 'html')), renderHtml(data, p.verdict, info));
    written++;
  }
  const verdicts = loadVerdicts();
  if (full) {
    writeAtomic(join(dir, 'index.md'), renderIndex(run, verdicts, designs));
    writeAtomic(join(dir, 'index.html'), renderIndexHtml(run, verdicts, designs));
  }
  const reports = `${written} report${written === 1 ? '' : 's'}`;
  const head = full ? `reports/index.md, reports/index.html and ${reports}` : reports;
  return skipped.length === 0 ? head : `${head}; ${skipped.length} skipped (${skipped.join('; ')})`;
};

/** Writes the JUnit XML of a run to `file`, atomically. */
export const writeJunit = (run: CheckRun, file: string): void => {
  writeAtomic(file, renderJunit(run));
};
