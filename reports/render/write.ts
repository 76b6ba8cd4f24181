import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckRun } from '../../properties/gate.ts';
import { expected, type GateData } from '../../properties/gate-data.ts';
import type { Strengths } from '../../properties/strength.ts';
import { writeAtomic } from '../../spec/data-file.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { reportData } from './data.ts';
import { renderHtml } from './html.ts';
import { renderIndex, renderIndexHtml, reportPath, type StoredState } from './index.ts';
import { type JunitPaths, renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

/**
 * Every generated file of reports/, by path relative to it: index.md and index.html, and a Markdown
 * and an HTML report per stored counterexample. Rendered from the data alone, so the same data
 * always gives the same bytes (no run settings, no date).
 */
export const renderReports = (data: GateData): Map<string, string> => {
  const files = new Map<string, string>();
  const stored = new Map<string, StoredState>();
  for (const [f, c] of data.counterexamples) {
    const design = data.designs.get(c.design);
    if (design === undefined) continue; // loadGateData refuses such a file
    const d = reportData(design, c, `counterexamples/${f}`, data);
    const verdict = expected(data, c.design, c.invariant);
    files.set(reportPath(c.invariant, c.design, 'md'), renderMarkdown(d, verdict));
    files.set(reportPath(c.invariant, c.design, 'html'), renderHtml(d, verdict));
    stored.set(f, { status: c.status, reproduces: d.reproduces });
  }
  const input = { designs: data.designs, verdicts: data.verdicts, stored, strengths: data.strengths };
  files.set('index.md', renderIndex(input));
  files.set('index.html', renderIndexHtml(input));
  return files;
};

/** The generated files now under `dir`: index.* and `<invariant>/<design>.{md,html}` (never reports/render/). */
const generatedFiles = (dir: string): string[] => {
  if (!existsSync(dir)) return [];
  const out = ['index.md', 'index.html'].filter((f) => existsSync(join(dir, f)));
  for (const inv of INVARIANT_IDS) {
    const sub = join(dir, inv);
    if (!existsSync(sub)) continue;
    for (const f of readdirSync(sub)) if (/\.(md|html)$/.test(f)) out.push(`${inv}/${f}`);
  }
  return out;
};

/** How reports/ differs from what the data renders to. */
export interface ReportsDiff {
  /** Files to write: missing or different. */
  readonly changed: readonly string[];
  /** Generated files no stored counterexample accounts for. */
  readonly stale: readonly string[];
}

export const diffReports = (rendered: ReadonlyMap<string, string>, dir: string): ReportsDiff => {
  const changed = [...rendered].filter(([f, text]) => {
    const path = join(dir, f);
    return !existsSync(path) || readFileSync(path, 'utf8') !== text;
  });
  const stale = generatedFiles(dir).filter((f) => !rendered.has(f));
  return { changed: changed.map(([f]) => f), stale };
};

/** What writeReports did, by path relative to reports/. */
export interface ReportsWritten {
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

/**
 * Brings reports/ up to date with the data: writes each file that differs (atomically), removes
 * reports no stored counterexample accounts for, leaves the rest untouched. An I/O error (a
 * read-only folder, a full disk) is thrown after the files before it were written.
 */
export const writeReports = (data: GateData, dir: string = data.repo.reports): ReportsWritten => {
  const rendered = renderReports(data);
  const { changed, stale } = diffReports(rendered, dir);
  for (const f of changed) writeAtomic(join(dir, f), rendered.get(f) ?? '');
  for (const f of stale) rmSync(join(dir, f), { force: true });
  for (const inv of INVARIANT_IDS) {
    const sub = join(dir, inv);
    if (existsSync(sub) && readdirSync(sub).length === 0) rmdirSync(sub);
  }
  return { written: changed, removed: stale, unchanged: rendered.size - changed.length };
};

/** One line: what writeReports did. */
export const reportsSummary = (w: ReportsWritten): string => {
  const parts = [
    `${w.written.length} written`,
    ...(w.removed.length > 0 ? [`${w.removed.length} stale removed`] : []),
    `${w.unchanged} unchanged`,
  ];
  const names = [...w.written, ...w.removed.map((f) => `-${f}`)];
  return `reports/: ${parts.join(', ')}${names.length > 0 && names.length <= 6 ? ` (${names.join(', ')})` : ''}`;
};

/** Writes the JUnit XML of a run to `file`, atomically. */
export const writeJunit = (run: CheckRun, file: string, paths: JunitPaths, strengths: Strengths): void => {
  writeAtomic(file, renderJunit(run, paths, strengths));
};
