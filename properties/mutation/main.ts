import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { parseArgs, UsageError } from '../../cli/args.ts';
import { parseWith } from '../../model/types/validate.ts';
import { writeAtomic, writeJsonAtomic } from '../../spec/data-file.ts';
import { InputFileError, readJsonFile } from '../../spec/input-error.ts';
import { REPO, tsSourcesUnder } from '../../spec/repo.ts';
import {
  byFolder,
  EquivalentSchema,
  foldersToRun,
  markEquivalent,
  mergeResults,
  outOfDate,
  type Results,
  ResultsSchema,
  scoresOf,
  scoreTable,
} from './results.ts';

/**
 * `npm run mutation` / `npm run mutation:incremental`: Stryker over model/ with the results kept.
 *
 *   tsx properties/mutation/main.ts run [--full [--restart]] [--mutate <glob>[,<glob>…]]
 *   tsx properties/mutation/main.ts score [--check]
 *   tsx properties/mutation/main.ts merge <incremental.json>…
 *
 * `run` lays the committed results (properties/mutation/results.json.gz) into Stryker's incremental
 * file, runs Stryker incrementally (`--full`: every mutant again), and lays what it found back over
 * the committed results, so a run over one folder (`--mutate 'model/hw/**\/*.ts'`) keeps every
 * other folder's. `run --full` over all of model/ goes one folder at a time and resumes where a
 * stopped full run left off. `score` prints the score of each folder of model/ from the committed
 * results, with the equivalence marks of properties/mutation/equivalent.json applied; with
 * `--check` it exits 1 when a target of properties/mutation/targets.json is missed, a mark no
 * longer holds, a file of model/ has not been run, or a file changed since its results were taken.
 * `merge` lays the incremental files of runs made elsewhere (other checkouts, other machines, each
 * over its own folders) over the committed results, in the order given.
 */
const ROOT = REPO.root;
const COMMITTED = join(ROOT, 'properties', 'mutation', 'results.json.gz');
const INCREMENTAL = join(ROOT, '.mutation', 'incremental.json');
const TARGETS = join(ROOT, 'properties', 'mutation', 'targets.json');
const EQUIVALENT = join(ROOT, 'properties', 'mutation', 'equivalent.json');

const TargetsSchema = z.strictObject({
  overall: z.number().min(0).max(100),
  folder: z.number().min(0).max(100),
  noCoverageMax: z.number().min(0).max(100),
});

/** Stryker's results in `text`, read from `file`; malformed, an InputFileError naming the JSON path. */
const parseResults = (text: string, file: string): Results => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputFileError(file, { path: '$', message: `not valid JSON: ${(e as Error).message}` });
  }
  const r = parseWith(ResultsSchema, data);
  if (!r.ok) throw new InputFileError(file, r.error);
  return r.value;
};
const committed = (): Results | undefined =>
  existsSync(COMMITTED)
    ? parseResults(gunzipSync(readFileSync(COMMITTED)).toString('utf8'), COMMITTED)
    : undefined;
const json = (r: Results): string => `${JSON.stringify(r)}\n`;
/** A file of the repository as it is now; undefined when it is gone. */
const current = (f: string): string | undefined =>
  existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f), 'utf8') : undefined;

/**
 * One Stryker run, incremental (`force`: every mutant in scope again) over `files` (all of
 * stryker.config.json's mutate when empty), its results laid over the committed ones and saved.
 * Returns Stryker's exit status.
 */
