import type { z } from 'zod';

/** A configuration or input error: where it is, and what would have been allowed. */
export interface InputError {
  readonly path: string;
  readonly message: string;
  readonly allowed?: readonly string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: InputError };

const renderPath = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '$'
    : `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;

/** Turns zod's first issue into one InputError naming the JSON path and allowed values. */
export const firstIssue = (err: z.ZodError): InputError => {
  const issue = err.issues[0];
  if (issue === undefined) return { path: '$', message: 'invalid input' };
  const path = renderPath(issue.path);
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((v) => JSON.stringify(typeof v === 'bigint' ? v.toString() : v));
    return { path, message: issue.message, allowed };
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral,BlockStatement: the invalid_union branch returns what the fall-through below returns (path and message), so taking it or not is the same
  if (issue.code === 'invalid_union') {
    return { path, message: issue.message };
  }
  return { path, message: issue.message };
};

/** Validates `input` against `schema`; never throws. */
export const parseWith = <S extends z.ZodType>(schema: S, input: unknown): Parsed<z.infer<S>> => {
  const r = schema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: firstIssue(r.error) };
};
