import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../spec/repo.ts';

/** The mutation driver's command line (properties/mutation/main.ts): bad input is one line and exit 2. */
const main = (...argv: string[]) => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join('properties', 'mutation', 'main.ts'), ...argv],
    {
      cwd: REPO.root,
      encoding: 'utf8',
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('msispec mutation driver', () => {
  it('an unknown command, flag, a glob outside model/ or --restart without a full run exits 2 naming what is allowed, before Stryker runs', () => {
    expect(main('rn')).toMatchObject({
      code: 2,
      err: "msispec mutation: unknown command 'rn'. Allowed: run, score, merge\n",
    });
    const flag = main('score', '--chek');
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/unknown flag --chek; did you mean --check\? Allowed: --check/);
    const glob = main('run', '--mutate', 'spec/replay.ts');
    expect(glob.code).toBe(2);
    expect(glob.err).toMatch(/--mutate spec\/replay\.ts: a glob under model\//);
    const restart = main('run', '--restart');
    expect(restart.code).toBe(2);
    expect(restart.err).toBe(
      'msispec mutation: --restart goes with --full over all of model/ (no --mutate)\n',
    );
  });

  it('a malformed results file to merge exits 2 naming its JSON path, and the committed results stay as they were', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msispec-mutation-'));
    const bad = join(dir, 'incremental.json');
    writeFileSync(bad, '{"files": 3}');
    const committed = join(REPO.root, 'properties', 'mutation', 'results.json.gz');
    const before = readFileSync(committed);
    const r = main('merge', bad);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `msispec mutation: ${bad}: $.files: Invalid input: expected record, received number\n`,
    );
    expect(readFileSync(committed).equals(before)).toBe(true);
  });

  it("README.md's measured table is the table score prints from the committed results, row for row", () => {
    const table = main('score')
      .out.split('\n')
      .filter((l) => l.startsWith('|'));
    const readme = readFileSync(join(REPO.root, 'README.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('  |'))
      .map((l) => l.slice(2));
    expect(table.length).toBeGreaterThan(3);
    expect(readme.slice(readme.indexOf(table[0] ?? ''))).toEqual(table);
  });

  it('score tables the committed results per folder of model/', () => {
    const r = main('score');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\| folder \| mutants \|/);
    expect(r.out).toMatch(/\n\| \*\*model\/\*\* \| \d+ \|/);
  });
});
