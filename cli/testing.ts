import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO, type Repo, repoAt } from '../spec/repo.ts';
import { main } from './main.ts';

/** Test support for the CLI (not a test file itself): temporary copies of the repository and in-process runs. */

/**
 * A temporary copy of this checkout's data (spec/designs/*.json, spec/verdicts.json, the
 * remedies, the counterexample files, the certificates and the generated reports), for commands that read and write it. The code
 * stays this checkout's.
 */
export const dataCopy = (): Repo => {
  const root = mkdtempSync(join(tmpdir(), 'msispec-data-'));
  const repo = repoAt(root);
  const json = (f: string) => f.endsWith('.json') || !f.includes('.');
  cpSync(REPO.designs, repo.designs, { recursive: true, filter: json });
  cpSync(REPO.verdicts, repo.verdicts);
  cpSync(join(REPO.root, 'spec', 'remedies.json'), join(root, 'spec', 'remedies.json'));
  cpSync(REPO.counterexamples, repo.counterexamples, { recursive: true, filter: json });
  cpSync(REPO.certificates, repo.certificates, { recursive: true, filter: json });
  cpSync(REPO.reports, repo.reports, {
    recursive: true,
    filter: (f) => !f.includes(`${REPO.reports}/render`),
  });
  return repo;
};

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * A clean clone of this working tree: every tracked and untracked (not ignored) file, committed on
 * branch main of a fresh git repository, with node_modules linked. Returns its root.
 */
export const cleanClone = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'msispec-clone-'));
  const files = git(REPO.root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(REPO.root, f)));
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    cpSync(join(REPO.root, f), join(root, f));
  }
  symlinkSync(join(REPO.root, 'node_modules'), join(root, 'node_modules'));
  git(root, 'init', '-q', '-b', 'main');
  writeFileSync(join(root, '.git', 'info', 'exclude'), 'node_modules\n');
  commitAll(root, 'clean clone');
  return root;
};

export const commitAll = (root: string, message: string): void => {
  git(root, 'add', '-A');
  git(
    root,
    '-c',
    'user.name=msispec test',
    '-c',
    'user.email=test@msispec.invalid',
    'commit',
    '-q',
    '-m',
    message,
  );
};

/** `git status --porcelain` of a clone: empty when the tree is as committed. */
export const gitStatus = (root: string): string =>
  git(root, 'status', '--porcelain', '--untracked-files=all');

export { git };

/** Runs msispec in-process on `repo`, capturing what it prints. */
export const runCli = async (
  argv: readonly string[],
  o: { repo?: Repo; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const code = await main(argv, {
    ...(o.repo === undefined ? {} : { repo: o.repo }),
    ...(o.env === undefined ? {} : { env: o.env }),
    out: (s) => {
      out += `${s}\n`;
    },
    err: (s) => {
      err += `${s}\n`;
    },
  });
  return { code, out, err };
};

/** A hash of every file under `root` (path and content), to tell whether a run changed anything. */
export const treeHash = (root: string): string => {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.git') walk(p);
      } else if (e.isFile()) h.update(`${p}\0`).update(readFileSync(p)).update('\0');
    }
  };
  walk(root);
  return h.digest('hex');
};

const spawnIn = (
  root: string,
  command: string,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
) => {
  const r = spawnSync(command, argv, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** Runs `node <root>/cli/msispec.mjs …` in `root` as its own process. */
export const spawnCli = (root: string, argv: readonly string[], env: Readonly<Record<string, string>> = {}) =>
  spawnIn(root, process.execPath, [join(root, 'cli', 'msispec.mjs'), ...argv], env);

/** Runs a tool of node_modules/.bin in `root`, its output (stdout then stderr) as one text. */
export const spawnBin = (
  root: string,
  bin: string,
  argv: readonly string[],
): { code: number | null; out: string } => {
  const r = spawnIn(root, join(root, 'node_modules', '.bin', bin), argv, { CI: '1', FORCE_COLOR: '0' });
  return { code: r.code, out: `${r.out}${r.err}` };
};
