import type { PairCheck } from '../properties/gate.ts';
import type { DesignId } from '../spec/designs/schema.ts';
import type { InvariantId } from '../spec/invariants/types.ts';

/** The cell of a matrix: ✓ holds, ✗ violated, n/a, and ! where the run differs from the verdict table. */
export const cell = (r: PairCheck | undefined): string => {
  if (r === undefined) return ' ';
  const mark = r.expected.verdict === 'n/a' ? 'n/a' : r.found === 'holds' ? '✓' : '✗';
  return r.ok ? mark : `!${r.found === 'holds' ? '✓' : '✗'}`;
};

/** Invariants as short column heads: their position in DESIGN.md's list, with a legend below. */
export const matrixText = (
  designs: readonly DesignId[],
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
    '✓ holds  ✗ violated  n/a not applicable (still run)  ! differs from spec/verdicts.json',
  ].join('\n');
};

/**
 * Progress: a redrawn bar on an interactive terminal (stderr), plain lines per design otherwise
 * (CI, pipes, files).
 */
export const progress = (total: number, out: (s: string) => void) => {
  const tty = process.stderr.isTTY === true && process.env.CI === undefined;
  let n = 0;
  let line = '';
  return {
    tick(label: string) {
      n++;
      if (!tty) return;
      const width = 30;
      const filled = Math.round((n / total) * width);
      line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${label}`;
      process.stderr.write(`\r${line.slice(0, 100).padEnd(100)}`);
    },
    note(s: string) {
      if (tty) process.stderr.write(`\r${''.padEnd(100)}\r`);
      out(s);
    },
    group(id: string) {
      if (!tty) out(`checked ${id} (${n}/${total})`);
    },
    done() {
      if (tty) process.stderr.write(`\r${''.padEnd(100)}\r`);
    },
  };
};
