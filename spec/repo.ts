import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a checkout keeps the data msispec reads and writes. The commands take a Repo so that a test
 * can run them on a temporary copy; everything else uses REPO, this checkout.
 */
export interface Repo {
  readonly root: string;
  /** spec/designs: one JSON file per design; the files present are the catalogue. */
  readonly designs: string;
  /** spec/verdicts.json: the reviewed verdict of each design × invariant pair. */
  readonly verdicts: string;
  /** counterexamples/: `<invariant>/<design>.json`. */
  readonly counterexamples: string;
  /** reports/: generated index and one report per counterexample (reports/render/ is code). */
  readonly reports: string;
  /** certificates/: `<invariant>/<design>.json`, what `msispec prove` found within a scope. */
  readonly certificates: string;
}

export const repoAt = (root: string): Repo => ({
  root,
  designs: join(root, 'spec', 'designs'),
  verdicts: join(root, 'spec', 'verdicts.json'),
  counterexamples: join(root, 'counterexamples'),
  reports: join(root, 'reports'),
  certificates: join(root, 'certificates'),
});

/** This checkout. */
export const REPO: Repo = repoAt(fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''));

/** The TypeScript files under `dir` (relative to `root`) but tests, repository-relative, sorted. */
export const tsSourcesUnder = (root: string, dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(join(root, d)).sort()) {
      const rel = `${d}/${e}`;
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (e.endsWith('.ts') && !e.endsWith('.test.ts')) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
};
