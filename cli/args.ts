import { closest } from '../spec/input-error.ts';

/**
 * Argument parsing for the msispec commands: every bad input is one UsageError naming the flag or
 * value and what is allowed; the caller prints it and exits 2.
 */
export class UsageError extends Error {}

export { closest };

export interface FlagSpec {
  readonly name: string;
  /** `list`: repeatable and comma-separated; `multi`: repeatable, each value whole. */
  readonly kind: 'boolean' | 'string' | 'list' | 'multi' | 'int';
  readonly help: string;
}

export type Parsed = { flags: Map<string, string | boolean | string[]>; positional: string[] };

/** Checks that `value` is one of `allowed`, else a UsageError naming `what`, suggesting the closest. */
export const oneOf = <T extends string>(what: string, value: string, allowed: readonly T[]): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const near = closest(value, allowed);
  throw new UsageError(
    `unknown ${what} '${value}'${near === undefined ? '' : `; did you mean '${near}'?`} Allowed: ${allowed.join(', ')}`,
  );
};

/** `values` each checked with oneOf, duplicates dropped (the first occurrence keeps its place). */
export const someOf = <T extends string>(
  what: string,
  values: readonly string[],
  allowed: readonly T[],
): T[] => [...new Set(values.map((v) => oneOf(what, v, allowed)))];

export const parseArgs = (argv: readonly string[], specs: readonly FlagSpec[]): Parsed => {
  const flags = new Map<string, string | boolean | string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const rawName = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    const spec = specs.find((s) => s.name === rawName);
    if (spec === undefined) {
      const names = specs.map((s) => `--${s.name}`);
      throw new UsageError(
        `unknown flag --${rawName}; did you mean ${closest(`--${rawName}`, names)}? Allowed: ${names.join(', ')}`,
      );
    }
    if (spec.kind !== 'list' && spec.kind !== 'multi' && flags.has(spec.name))
      throw new UsageError(`--${spec.name} is given twice`);
    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`);
      flags.set(spec.name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--')))
      throw new UsageError(`--${spec.name} needs a value (${spec.help})`);
    if (spec.kind === 'int' && !/^-?\d+$/.test(value))
      throw new UsageError(`--${spec.name} must be an integer, got '${value}'`);
    if (spec.kind === 'list' || spec.kind === 'multi')
      flags.set(spec.name, [
        ...((flags.get(spec.name) as string[] | undefined) ?? []),
        ...(spec.kind === 'list' ? value.split(',') : [value]),
      ]);
    else flags.set(spec.name, value);
  }
  return { flags, positional };
};

export const helpText = (usage: string, summary: string, specs: readonly FlagSpec[]): string =>
  [`usage: ${usage}`, '', summary, '', ...specs.map((s) => `  --${s.name.padEnd(12)} ${s.help}`)].join('\n');
