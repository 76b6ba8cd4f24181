import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { repoAt } from '../spec/repo.ts';

/** Pairs of one design: one per invariant (docs/invariants.md). */
const PAIRS = INVARIANT_IDS.length;

import { cleanClone, git, gitStatus, runCli, spawnBin, spawnCli } from './testing.ts';

/**
 * The designer's workflow on a clean clone of this working tree (issue 8, "Done means"): `check`
 * leaves the tree as committed; a new design made from an existing one with one knob changed goes
 * through check and accept with no TypeScript file changed, and the suite and the linter then pass.
 * The two checks run as their own processes (`node cli/msispec.mjs`), as in CI; the newcomer's
 * commands run in-process on the clone (the same code, without a loader start-up per command).
 */
const root = cleanClone();
const repo = repoAt(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NEW = 'riscv-guest-files-s1';
/**
 * The work of each test is fixed (the CI budgets, one new design); this only stops a hung child.
 * It is wall-clock by nature, so it is generous: about ten times the run on a loaded 2-core machine.
 */
const HANG = 600_000;

describe('msispec on a clean clone (issue 8)', () => {
  it(
    'two check runs leave git status empty: the CI gate, then an exploration with another seed',
    () => {
      // The first run is the README's command at the CI budget. The second explores with another base
      // seed and a smaller budget: what check writes (reports/, derived from the stored data) does not
      // depend on the seed or the runs, so it must leave nothing behind either.
      const first = spawnCli(root, ['check']);
      expect(first.code, first.out + first.err).toBe(0);
      expect(first.out).toMatch(/gate passed: \d+ pairs match spec\/verdicts\.json\n/);
      expect(gitStatus(root)).toBe('');
      const second = spawnCli(root, ['check', '--seed', '7', '--runs', '20']);
      expect(second.code, second.out + second.err).toBe(0);
      expect(gitStatus(root)).toBe('');
    },
    HANG,
  );

  it(
    `newcomer flow: new-design ${NEW} --from riscv-guest-files --set policy.pagingStage=s1 → check → accept --all-new → the suite and lint pass, no TypeScript file changed`,
    async () => {
      git(root, 'checkout', '-q', '-b', 'newcomer');
      const made = await runCli(
        ['new-design', NEW, '--from', 'riscv-guest-files', '--set', 'policy.pagingStage=s1'],
        { repo },
      );
      expect(made.code, made.err).toBe(0);
      expect(made.out).toContain(`wrote spec/designs/${NEW}.json`);

      // The unreviewed pairs run and the designer sees what they find; the gate fails on them.
      const seen = await runCli(['check', '--design', NEW], { repo });
      expect(seen.code, seen.err).toBe(1);
      // A new design has no certificate yet: its row says so.
      expect(seen.out).toMatch(new RegExp(`^${NEW} +(\\?[✓✗] *){${PAIRS}} +no fresh certificate$`, 'm'));
      expect(seen.out).toContain(`? ${NEW}: ${PAIRS} unreviewed pairs`);
      expect(seen.out).toContain('npx msispec accept --all-new');

      const accepted = await runCli(['accept', '--all-new'], { repo });
      expect(accepted.code, accepted.err).toBe(0);
      expect(accepted.out).toContain(`spec/verdicts.json: ${PAIRS} verdicts recorded`);
      const table = JSON.parse(readFileSync(join(root, 'spec', 'verdicts.json'), 'utf8')) as Record<
        string,
        object
      >;
      expect(Object.keys(table[NEW] ?? {})).toHaveLength(PAIRS);

      // check and the suite agree: the gate passes on the new design, and so do the tests.
      const after = await runCli(['check', '--design', NEW], { repo });
      expect(after.code, after.out).toBe(0);
      const changed = gitStatus(root)
        .split('\n')
        .map((l) => l.slice(3));
      expect(changed).toContain(`spec/designs/${NEW}.json`);
      expect(changed.filter((f) => f.endsWith('.ts'))).toEqual([]);

      // The suite restricted to what a design changes: every test file that reads the data (catalogue,
      // canonical scenarios, invariants, counterexamples, reports, op coverage), and the gate's pairs of the new
      // design. The other designs' gate pairs and the model's unit tests read nothing that changed.
      // --no-isolate shares loaded modules between test files (the suite keeps no global state).
      const data = spawnBin(root, 'vitest', [
        'run',
        '--no-isolate',
        'spec/designs',
        'spec/invariants',
        'counterexamples',
        'reports',
        'properties/coverage.test.ts',
      ]);
      expect(data.code, data.out.slice(-3000)).toBe(0);
      expect(data.out).toMatch(/\d+ passed, 0 failed/);
      const gate = spawnBin(root, 'vitest', ['run', '--no-isolate', 'properties/gate', '-t', `${NEW} ×`]);
      expect(gate.code, gate.out.slice(-3000)).toBe(0);
      expect(gate.out).toMatch(new RegExp(`${PAIRS} passed, 0 failed, \\d+ skipped`));
      const lint = spawnBin(root, 'biome', ['check', '.']);
      expect(lint.code, lint.out.slice(-3000)).toBe(0);
    },
    HANG,
  );
});
