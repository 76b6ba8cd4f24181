import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeJsonAtomic } from '../spec/data-file.ts';
import { InputFileError, readJsonFile, unknownId } from '../spec/input-error.ts';
import { REPO } from '../spec/repo.ts';
import { pairFile } from '../spec/verdicts.ts';
import { type Counterexample, CounterexampleSchema } from './schema.ts';

export { writeAtomic } from '../spec/data-file.ts';

export const COUNTEREXAMPLES_DIR = REPO.counterexamples;

/** The file a counterexample of (invariant, design) lives in, relative to counterexamples/. */
export const counterexamplePath = (invariant: string, design: string): string => pairFile(invariant, design);

export class CounterexampleError extends InputFileError {}

/**
 * Parses one counterexample file; a malformed file is an error naming the file and the JSON path.
 * With `designs`, its design must be one of them.
 */
export const readCounterexample = (file: string, designs?: readonly string[]): Counterexample => {
  const c = readJsonFile(file, CounterexampleSchema, (f, e) => new CounterexampleError(f, e));
  if (designs !== undefined && !designs.includes(c.design))
    throw new CounterexampleError(file, unknownId('design', c.design, designs, '$.design'));
  return c;
};

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

/** Writes a counterexample to its pair's file under `dir`, atomically; returns its path from the cwd. */
export const writeCounterexample = (c: Counterexample, dir = COUNTEREXAMPLES_DIR): string => {
  const file = join(dir, counterexamplePath(c.invariant, c.design));
  writeJsonAtomic(file, CounterexampleSchema.parse(c));
  return relative(process.cwd(), file);
};

/** Removes the counterexample file of (invariant, design) under `dir`, if there is one. */
export const removeCounterexample = (invariant: string, design: string, dir = COUNTEREXAMPLES_DIR): void =>
  rmSync(join(dir, counterexamplePath(invariant, design)), { force: true });
