import { DEFAULT_GATE_RUNS, DEFAULT_SEED } from '../../properties/settings.ts';
import {
  designSearch,
  STRENGTH_LEGEND,
  STRENGTH_SCOPE,
  type Strengths,
  strengthOf,
} from '../../properties/strength.ts';
import type { Design } from '../../spec/designs/schema.ts';
import { getInvariant } from '../../spec/invariants/index.ts';
import { INVARIANT_IDS, type InvariantId } from '../../spec/invariants/types.ts';
import { expectedOf, pairFile, type Verdicts } from '../../spec/verdicts.ts';
import { a, type Block, code, type Doc, type Inline, m, mark, type Text, txt } from './doc.ts';
import { docToHtml } from './html.ts';
import { docToMarkdown } from './markdown.ts';

/**
 * reports/index: the design × invariant matrix of the recorded verdicts and the stored
 * counterexamples, with every pair that needs a person's attention. It is rendered from the data
 * alone (no run, no date), so the same data always gives the same bytes.
 */

type Ext = 'md' | 'html';

/** Path of a pair's report relative to reports/. */
export const reportPath = (invariant: InvariantId, design: string, ext: Ext): string =>
  `${invariant}/${design}.${ext}`;

/** What the index knows of a stored counterexample. */
export interface StoredState {
  readonly status: 'expected' | 'new';
  /** Whether it still violates its invariant with the recorded witness kind. */
  readonly reproduces: boolean;
}

export interface IndexInput {
  readonly designs: ReadonlyMap<string, Design>;
  readonly verdicts: Verdicts;
  /** By file relative to counterexamples/. */
  readonly stored: ReadonlyMap<string, StoredState>;
  /** Each pair's strength, from its committed certificate (properties/strength.ts). */
  readonly strengths: Strengths;
}

/** A pair that needs attention, and why, in a few words. */
interface Attention {
  readonly design: string;
  readonly invariant: InvariantId;
  readonly text: string;
}

const attentionOf = (input: IndexInput, d: string, i: InvariantId): string | undefined => {
  const v = expectedOf(input.verdicts, d, i);
  const s = input.stored.get(pairFile(i, d));
  if (s === undefined)
    return v.verdict === 'violated'
      ? 'recorded as violated, but its counterexample file is missing'
      : v.verdict === 'unreviewed'
        ? 'unreviewed: no verdict recorded yet'
        : undefined;
  if (v.verdict === 'unreviewed') return 'unreviewed: a new counterexample awaits review';
  if (v.verdict !== 'violated') return `a new counterexample, though recorded as ${v.verdict}`;
  if (!s.reproduces) return 'recorded as violated, but its counterexample no longer reproduces';
  if (s.status === 'new') return 'recorded as violated, but its counterexample is not marked reviewed';
  return undefined;
};

