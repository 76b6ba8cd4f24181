/**
 * Argument parsing for the msispec commands: every bad input is one UsageError naming the flag or
 * value and what is allowed; the caller prints it and exits 2.
 */
export class UsageError extends Error {}

export interface FlagSpec {
  readonly name: string;
  readonly kind: 'boolean' | 'string' | 'list' | 'int';
  readonly help: string;
}

export type Parsed = { flags: Map<string, string | boolean | string[]>; positional: string[] };

const distance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return (d[a.length] as number[])[b.length] ?? 0;
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

/** Checks that `value` is one of `allowed`, else a UsageError naming `what`, suggesting the closest. */
export const oneOf = <T extends string>(what: string, value: string, allowed: readonly T[]): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    `unknown ${what} '${value}'; did you mean '${closest(value, allowed)}'? Allowed: ${allowed.join(', ')}`,
  );
};

export const parseArgs = (argv: readonly string[], specs: readonly FlagSpec[]): Parsed => {
  const flags = new Map<string, string | boolean | string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [rawName, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const spec = specs.find((s) => s.name === rawName);
    if (spec === undefined) {
      const names = specs.map((s) => `--${s.name}`);
      throw new UsageError(
        `unknown flag --${rawName}; did you mean ${closest(`--${rawName}`, names)}? Allowed: ${names.join(', ')}`,
      );
    }
    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`);
      flags.set(spec.name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--'))
      throw new UsageError(`--${spec.name} needs a value (${spec.help})`);
    if (spec.kind === 'int' && !/^-?\d+$/.test(value))
      throw new UsageError(`--${spec.name} must be an integer, got '${value}'`);
    if (spec.kind === 'list')
      flags.set(spec.name, [...((flags.get(spec.name) as string[] | undefined) ?? []), ...value.split(',')]);
    else flags.set(spec.name, value);
  }
  return { flags, positional };
};

export const helpText = (usage: string, summary: string, specs: readonly FlagSpec[]): string =>
  [`usage: ${usage}`, '', summary, '', ...specs.map((s) => `  --${s.name.padEnd(12)} ${s.help}`)].join('\n');
