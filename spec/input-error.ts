import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { type InputError, parseWith } from '../model/types/validate.ts';

/** A data file (design, counterexample, verdict table) that failed to load: which file, where, and what is allowed. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly error: InputError,
  ) {
    super(
      `${file}: ${error.path}: ${error.message}${error.allowed ? ` (allowed: ${error.allowed.join(', ')})` : ''}`,
    );
  }
}

/**
 * Reads and validates one JSON data file; any failure (unreadable, not JSON, not the schema) is an
 * `error` built by `make`, naming the file and the JSON path. Nothing is half-loaded.
 */
export const readJsonFile = <S extends z.ZodType>(
  file: string,
  schema: S,
  make: (file: string, error: InputError) => InputFileError = (f, e) => new InputFileError(f, e),
): z.infer<S> => {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw make(file, { path: '$', message: `not valid JSON: ${(e as Error).message}` });
  }
  const r = parseWith(schema, json);
  if (!r.ok) throw make(file, r.error);
  return r.value;
};
