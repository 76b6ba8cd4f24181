import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatJson, removeStaleTemps, writeAtomic } from './data-file.ts';
import { REPO } from './repo.ts';

const dir = mkdtempSync(join(tmpdir(), 'msispec-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The JSON files msispec writes: designs (new-design), the verdict table and counterexamples (accept, check). */
const written = (): string[] =>
  execFileSync('git', ['ls-files', 'spec/designs/*.json', 'spec/verdicts.json', 'counterexamples/*.json'], {
    cwd: REPO.root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f !== '' && existsSync(join(REPO.root, f)));

describe('JSON the tools write is in the repository format (biome.json; issue 8: npm run lint passes on it)', () => {
  it('formatJson reproduces every data file msispec writes byte for byte', () => {
    const files = written();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(join(REPO.root, f), 'utf8');
      expect(formatJson(JSON.parse(text)), f).toBe(text);
    }
  });

  it('Biome leaves formatJson output of random JSON unchanged (fixed seed, 200 documents)', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '§', '—', '"', '\\'), maxLength: 70 });
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        word,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 8 }),
        fc.array(fc.integer({ min: -9, max: 99999 }), { maxLength: 50 }),
        fc.dictionary(
          fc.string({ unit: fc.constantFrom('k', 'e', 'y'), minLength: 1, maxLength: 30 }),
          tie('value'),
          {
            maxKeys: 4,
          },
        ),
      ),
    }));
    const docs = fc.sample(fc.dictionary(fc.string({ minLength: 1, maxLength: 9 }), value), {
      seed: 8,
      numRuns: 200,
    });
    for (const [i, d] of docs.entries()) writeFileSync(join(dir, `${i}.json`), formatJson(d));
    const biome = join(REPO.root, 'node_modules', '.bin', 'biome');
    const r = execFileSync(biome, ['format', '--config-path', REPO.root, dir], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(r).toMatch(/Checked 200 files/);
  });

  it('writeAtomic leaves no temporary file, and removeStaleTemps removes one a killed process left', () => {
    const sub = join(dir, 'atomic');
    writeAtomic(join(sub, 'x.json'), '{}\n');
    expect(readdirSync(sub)).toEqual(['x.json']);
    writeFileSync(join(sub, 'x.json.99999999.tmp'), 'half');
    writeFileSync(join(sub, `y.json.${process.pid}.tmp`), 'mine');
    expect(removeStaleTemps([sub])).toEqual([join(sub, 'x.json.99999999.tmp')]);
    expect(readdirSync(sub).sort()).toEqual(['x.json', `y.json.${process.pid}.tmp`]);
  });
});
