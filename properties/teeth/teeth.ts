import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';

/**
 * Known-bad models ("teeth"): hand-made wrong variants of key rules of model/. Each fixture
 * rewrites one rule in a scratch copy of the repository and runs the tests that must reject it.
 */
export const FixtureSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** The wrong rule, in one sentence. */
  wrong: z.string().min(1),
  /** The right rule and its primary source. */
  rule: z.string().min(1),
  /** The model file the fixture rewrites, relative to the repository root. */
  file: z.string().regex(/^model\/.+\.ts$/),
  /** Text that occurs exactly once in `file`, and what it becomes. */
  find: z.string().min(1),
  replace: z.string(),
  /** Tests (file and a part of the full test name) that must fail on the wrong model. */
  mustFail: z.array(z.object({ file: z.string().regex(/\.test\.ts$/), test: z.string().min(1) })).min(1),
});
export type Fixture = z.infer<typeof FixtureSchema>;

export const FIXTURES_FILE = join(import.meta.dirname, 'fixtures.json');
export const readFixtures = (): Fixture[] =>
  z
    .array(FixtureSchema)
    .min(1)
    .parse(JSON.parse(readFileSync(FIXTURES_FILE, 'utf8')));

const ROOT = join(import.meta.dirname, '..', '..');
const SKIP = new Set(['node_modules', '.git', '.mutation']);

/** What running the fixture's tests against its wrong model gave. */
export interface Bite {
  /** Full names ("file > describe > test") of the tests that failed. */
  readonly failed: readonly string[];
  /** Set when the fixture could not be applied (its `find` text is gone or ambiguous). */
  readonly stale?: string;
}

const vitestJson = z.object({
  testResults: z.array(
    z.object({
      name: z.string(),
      assertionResults: z.array(z.object({ fullName: z.string(), status: z.string() })),
    }),
  ),
});

/** Applies one fixture in a scratch copy of the repository and runs its `mustFail` test files there. */
export const bite = async (f: Fixture): Promise<Bite> => {
  const src = readFileSync(join(ROOT, f.file), 'utf8');
  const hits = src.split(f.find).length - 1;
  if (hits !== 1) return { failed: [], stale: `'${f.find}' occurs ${hits} times in ${f.file}, not once` };
  const dir = mkdtempSync(join(tmpdir(), `msispec-teeth-${f.id}-`));
  try {
    cpSync(ROOT, dir, {
      recursive: true,
      filter: (p) => !SKIP.has(relative(ROOT, p).split(sep)[0] ?? ''),
    });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, f.file), src.replace(f.find, f.replace));
    const out = join(dir, 'teeth-result.json');
    const files = [...new Set(f.mustFail.map((m) => m.file))];
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [vitest, 'run', '--reporter=json', `--outputFile=${out}`, ...files],
        { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } },
      );
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    const result = vitestJson.parse(JSON.parse(readFileSync(out, 'utf8')));
    const failed = result.testResults.flatMap((r) =>
      r.assertionResults
        .filter((a) => a.status === 'failed')
        .map((a) => `${relative(dir, r.name)} > ${a.fullName}`),
    );
    return { failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
