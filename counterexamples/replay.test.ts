import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusProblems, loadGateData } from '../properties/gate-data.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { replay } from '../spec/replay.ts';
import { overBound, replayClass, sizeOf } from './schema.ts';
import { COUNTEREXAMPLES_DIR, readCounterexample } from './store.ts';

const data = loadGateData();
const files = [...data.counterexamples];

describe('stored counterexamples replay (docs/architecture.md#conventions, rule 7: every counterexample is kept and replayed)', () => {
  it('there is at least one stored counterexample', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const [f, c] of files) {
    it(`${f} still violates its invariant with the same witness kind after the same op (the first violation of its class, for a file the exhaustive search chose: spec/replay.ts), within the size bound stored in the file`, () => {
      const design = data.designs.get(c.design);
      expect(design, c.design).toBeDefined();
      if (design === undefined) return;
      const r = replay(design, c.scenario, [getInvariant(c.invariant)], replayClass(c));
      expect(r.violation?.violation.witness.kind).toBe(c.violation.witness.kind);
      expect(r.violation?.index).toBe(c.violation.afterOp);
      expect(c.bound, 'a reviewed file stores its bound (msispec accept)').toBeDefined();
      if (c.bound === undefined) return;
      expect(overBound(c.scenario, c.bound), JSON.stringify(sizeOf(c.scenario))).toEqual([]);
    });
  }

  it('a file that fails to parse is reported with its path and the JSON field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msispec-ce-'));
    try {
      const src = JSON.parse(readFileSync(join(COUNTEREXAMPLES_DIR, files[0]?.[0] ?? ''), 'utf8')) as Record<
        string,
        unknown
      >;
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ ...src, status: 'maybe' }));
      expect(() => readCounterexample(bad)).toThrow(/bad\.json: \$\.status: .*allowed: "expected", "new"/);
      const { bound: _, ...unbounded } = src;
      writeFileSync(bad, JSON.stringify(unbounded));
      expect(() => readCounterexample(bad)).toThrow(
        /bad\.json: \$\.bound: a reviewed counterexample stores its size bound/,
      );
      const scenario = { ...(src.scenario as Record<string, unknown>), design: 'x86-vtd' };
      writeFileSync(bad, JSON.stringify({ ...src, design: 'x86-vtd', scenario }));
      expect(() => readCounterexample(bad, [...data.designs.keys()])).toThrow(
        /\$\.design: unknown design 'x86-vtd'; did you mean 'x86-vtd-ir/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('verdict table and corpus agree (issue 4: each violated pair has its counterexample file)', () => {
  it('every stored file is of a pair recorded as violated, marked reviewed and within its bound; every violated pair has its file (properties/gate-data.ts corpusProblems)', () => {
    expect(corpusProblems(data)).toEqual([]);
    for (const [design, row] of Object.entries(data.verdicts))
      for (const [inv, v] of Object.entries(row))
        if (v?.verdict === 'violated')
          expect(data.counterexamples.has(`${inv}/${design}.json`), `${inv}/${design}`).toBe(true);
  });
});
