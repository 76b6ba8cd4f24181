import type { Problem } from './contract.ts';

/**
 * Readers for the value types of the conformance format (docs/conformance-format.md, section 2).
 * Each reader checks one JSON value at a JSON path relative to the case (".setup.its.enabled"),
 * records a problem naming the path and what is allowed when the value is wrong, and returns the
 * parsed value or undefined. Problems are recorded in document order.
 */
export type Json = unknown;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The JSON path of member `key` of the value at `path`: `.key`, or `["key"]` when it is not an identifier. */
export const member = (path: string, key: string): string =>
  IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
export const index = (path: string, i: number): string => `${path}[${i}]`;

const describe = (v: Json): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
};

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An affine value {"base", "stride"} (section 4.7): allowed only inside a repeated kernel step. */
export const isAffine = (v: Json): boolean =>
  isObject(v) && Object.keys(v).length === 2 && 'base' in v && 'stride' in v;

export interface Members {
  readonly required?: readonly string[];
  readonly optional?: readonly string[];
}

export class Reader {
  readonly problems: Problem[] = [];

  problem(path: string, problem: string): undefined {
    this.problems.push({ path, problem });
    return undefined;
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }

  /**
   * An object whose members are exactly `required` plus any of `optional`. Unknown members are
   * reported in document order, then missing required ones.
   */
  object(v: Json, path: string, members: Members): Record<string, Json> | undefined {
    if (!isObject(v)) return this.problem(path, `expected an object, got ${describe(v)}`);
    const required = members.required ?? [];
    const allowed = [...required, ...(members.optional ?? [])];
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k))
        this.problem(member(path, k), `unknown member (allowed: ${allowed.join(', ') || 'none'})`);
    }
    for (const k of required) {
      if (!(k in v)) this.problem(member(path, k), 'missing required member');
    }
    return v;
  }

  /** An object used as a map: every key must match `key` (described by `keyKind`). */
  map(v: Json, path: string, key: RegExp, keyKind: string): [string, Json][] | undefined {
    if (!isObject(v)) return this.problem(path, `expected an object, got ${describe(v)}`);
    const out: [string, Json][] = [];
    for (const [k, x] of Object.entries(v)) {
      if (!key.test(k)) this.problem(member(path, k), `key must be ${keyKind}`);
      else out.push([k, x]);
    }
    return out;
  }

  array(v: Json, path: string, nonEmpty = false): Json[] | undefined {
    if (!Array.isArray(v)) return this.problem(path, `expected an array, got ${describe(v)}`);
    if (nonEmpty && v.length === 0) return this.problem(path, 'expected a non-empty array');
    return v;
  }

  /** hex: a string "0x" + hex digits, an unsigned integer of at most `maxBits` bits. */
  hex(v: Json, path: string, maxBits = 64): bigint | undefined {
    if (isAffine(v)) return this.problem(path, 'affine value {"base", "stride"} outside a repeated step');
    if (typeof v !== 'string' || !/^0x[0-9a-fA-F]+$/.test(v))
      return this.problem(path, `expected hex (a string "0x" followed by hex digits), got ${describe(v)}`);
    const n = BigInt(v);
    if (n >> BigInt(maxBits) !== 0n)
      return this.problem(
        path,
        `hex ${v} does not fit in ${maxBits} bits (at most 0x${((1n << BigInt(maxBits)) - 1n).toString(16)})`,
      );
    return n;
  }

  /** int: a JSON integer in [min, max]. */
  int(v: Json, path: string, min: number, max: number): number | undefined {
    if (isAffine(v)) return this.problem(path, 'affine value {"base", "stride"} outside a repeated step');
    if (typeof v !== 'number' || !Number.isInteger(v))
      return this.problem(path, `expected an integer, got ${describe(v)}`);
    if (v < min || v > max)
      return this.problem(path, `integer ${v} out of range (allowed: ${min} to ${max})`);
    return v;
  }

  bit(v: Json, path: string): boolean | undefined {
    if (v !== 0 && v !== 1) return this.problem(path, `expected a bit (allowed: 0, 1), got ${describe(v)}`);
    return v === 1;
  }

  bool(v: Json, path: string): boolean | undefined {
    if (typeof v !== 'boolean')
      return this.problem(path, `expected a bool (allowed: true, false), got ${describe(v)}`);
    return v;
  }

  text(v: Json, path: string): string | undefined {
    if (typeof v !== 'string') return this.problem(path, `expected text (a string), got ${describe(v)}`);
    return v;
  }

  /** A string that is one of `allowed` exactly (enums such as arch or kind). */
  oneOf<T extends string>(v: Json, path: string, allowed: readonly T[]): T | undefined {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      return this.problem(path, `expected one of ${allowed.join(', ')}, got ${describe(v)}`);
    return v as T;
  }

  /**
   * token: "TOKEN" or "TOKEN (comment)". Returns the normative part; `allowed` may be a list of
   * tokens or a pattern with its description.
   */
  token(
    v: Json,
    path: string,
    allowed: readonly string[] | { pattern: RegExp; what: string },
  ): string | undefined {
    if (typeof v !== 'string') return this.problem(path, `expected a token (a string), got ${describe(v)}`);
    const cut = v.indexOf(' (');
    if (cut >= 0 && !v.endsWith(')'))
      return this.problem(
        path,
        `token ${JSON.stringify(v)}: a comment opened with " (" must close with ")" at the end`,
      );
    const t = cut >= 0 ? v.slice(0, cut) : v;
    const ok = Array.isArray(allowed)
      ? allowed.includes(t)
      : (allowed as { pattern: RegExp }).pattern.test(t);
    if (!ok) {
      const what = Array.isArray(allowed) ? allowed.join(', ') : (allowed as { what: string }).what;
      return this.problem(path, `unknown token ${JSON.stringify(t)} (allowed: ${what})`);
    }
    return t;
  }
}

/**
 * Reads member `key` of `obj` with `read` when present; undefined when absent (a missing required
 * member is already reported by Reader.object).
 */
export const get = <T>(
  obj: Record<string, Json>,
  key: string,
  read: (v: Json) => T | undefined,
): T | undefined => (key in obj ? read(obj[key]) : undefined);
