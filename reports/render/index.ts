import type { CheckRun, PairCheck } from '../../properties/gate.ts';
import { DESIGN_IDS, type Design, type DesignId } from '../../spec/designs/schema.ts';
import { INVARIANT_IDS, type InvariantId } from '../../spec/invariants/types.ts';
import type { Verdicts } from '../../spec/verdicts.ts';
import { a, type Block, code, type Doc, type Inline, m, type Text, txt } from './doc.ts';
import { docToHtml } from './html.ts';
import { docToMarkdown } from './markdown.ts';

/**
 * reports/index: the design × invariant verdict matrix, the run it comes from, the gate's outcome
 * and the violated pairs with links to their reports.
 */

type Ext = 'md' | 'html';

/** Path of a pair's report relative to reports/. */
export const reportPath = (invariant: InvariantId, design: DesignId, ext: Ext): string =>
  `${invariant}/${design}.${ext}`;

const find = (run: CheckRun | undefined, d: DesignId, i: InvariantId): PairCheck | undefined =>
  run?.results.find((r) => r.design === d && r.invariant === i);

/** A pair the run found violated against a verdict of holds or n/a: its counterexample file is new. */
export const isNewViolation = (r: PairCheck): boolean => r.search?.violated === true;

const buildIndex = (
  run: CheckRun | undefined,
  verdicts: Verdicts,
  designs: ReadonlyMap<DesignId, Design>,
  ext: Ext,
): Doc => {
  const notes: string[] = [];
  const noteFor = (reason: string): number => {
    const at = notes.indexOf(reason);
    if (at >= 0) return at + 1;
    notes.push(reason);
    return notes.length;
  };
  const cellOf = (d: DesignId, i: InvariantId): Text => {
    const v = verdicts[d][i];
    const r = find(run, d, i);
    const link = (label: string): Inline => a(reportPath(i, d, ext), { t: 'text', v: label });
    if (r !== undefined && !r.ok) {
      // The run differs from the reviewed verdict.
      if (r.found === 'violated') return isNewViolation(r) ? [link('⚠ ✗ new')] : [link('⚠ ✗')];
      return m('⚠ ✓ (✗ expected)');
    }
    switch (v.verdict) {
      case 'holds':
        return m('✓');
      case 'violated':
        return [link('✗')];
      case 'n/a':
        return [
          { t: 'text', v: 'n/a' },
          { t: 'note', n: noteFor(v.reason) },
        ];
      default: {
        const never: never = v;
        return never;
      }
    }
  };
  const matrix: Block = {
    kind: 'table',
    head: [m('design'), ...INVARIANT_IDS.map((i) => [code(i)])],
    rows: DESIGN_IDS.map((d) => [
      [a(`../spec/designs/${d}.json`, code(d))],
      ...INVARIANT_IDS.map((i) => cellOf(d, i)),
    ]),
  };
  const failed = run?.results.filter((r) => !r.ok) ?? [];
  const gate: Block[] =
    run === undefined
      ? [{ kind: 'p', text: m('**Gate:** not run.') }]
      : failed.length === 0
        ? [
            {
              kind: 'p',
              text: m(`**Gate:** passed — all ${run.results.length} pairs match \`spec/verdicts.json\`.`),
            },
          ]
        : [
            {
              kind: 'p',
              text: m(
                `**Gate:** FAILED — ${failed.length} of ${run.results.length} pairs differ from \`spec/verdicts.json\`:`,
              ),
            },
            {
              kind: 'ul',
              items: failed.map((r) => [
                code(`${r.design} × ${r.invariant}`),
                { t: 'text', v: ' — ' },
                ...txt(r.why ?? 'differs'),
              ]),
            },
          ];
  const violated: Text[] = [];
  for (const d of DESIGN_IDS) {
    for (const i of INVARIANT_IDS) {
      const v = verdicts[d][i];
      const r = find(run, d, i);
      const title = designs.get(d)?.title;
      if (v.verdict === 'violated')
        violated.push([
          a(reportPath(i, d, ext), code(`${i} — ${d}`)),
          { t: 'text', v: ': ' },
          ...txt(v.note),
        ]);
      else if (r !== undefined && isNewViolation(r))
        violated.push([
          a(reportPath(i, d, ext), code(`${i} — ${d}`)),
          ...m(` — **new**, not yet reviewed (expected ${v.verdict})${title === undefined ? '' : '; '}`),
          ...(title === undefined ? [] : txt(title)),
        ]);
    }
  }
  const blocks: Block[] = [
    { kind: 'h1', text: m('msispec verdicts') },
    {
      kind: 'p',
      text: m(
        `${DESIGN_IDS.length} designs × ${INVARIANT_IDS.length} invariants. Run: seed ${run === undefined ? 'not run' : `\`${run.seed}\``}, runs per pair ${run === undefined ? 'not run' : String(run.runs)}, date ${run?.date ?? 'not run'}.`,
      ),
    },
    ...gate,
    matrix,
    {
      kind: 'p',
      text: m(
        '**Legend:** ✓ holds · ✗ violated (links to the report) · n/a not applicable, still run and must find nothing (reason in the note) · ⚠ the run differs from `spec/verdicts.json`.',
      ),
    },
    { kind: 'h2', text: m('Violated pairs') },
    violated.length === 0 ? { kind: 'p', text: m('None.') } : { kind: 'ul', items: violated },
  ];
  // Footnotes of the n/a cells (GitHub and GitLab move them to the end of the page).
  if (notes.length > 0) blocks.push({ kind: 'notes', items: notes.map((x) => txt(x)) });
  return { title: 'msispec verdicts', blocks };
};

/** reports/index.md. */
export const renderIndex = (
  run: CheckRun | undefined,
  verdicts: Verdicts,
  designs: ReadonlyMap<DesignId, Design>,
): string => docToMarkdown(buildIndex(run, verdicts, designs, 'md'));

/** reports/index.html, linking to the .html reports. */
export const renderIndexHtml = (
  run: CheckRun | undefined,
  verdicts: Verdicts,
  designs: ReadonlyMap<DesignId, Design>,
): string => docToHtml(buildIndex(run, verdicts, designs, 'html'));
