import { TRAITS } from '../properties/exhaustive/premise.ts';
import type { PairCheck } from '../properties/gate.ts';
import {
  designSearch,
  runStrength,
  STRENGTH_LEGEND,
  STRENGTH_SCOPE,
  type Strength,
  type Strengths,
  strengthMark,
} from '../properties/strength.ts';
import type { InvariantId } from '../spec/invariants/types.ts';
import { holdsNote } from '../spec/verdicts.ts';

/**
 * The cell of a matrix: ✓ holds, ✗ violated, n/a, each ✓ and ✗ with its strength mark
 * (properties/strength.ts: none exhaustive or certified minimal, `∅` vacuous, `~` random-only,
 * `∅~` random-only with a premise that never arose in this run);
 * `!` where the run differs from the verdict table; `?` where the table has no verdict yet
 * (unreviewed), followed by what the model found.
 */
export const cell = (r: PairCheck | undefined, strength: Strength): string => {
  if (r === undefined) return ' ';
  const found = r.found === 'holds' ? '✓' : '✗';
  if (r.expected.verdict === 'unreviewed') return `?${found}`;
  if (!r.ok) return `!${found}`;
  return r.expected.verdict === 'n/a' ? 'n/a' : `${found}${strengthMark(strength)}`;
};

const cellOf = (r: PairCheck | undefined, strengths: Strengths): string =>
  r === undefined ? ' ' : cell(r, runStrength(strengths, r));

/**
 * Invariants as short column heads: their position in the list of docs/invariants.md, with a legend
 * below; each row ends with the design's search within the certificates' scope (or says there is
 * none fresh), and the premises of its vacuous cells are listed once per invariant.
 */
export const matrixText = (
  designs: readonly string[],
  invariants: readonly InvariantId[],
  results: readonly PairCheck[],
  strengths: Strengths,
): string => {
  const w = Math.max(...designs.map((d) => d.length));
  const head = `${''.padEnd(w)} ${invariants.map((_, i) => String(i + 1).padStart(3)).join(' ')}`;
  const cells = designs.map((d) =>
    invariants.map((inv) =>
      cellOf(
        results.find((r) => r.design === d && r.invariant === inv),
        strengths,
      ),
    ),
  );
  const rows = designs.map((d, n) => {
    const search = designSearch(strengths, d);
    const tail =
      search === undefined
        ? 'no fresh certificate'
        : `${search.scope}: ${search.states} states, ≤ ${search.depth} ops`;
    return `${d.padEnd(w)} ${(cells[n] ?? []).map((c) => c.padStart(3)).join(' ')}   ${tail}`;
  });
  const legend = invariants.map((inv, i) => `${String(i + 1).padStart(2)} ${inv}`).join('   ');
  // Each invariant's premise once, then the note of each vacuous cell under it (spec/verdicts.json).
  const vacuous = invariants.flatMap((inv, i) => {
    const rows = designs.flatMap((d, n) => {
      if (!(cells[n]?.[i]?.includes('∅') ?? false)) return [];
      const note = holdsNote(results.find((r) => r.design === d && r.invariant === inv)?.expected);
      return note === undefined ? [] : [`     ${d}: ${note}`];
    });
    return designs.some((_, n) => cells[n]?.[i]?.includes('∅'))
      ? [`  ${i + 1} ${inv}: ${TRAITS[inv].premise}`, ...rows]
      : [];
  });
  return [
    head,
    ...rows,
    '',
    legend,
    STRENGTH_LEGEND(STRENGTH_SCOPE, true).replaceAll(' · ', '  '),
    'n/a not applicable (still run)  ! differs from spec/verdicts.json  ? unreviewed (no verdict yet)',
    ...(vacuous.length > 0
      ? [`premises that never arise (∅ within ${STRENGTH_SCOPE}, ∅~ in this run):`, ...vacuous]
      : []),
  ].join('\n');
};

/**
 * Progress on stderr: a redrawn bar on an interactive terminal, plain lines per design otherwise
 * (CI, pipes, files). `note` lines go to `out`.
 */
export const progress = (
  total: number,
  out: (s: string) => void,
  err: (s: string) => void,
  quiet: boolean,
) => {
  const tty = !quiet && process.stderr.isTTY === true && process.env.CI === undefined;
  let n = 0;
  return {
    tick(label: string) {
      n++;
      if (!tty) return;
      const width = 30;
      const filled = Math.round((n / total) * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${label}`;
      process.stderr.write(`\r${line.slice(0, 100).padEnd(100)}`);
    },
    note(s: string) {
      if (tty) process.stderr.write(`\r${''.padEnd(100)}\r`);
      if (!quiet) out(s);
    },
    group(id: string) {
      if (!tty && !quiet) err(`checked ${id} (${n}/${total})`);
    },
    done() {
      if (tty) process.stderr.write(`\r${''.padEnd(100)}\r`);
    },
  };
};