const stryker = (files: readonly string[], force: boolean): number => {
  const base = committed();
  if (base !== undefined) writeAtomic(INCREMENTAL, json(base));
  const args = ['stryker', 'run', '--incremental'];
  if (force) args.push('--force');
  if (files.length > 0) args.push('--mutate', [...files, ...leftOut()].join(','));
  const r = spawnSync('npx', args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  const found = parseResults(readFileSync(INCREMENTAL, 'utf8'), INCREMENTAL);
  save(base === undefined ? found : mergeResults(base, found));
  return 0;
};

/**
 * The full run's progress (`.mutation/full-run.json`, git-ignored): the folders of model/ whose
 * mutants have all been run again since the full run began. A full run goes folder by folder and
 * saves the results after each, so a run that is stopped resumes at the folder it was in.
 */
const PROGRESS = join(ROOT, '.mutation', 'full-run.json');
const ProgressSchema = z.strictObject({ done: z.array(z.string()) });

/**
 * `run --full` over all of model/: each folder in turn, every mutant again, the results saved after
 * each. Resumes a stopped full run (`restart`: starts over), skipping a folder done since it began
 * unless one of its files changed since its results were taken.
 */
const fullRun = (restart: boolean): number => {
  if (restart) rmSync(PROGRESS, { force: true });
  const done = new Set(existsSync(PROGRESS) ? readJsonFile(PROGRESS, ProgressSchema).done : []);
  const base = committed();
  const folders = byFolder(mutatedFiles());
  const todo = foldersToRun(folders, done, base, current);
  if (done.size > 0)
    process.stdout.write(
      `full run resumed: ${folders.size - todo.length} of ${folders.size} folders done since it began (--restart to start over)\n`,
    );
  for (const [i, [dir, paths]] of todo.entries()) {
    process.stdout.write(`full run: ${dir} (${files(paths)}; folder ${i + 1} of ${todo.length} to run)\n`);
    const status = stryker(paths, true);
    if (status !== 0) return status;
    done.add(dir);
    writeJsonAtomic(PROGRESS, { done: [...done].sort() });
  }
  rmSync(PROGRESS, { force: true });
  return score([]);
};

const run = (argv: readonly string[]): number => {
  const p = parseArgs(argv, [
    { name: 'full', kind: 'boolean', help: 'run every mutant, not only those whose code or tests changed' },
    {
      name: 'restart',
      kind: 'boolean',
      help: 'with --full: start over instead of resuming a stopped full run',
    },
    { name: 'mutate', kind: 'list', help: 'globs of model/ files to mutate, comma-separated' },
  ]);
  if (p.positional.length > 0)
    throw new UsageError(`run takes no positional argument, got '${p.positional[0]}'`);
  const globs = (p.flags.get('mutate') as string[] | undefined) ?? [];
  for (const g of globs)
    if (!g.startsWith('model/'))
      throw new UsageError(`--mutate ${g}: a glob under model/ (e.g. 'model/hw/**/*.ts')`);
  const full = p.flags.get('full') === true;
  if (p.flags.get('restart') === true && (!full || globs.length > 0))
    throw new UsageError('--restart goes with --full over all of model/ (no --mutate)');
  if (full && globs.length === 0) return fullRun(p.flags.get('restart') === true);
  const status = stryker(globs, full);
  return status !== 0 ? status : score([]);
};

/** The `!` globs of stryker.config.json's mutate: tests, test helpers and files without code to mutate. */
const leftOut = (): string[] =>
  z
    .object({ mutate: z.array(z.string()) })
    .loose()
    .parse(JSON.parse(readFileSync(join(ROOT, 'stryker.config.json'), 'utf8')))
    .mutate.filter((g) => g.startsWith('!'));

/** The files Stryker mutates: model/'s TypeScript but tests and the files stryker.config.json leaves out. */
const mutatedFiles = (): string[] => {
  const left = new Set(
    leftOut()
      .filter((g) => !g.includes('*'))
      .map((g) => g.slice(1)),
  );
  return tsSourcesUnder(ROOT, 'model').filter((f) => !left.has(f));
};

const save = (r: Results): void => {
  writeAtomic(INCREMENTAL, json(r));
  writeAtomic(COMMITTED, gzipSync(json(r), { level: 9 }));
  process.stdout.write(`results: ${COMMITTED.slice(ROOT.length + 1)}\n`);
};

const merge = (argv: readonly string[]): number => {
  const p = parseArgs(argv, []);
  if (p.positional.length === 0) throw new UsageError('merge needs the incremental files to merge');
  for (const f of p.positional) if (!existsSync(f)) throw new UsageError(`${f}: no such file`);
  const merged = p.positional.reduce<Results | undefined>((acc, f) => {
    const r = parseResults(readFileSync(f, 'utf8'), f);
    return acc === undefined ? r : mergeResults(acc, r);
  }, committed());
  if (merged !== undefined) save(merged);
  return score([]);
};

/** `2 files (model/a.ts, model/b.ts)`: a count and the first three names. */
const files = (list: readonly string[]): string =>
  `${list.length} file${list.length === 1 ? '' : 's'} (${list.slice(0, 3).join(', ')}${list.length > 3 ? ', …' : ''})`;

const score = (argv: readonly string[]): number => {
  const p = parseArgs(argv, [{ name: 'check', kind: 'boolean', help: 'exit 1 when a target is missed' }]);
  if (p.positional.length > 0)
    throw new UsageError(`score takes no positional argument, got '${p.positional[0]}'`);
  const taken = committed();
  if (taken === undefined)
    throw new UsageError(`no results yet: ${COMMITTED.slice(ROOT.length + 1)}; run npm run mutation`);
  const targets = readJsonFile(TARGETS, TargetsSchema);
  const marked = markEquivalent(taken, readJsonFile(EQUIVALENT, z.array(EquivalentSchema)));
  const r = marked.results;
  const s = scoresOf(r, targets);
  process.stdout.write(`${scoreTable(s)}\n`);
  const unrun = mutatedFiles().filter((f) => !(f in r.files));
  const changed = outOfDate(r, current);
  const problems = [
    ...s.missed,
    ...marked.problems,
    ...(changed.length > 0
      ? [
          `${files(changed)} changed since their results were taken (npm run mutation:incremental reruns them)`,
        ]
      : []),
    ...(s.pending > 0 ? [`${s.pending} mutants not yet run`] : []),
    ...(unrun.length > 0 ? [`${files(unrun)} of model/ not yet run`] : []),
  ];
  process.stdout.write(problems.length === 0 ? 'every target holds\n' : `missed: ${problems.join('; ')}\n`);
  return p.flags.get('check') === true && problems.length > 0 ? 1 : 0;
};

const COMMANDS = { run, score, merge } as const;
try {
  const [cmd = '', ...rest] = process.argv.slice(2);
  const f = COMMANDS[cmd as keyof typeof COMMANDS];
  if (f === undefined)
    throw new UsageError(`unknown command '${cmd}'. Allowed: ${Object.keys(COMMANDS).join(', ')}`);
  process.exitCode = f(rest);
} catch (e) {
  if (!(e instanceof UsageError || e instanceof InputFileError)) throw e;
  process.stderr.write(`msispec mutation: ${e.message}\n`);
  process.exitCode = 2;
}
