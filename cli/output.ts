import type { PairCheck } from '../properties/gate.ts';
import type { InvariantId } from '../spec/invariants/types.ts';

/**
 * The cell of a matrix: ✓ holds, ✗ violated, n/a; `!` where the run differs from the verdict
 * table; `?` where the table has no verdict yet (unreviewed), followed by what the model found.
 */
export const cell = (r: PairCheck | undefined): string => {
  if (r === undefined) return ' ';
  const found = r.found === 'holds' ? '✓' : '✗';
  if (r.expected.verdict === 'unreviewed') return `?${found}`;
  const mark = r.expected.verdict === 'n/a' ? 'n/a' : found;
  return r.ok ? mark : `!${found}`;
};

/** Invariants as short column heads: their position in the list of docs/invariants.md, with a legend below. */
export const matrixText = (
  designs: readonly string[],
  invariants: readonly InvariantId[],
  results: readonly PairCheck[],
): string => {
  const w = Math.max(...designs.map((d) => d.length));
  const head = `${''.padEnd(w)} ${invariants.map((_, i) => String(i + 1).padStart(3)).join(' ')}`;
  const rows = designs.map(
    (d) =>
      `${d.padEnd(w)} ${invariants.map((inv) => cell(results.find((r) => r.design === d && r.invariant === inv)).padStart(3)).join(' ')}`,
  );
  const legend = invariants.map((inv, i) => `${String(i + 1).padStart(2)} ${inv}`).join('   ');
  return [
    head,
    ...rows,
    '',
    legend,
    '✓ holds  ✗ violated  n/a not applicable (still run)  ! differs from spec/verdicts.json  ? unreviewed (no verdict yet)',
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
