import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDesigns } from '../../spec/designs/load.ts';
import { DESIGN_IDS } from '../../spec/designs/schema.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { loadVerdicts } from '../../spec/verdicts.ts';
import { renderIndex } from './index.ts';
import { checkWellFormed, matchingRun } from './testing.ts';
import { writeReports } from './write.ts';

const dir = mkdtempSync(join(tmpdir(), 'msispec-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The rows of the Markdown table whose header starts with `| design |`, split into cells. */
const matrix = (md: string): string[][] => {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| design |'));
  const rows: string[][] = [];
  for (const l of lines.slice(start)) {
    if (!l.startsWith('|')) break;
    rows.push(
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
};

describe('reports/index (verdict matrix, DESIGN.md "Designs under review" × "Invariants")', () => {
  const run = matchingRun();
  const summary = writeReports(run, true, dir);
  const md = readFileSync(join(dir, 'index.md'), 'utf8');

  it('writes the index pair and one report per violated verdict (writeReports summary)', () => {
    const violated = Object.values(loadVerdicts())
      .flatMap((r) => Object.values(r))
      .filter((v) => v.verdict === 'violated');
    expect(summary).toBe(`reports/index.md, reports/index.html and ${violated.length} reports`);
  });

  it(`has ${DESIGN_IDS.length} design rows × ${INVARIANT_IDS.length} invariant columns`, () => {
    const [head, rule, ...rows] = matrix(md);
    expect(head).toEqual(['design', ...INVARIANT_IDS.map((i) => `\`${i}\``)]);
    expect(rule?.length).toBe(INVARIANT_IDS.length + 1);
    expect(rows.length).toBe(DESIGN_IDS.length);
    for (const r of rows) expect(r.length).toBe(INVARIANT_IDS.length + 1);
  });

  it('links every ✗ to a report that exists, and the report names that pair', () => {
    const links = [...md.matchAll(/\[✗\]\(([^)]+)\)/g)].map((x) => x[1] ?? '');
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) {
      expect(l).toMatch(/^[a-z-]+\/[a-z0-9-]+\.md$/);
      expect(existsSync(join(dir, l)), l).toBe(true);
      const [inv, design] = l.replace(/\.md$/, '').split('/');
      expect(readFileSync(join(dir, l), 'utf8').startsWith(`# ✗ ${inv} — ${design}\n`)).toBe(true);
    }
  });

  it('gives every n/a a footnote with its reason (spec/verdicts.ts n/a reason)', () => {
    const refs = new Set([...md.matchAll(/n\/a\[\^(\d+)\]/g)].map((x) => x[1]));
    for (const n of refs) expect(md).toMatch(new RegExp(`^\\[\\^${n}\\]: .+`, 'm'));
  });

  it('shows the run settings and that the gate passed', () => {
    expect(md).toContain('seed `1`, runs per pair 200, date 2026-11-21');
    expect(md).toContain(`**Gate:** passed — all ${DESIGN_IDS.length * INVARIANT_IDS.length} pairs match`);
  });

  it('says "not run" without a run and lists differing pairs when the gate fails', () => {
    const none = renderIndex(undefined, loadVerdicts(), loadDesigns());
    expect(none).toContain('**Gate:** not run.');
    expect(none).toContain('date not run');
    const bad = matchingRun();
    const first = bad.results[0];
    if (first === undefined) throw new Error('empty run');
    const failed = {
      ...bad,
      results: [
        { ...first, ok: false, found: 'violated' as const, why: 'found one' },
        ...bad.results.slice(1),
      ],
    };
    const text = renderIndex(failed, loadVerdicts(), loadDesigns());
    expect(text).toContain('**Gate:** FAILED — 1 of');
    expect(text).toContain(`\`${first.design} × ${first.invariant}\` — found one`);
  });

  it('index.html is well-formed and links to .html reports', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(checkWellFormed(html).errors).toEqual([]);
    const links = [...html.matchAll(/<a href="([^"]+)">✗<\/a>/g)].map((x) => x[1] ?? '');
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(existsSync(join(dir, l)), l).toBe(true);
  });
});
