import { readFileSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { type InputError, parseWith } from '../model/types/validate.ts';

const distance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = row;
  }
  return prev[b.length] ?? 0;
};

/**
 * The closest of `options` to `word`, for "did you mean …?": an option that extends what was typed
 * (the shortest such), else one that contains it, else the nearest by edit distance.
 */
export const closest = (word: string, options: readonly string[]): string | undefined => {
  const byLength = [...options].sort((x, y) => x.length - y.length);
  return (
    byLength.find((o) => o.startsWith(word)) ??
    byLength.find((o) => o.includes(word)) ??
    [...options].sort((x, y) => distance(word, x) - distance(word, y))[0]
  );
};

/** "unknown design 'x'; did you mean 'y'?" with the allowed values, as an InputError at `path`. */
export const unknownId = (
  what: string,
  value: string,
  allowed: readonly string[],
  path = '$',
): InputError => {
  const near = closest(value, allowed);
  return {
    path,
    message: `unknown ${what} '${value}'${near === undefined ? '' : `; did you mean '${near}'?`}`,
    allowed,
  };
};

/** A data file (design, counterexample, verdict table) that failed to load: which file, where, and what is allowed. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly error: InputError,
  ) {
    // One line, whatever the message quotes from the file.
    super(
      `${file}: ${error.path}: ${error.message}${error.allowed ? ` (allowed: ${error.allowed.join(', ')})` : ''}`.replace(
        /\s*\n\s*/g,
        ' ',
      ),
    );
  }
}

/** Data files are small; anything larger is not one (and /dev/zero never ends). */
export const MAX_DATA_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads one data file as text: it must exist, be a regular file (not a folder, FIFO or device) and
 * hold at most MAX_DATA_FILE_BYTES; otherwise an InputFileError at `$`.
 */
export const readDataFile = (file: string): string => {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputFileError(file, { path: '$', message: 'not a regular file' });
    size = st.size;
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputFileError(file, {
      path: '$',
      message: code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (e as Error).message})`,
    });
  }
  if (size > MAX_DATA_FILE_BYTES)
    throw new InputFileError(file, { path: '$', message: `larger than ${MAX_DATA_FILE_BYTES} bytes` });
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputFileError(file, {
      path: '$',
      message: `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    });
  }
};

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
    json = JSON.parse(readDataFile(file));
  } catch (e) {
    if (e instanceof InputFileError) throw make(file, e.error);
    throw make(file, { path: '$', message: `not valid JSON: ${(e as Error).message}` });
  }
  const r = parseWith(schema, json);
  if (!r.ok) throw make(file, r.error);
  return r.value;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The first member of `raw` that validation dropped (zod strips unknown keys): a misspelt or
 * retired field is an error, not silently ignored. `parsed` is what the schema returned for `raw`.
 */
export const droppedField = (raw: unknown, parsed: unknown, path = '$'): InputError | undefined => {
  if (Array.isArray(raw) && Array.isArray(parsed)) {
    for (const [i, v] of raw.entries()) {
      const e = droppedField(v, parsed[i], `${path}[${i}]`);
      if (e !== undefined) return e;
    }
    return undefined;
  }
  if (!isRecord(raw) || !isRecord(parsed)) return undefined;
  for (const [k, v] of Object.entries(raw)) {
    const at = `${path}.${k}`;
    if (!(k in parsed)) return { path: at, message: 'unknown field', allowed: Object.keys(parsed) };
    const e = droppedField(v, parsed[k], at);
    if (e !== undefined) return e;
  }
  return undefined;
};
