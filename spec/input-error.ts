import type { InputError } from '../model/types/validate.ts';

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