const buildIndex = (input: IndexInput, ext: Ext): Doc => {
  const ids = [...input.designs.keys()];
  const notes: string[] = [];
  const noteFor = (reason: string): number => {
    const at = notes.indexOf(reason);
    if (at >= 0) return at + 1;
    notes.push(reason);
    return notes.length;
  };
  const link = (i: InvariantId, d: string, label: Text): Inline => a(reportPath(i, d, ext), ...label);
  const cellOf = (d: string, i: InvariantId): Text => {
    const v = expectedOf(input.verdicts, d, i);
    const s = input.stored.get(pairFile(i, d));
    if (attentionOf(input, d, i) !== undefined) {
      const label = v.verdict === 'unreviewed' ? '?' : '⚠';
      if (s === undefined) return [mark('warn', ...m(label))];
      return [link(i, d, [mark(v.verdict === 'violated' ? 'warn' : 'bad', ...m(`${label} ✗`))])];
    }
    const strength = strengthOf(input.strengths, d, i);
    const marked = (t: Text): Text => {
      if (strength.kind === 'vacuous')
        return [
          ...t,
          ...m('∅'),
          {
            t: 'note',
            n: noteFor(
              `vacuous within ${strength.scope}: ${strength.premise} never arises${v.verdict === 'holds' && v.note !== undefined ? `; ${v.note}` : ''}`,
            ),
          },
        ];
      return strength.kind === 'random' ? [...t, ...m('~')] : t;
    };
    switch (v.verdict) {
      case 'holds':
        return marked([mark('good', ...m('✓'))]);
      case 'violated':
        return marked([link(i, d, [mark('bad', ...m('✗'))])]);
      case 'n/a':
        return [
          { t: 'text', v: 'n/a' },
          { t: 'note', n: noteFor(v.reason) },
        ];
      case 'unreviewed':
        return m('?');
      default: {
        const never: never = v;
        return never;
      }
    }
  };
  const matrix: Block = {
    kind: 'table',
    scroll: true,
    head: [
      m('design'),
      ...INVARIANT_IDS.map((i, n) => [{ t: 'abbr', v: String(n + 1), title: i } as const]),
      m(`within ${STRENGTH_SCOPE}`),
    ],
    rows: ids.map((d) => {
      const search = designSearch(input.strengths, d);
      return [
        [a(`../spec/designs/${d}.json`, code(d))],
        ...INVARIANT_IDS.map((i) => cellOf(d, i)),
        search === undefined
          ? m('no fresh certificate')
          : m(`${search.states} states, ≤ ${search.depth} ops`),
      ];
    }),
  };
  const attention: Attention[] = ids.flatMap((design) =>
    INVARIANT_IDS.flatMap((invariant) => {
      const text = attentionOf(input, design, invariant);
      return text === undefined ? [] : [{ design, invariant, text }];
    }),
  );
  const violated = ids.flatMap((d) =>
    INVARIANT_IDS.flatMap((i) => {
      const v = expectedOf(input.verdicts, d, i);
      return v.verdict === 'violated' ? [{ d, i, note: v.note }] : [];
    }),
  );
  const reviewed =
    ids.length * INVARIANT_IDS.length - attention.filter((x) => x.text.startsWith('unreviewed')).length;
  const state: Block[] =
    attention.length === 0
      ? [
          {
            kind: 'p',
            text: [
              mark('good', ...m('**Recorded:**')),
              ...m(
                ` all ${reviewed} pairs reviewed; ${violated.length} violated, each with a stored counterexample that reproduces.`,
              ),
            ],
          },
        ]
      : [
          {
            kind: 'p',
            text: [
              mark('bad', ...m('**Needs review:**')),
              ...m(
                ` ${attention.length} pair${attention.length === 1 ? '' : 's'} (the gate fails until each is settled; \`npx msispec accept <invariant>/<design>\` records what the model finds):`,
              ),
            ],
          },
          {
            kind: 'ul',
            items: attention.map((x) => [
              input.stored.has(pairFile(x.invariant, x.design))
                ? link(x.invariant, x.design, [code(`${x.invariant} — ${x.design}`)])
                : code(`${x.invariant} — ${x.design}`),
              ...m(': '),
              ...txt(x.text),
            ]),
          },
        ];
  const blocks: Block[] = [
    { kind: 'h1', text: m('msispec verdicts') },
    {
      kind: 'p',
      text: m(
        `${ids.length} designs × ${INVARIANT_IDS.length} invariants. The gate, \`npx msispec check\` (seed \`${DEFAULT_SEED}\`, ${DEFAULT_GATE_RUNS} runs per pair, as in CI), holds every pair to \`spec/verdicts.json\`: a pair recorded as holding (or n/a) must yield no counterexample, and a violated one must replay its stored counterexample.`,
      ),
    },
    ...state,
    matrix,
    {
      kind: 'p',
      text: m(
        `**Legend:** ${STRENGTH_LEGEND(STRENGTH_SCOPE)} (each ✗ links to its report; the premise of each ∅ is in its note) · n/a not applicable, still run and must find nothing (reason in the note) · ⚠ the data disagree with \`spec/verdicts.json\` · ? unreviewed. The last column is the design's exhaustive search within \`${STRENGTH_SCOPE}\` (\`properties/exhaustive/scopes/${STRENGTH_SCOPE}.json\`), read from \`certificates/\`; a certificate computed on other sources or another scope is stale and counts as none. Columns:`,
      ),
    },
    {
      kind: 'ol',
      items: INVARIANT_IDS.map((i) => [code(i), { t: 'text', v: ' — ' }, ...txt(getInvariant(i).title)]),
    },
    { kind: 'h2', text: m('Violated pairs') },
    violated.length === 0
      ? { kind: 'p', text: m('None.') }
      : {
          kind: 'ul',
          items: violated.map(({ d, i, note }) => [
            link(i, d, [code(`${i} — ${d}`)]),
            ...m(': '),
            ...txt(note),
          ]),
        },
  ];
  // Footnotes of the n/a cells (GitHub and GitLab move them to the end of the page).
  if (notes.length > 0) blocks.push({ kind: 'notes', items: notes.map((x) => txt(x)) });
  return { title: 'msispec verdicts', blocks };
};

/** reports/index.md. */
export const renderIndex = (input: IndexInput): string => docToMarkdown(buildIndex(input, 'md'));

/** reports/index.html, linking to the .html reports. */
export const renderIndexHtml = (input: IndexInput): string => docToHtml(buildIndex(input, 'html'));
