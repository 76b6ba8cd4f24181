import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { InputFileError, readJsonFile } from '../spec/input-error.ts';
import { type Counterexample, CounterexampleSchema } from './schema.ts';

export const COUNTEREXAMPLES_DIR = new URL('.', import.meta.url).pathname;

/** The file a counterexample of (invariant, design) lives in, relative to counterexamples/. */
export const counterexamplePath = (invariant: string, design: string): string =>
  `${invariant}/${design}.json`;

export class CounterexampleError extends InputFileError {}

/** Parses one counterexample file; a malformed file is an error naming the file and the JSON path. */
export const readCounterexample = (file: string): Counterexample =>
  readJsonFile(file, CounterexampleSchema, (f, e) => new CounterexampleError(f, e));

/** Every counterexample file under `dir` (relative paths `<invariant>/<design>.json`). */
export const listCounterexamples = (dir = COUNTEREXAMPLES_DIR): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) =>
      readdirSync(join(dir, e.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${e.name}/${f}`),
    )
    .sort();

/** Writes `text` to `file` atomically: a temporary file in the same folder, then a rename. */
export const writeAtomic = (file: string, text: string): void => {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
};

export const writeCounterexample = (c: Counterexample, dir = COUNTEREXAMPLES_DIR): string => {
  const file = join(dir, counterexamplePath(c.invariant, c.design));
  writeAtomic(file, `${JSON.stringify(CounterexampleSchema.parse(c), null, 2)}\n`);
  return relative(process.cwd(), file);
};

/** The status of the stored counterexample of (invariant, design), or undefined when there is none. */
export const counterexampleStatus = (
  invariant: string,
  design: string,
  dir = COUNTEREXAMPLES_DIR,
): Counterexample['status'] | undefined => {
  const file = join(dir, counterexamplePath(invariant, design));
  return existsSync(file) ? readCounterexample(file).status : undefined;
};
