import { join, relative } from 'node:path';
import {
  boundedInt,
  MAX_RUNS,
  MAX_SEED,
  MIN_SEED,
  type Settings,
  SettingsError,
} from '../properties/settings.ts';
import { removeStaleTemps } from '../spec/data-file.ts';
import type { Repo } from '../spec/repo.ts';
import { type Parsed, UsageError } from './args.ts';

/** What a command runs against: the checkout's data, the validated MSISPEC_* settings, and where it prints. */
export interface Context {
  readonly repo: Repo;
  readonly settings: Settings;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stdout: results. */
  readonly out: (s: string) => void;
  /** stderr: progress and errors. */
  readonly err: (s: string) => void;
}

/** A file msispec could not write (read-only folder, full disk): the run reports what it found, then this. */
export class OutputError extends Error {}

const bounded = (
  flags: Parsed['flags'],
  name: string,
  fallback: number,
  min: number,
  max: number,
): number => {
  const raw = flags.get(name);
  if (typeof raw !== 'string') return fallback;
  try {
    return boundedInt(`--${name}`, raw, min, max);
  } catch (e) {
    if (e instanceof SettingsError) throw new UsageError(e.message);
    throw e;
  }
};

/** --seed (a 32-bit integer) or MSISPEC_SEED or the CI seed. */
export const seedFlag = (flags: Parsed['flags'], ctx: Context): number =>
  bounded(flags, 'seed', ctx.settings.seed, MIN_SEED, MAX_SEED);

/** --runs (1 to MAX_RUNS) or MSISPEC_RUNS or the CI budget. */
export const runsFlag = (flags: Parsed['flags'], ctx: Context): number =>
  bounded(flags, 'runs', ctx.settings.runs, 1, MAX_RUNS);

/** "2 pairs", "1 pair". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** An error of the file system (EACCES, EROFS, ENOSPC, …), as opposed to a bug. */
export const isIoError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';

/** `e` as one line when it is an I/O error; anything else is rethrown. */
export const ioMessage = (e: unknown): string => {
  if (isIoError(e)) return `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}`;
  throw e;
};

/** Removes the temporary files a killed run left in the data folders, saying so on stderr. */
export const cleanTemps = (ctx: Context): void => {
  const r = ctx.repo;
  for (const f of removeStaleTemps([join(r.root, 'spec'), r.counterexamples, r.reports]))
    ctx.err(`removed a temporary file a killed run left: ${relative(r.root, f)}`);
};
