import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getInvariant } from '../spec/invariants/index.ts';
import { checkVerdict, type PairCheck, reproduceCommand, shrunkOps } from './gate.ts';
import { allPairs, expected, loadGateData, storedOf } from './gate-data.ts';
import { GATE_RUNS, SEED } from './settings.ts';

const SHARD = /^shard-(\d+)\.test\.ts$/;

/** What a failing pair prints: why, the shrunk ops of a found counterexample, its report and how to reproduce it. */
export const failureMessage = (r: PairCheck, seed: number, runs: number): string => {
  const c = r.counterexample;
  return [
    r.why ?? 'differs from spec/verdicts.json',
    ...(c?.source === 'search' ? shrunkOps(c) : []),
    ...(r.counterexample?.source === 'stored' ? [`report: reports/${r.invariant}/${r.design}.md`] : []),
    `reproduce: ${reproduceCommand(r, seed, runs)}`,
  ].join('\n');
};

/**
 * The verdict gate as vitest cases, one test per design × invariant pair of the catalogue, named
 * after the pair and its recorded verdict. The pairs are dealt round-robin over the files
 * properties/gate/shard-<k>.test.ts, so the runner spreads them over the cores; the number of
 * shards is the number of such files, and adding a design needs no change here.
 */
export const gateShard = (testFile: string): void => {
  const path = fileURLToPath(testFile);
  const k = Number(SHARD.exec(basename(path))?.[1] ?? Number.NaN);
  const shards = readdirSync(dirname(path)).filter((f) => SHARD.test(f)).length;
  if (!(k >= 0 && k < shards))
    throw new Error(`${path}: a gate shard is shard-<k>.test.ts with k below ${shards}`);
  const data = loadGateData();
  const pairs = allPairs(data).filter((_, i) => i % shards === k);
  describe(`verdict gate, shard ${k + 1} of ${shards} (seed ${SEED}, ${GATE_RUNS} runs per pair; rerun with MSISPEC_SEED / MSISPEC_RUNS)`, () => {
    for (const { design, invariant } of pairs) {
      const want = expected(data, design, invariant);
      it(`${design} × ${invariant}: ${want.verdict} (spec/verdicts.json; docs/invariants.md)`, () => {
        const d = data.designs.get(design);
        expect(d, `spec/designs/${design}.json`).toBeDefined();
        if (d === undefined) return;
        const r = checkVerdict(
          d,
          getInvariant(invariant),
          want,
          storedOf(data, design, invariant),
          SEED,
          GATE_RUNS,
        );
        expect(r.ok, failureMessage(r, SEED, GATE_RUNS)).toBe(true);
      });
    }
  });
};
