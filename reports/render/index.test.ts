import { describe, expect, it } from 'vitest';
import { loadGateData } from '../../properties/gate-data.ts';
import { lazy } from '../../properties/lazy.ts';
import { designSearch, strengthOf } from '../../properties/strength.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { withVerdict } from '../../spec/verdicts.ts';
import { renderIndex, type StoredState } from './index.ts';
import { renderReports } from './write.ts';

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

const state = lazy(() => {
  const data = loadGateData();
  const rendered = renderReports(data);
  const md = rendered.get('index.md') ?? '';
  const stored = new Map<string, StoredState>(
    [...data.counterexamples].map(([f, c]) => [f, { status: c.status, reproduces: true }]),
  );
  return { data, rendered, md, stored };
});

describe('reports/index (verdict matrix, docs/architecture.md#design-catalogue × docs/invariants.md)', () => {
  it('is rendered with one report pair per stored counterexample (the count comes from counterexamples/)', () => {
    const { data, rendered } = state();
    expect(rendered.size).toBe(2 + 2 * data.counterexamples.size);
    for (const f of data.counterexamples.keys()) {
      expect(rendered.has(f.replace(/\.json$/, '.md'))).toBe(true);
      expect(rendered.has(f.replace(/\.json$/, '.html'))).toBe(true);
    }
  });

  it('has a row per design file, a short-labelled column per invariant, listed in a legend, and the design’s search within ci last', () => {
    const { data, md } = state();
    const [head, rule, ...rows] = matrix(md);
    expect(head).toEqual(['design', ...INVARIANT_IDS.map((_, i) => String(i + 1)), 'within ci']);
    expect(rule?.length).toBe(INVARIANT_IDS.length + 2);
    expect(rows.map((r) => r[0])).toEqual(
      [...data.designs.keys()].map((d) => `[\`${d}\`](../spec/designs/${d}.json)`),
    );
    for (const r of rows) expect(r.length).toBe(INVARIANT_IDS.length + 2);
    for (const [n, d] of [...data.designs.keys()].entries()) {
      const search = designSearch(data.strengths, d);
      expect(rows[n]?.[INVARIANT_IDS.length + 1]).toBe(
        search === undefined ? 'no fresh certificate' : `${search.states} states, ≤ ${search.depth} ops`,
      );
    }
    for (const [n, i] of INVARIANT_IDS.entries()) expect(md).toContain(`\n${n + 1}. \`${i}\` — `);
  });

  it('links every ✗ to a report it renders, and the report names that pair', () => {
    const { data, rendered, md } = state();
    const links = [...md.matchAll(/\[✗\]\(([^)]+)\)/g)].map((x) => x[1] ?? '');
    expect(links.length).toBe(data.counterexamples.size);
    for (const l of links) {
      const report = rendered.get(l);
      expect(report, l).toBeDefined();
      const [inv, design] = l.replace(/\.md$/, '').split('/');
      expect(report?.startsWith(`# ✗ ${inv} — ${design}\n`)).toBe(true);
    }
  });

  it('gives every n/a a footnote with its reason (spec/verdicts.ts n/a reason)', () => {
    const { md } = state();
    const refs = new Set([...md.matchAll(/n\/a\[\^(\d+)\]/g)].map((x) => x[1]));
    expect(refs.size).toBeGreaterThan(0);
    for (const n of refs) expect(md).toMatch(new RegExp(`^\\[\\^${n}\\]: .+`, 'm'));
  });

  it('marks each ✓ with its strength from certificates/: vacuous ✓∅ with a note naming the premise that never arises, random-only ✓~ (issue 10 item 5, issue 11 "What to build" 2)', () => {
    const { data, md } = state();
    const [, , ...rows] = matrix(md);
    for (const [n, d] of [...data.designs.keys()].entries())
      for (const [k, i] of INVARIANT_IDS.entries()) {
        const v = data.verdicts[d]?.[i]?.verdict;
        if (v !== 'holds') continue;
        const s = strengthOf(data.strengths, d, i);
        const got = rows[n]?.[k + 1] ?? '';
        if (s.kind === 'exhaustive') expect(got, `${i}/${d}`).toBe('✓');
        else if (s.kind === 'random') expect(got, `${i}/${d}`).toBe('✓~');
        else {
          const note = /^✓∅\[\^(\d+)\]$/.exec(got)?.[1];
          expect(note, `${i}/${d}: ${got}`).toBeDefined();
          expect(md).toContain(`[^${note}]: vacuous within ci: ${s.premise} never arises`);
        }
      }
  });

  it('carries no run and no date, and says every pair is reviewed when the data agree', () => {
    const { data, md } = state();
    expect(md).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    expect(md).toContain(`**Recorded:** all ${data.designs.size * INVARIANT_IDS.length} pairs reviewed`);
  });

  it('lists the pairs that need review: unreviewed, a new counterexample against the table, one that no longer reproduces', () => {
    const { data, stored } = state();
    const [design = '', other = ''] = [...data.designs.keys()];
    const [ceFile = '', ce] = [...data.counterexamples][0] ?? [];
    if (ce === undefined) throw new Error('no stored counterexample');
    const { [design]: _, ...rest } = data.verdicts;
    const verdicts = withVerdict(rest, other, 'msi-isolation', { verdict: 'holds' });
    const text = renderIndex({
      strengths: data.strengths,
      designs: data.designs,
      verdicts,
      stored: new Map([
        ...stored,
        [ceFile, { status: 'expected', reproduces: false }],
        [`msi-isolation/${other}.json`, { status: 'new', reproduces: true }],
      ]),
    });
    expect(text).toContain('**Needs review:**');
    expect(text).toContain(`\`msi-isolation — ${design}\`: unreviewed: no verdict recorded yet`);
    expect(text).toContain(
      `[\`msi-isolation — ${other}\`](msi-isolation/${other}.md): a new counterexample, though recorded as holds`,
    );
    if (data.verdicts[ce.design]?.[ce.invariant]?.verdict === 'violated' && ce.design !== design)
      expect(text).toContain(
        `${ce.invariant} — ${ce.design}\`](${ceFile.replace('.json', '.md')}): recorded as violated, but its counterexample no longer reproduces`,
      );
    expect(
      matrix(text)
        .find((r) => r[0]?.includes(`\`${design}\``))
        ?.slice(1),
    ).toContain('?');
  });
});
