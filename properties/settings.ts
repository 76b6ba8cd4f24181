/**
 * Run settings of every property in the suite, in one place. CI uses the defaults; a developer
 * reruns with another seed or budget through the environment (MSISPEC_SEED, MSISPEC_RUNS, …) or the
 * CLI's flags. The seed is always printed by fast-check on failure and by the gate on every run.
 * Every budget is a count of runs or ops, never a time: a property does the same work on any machine.
 */

/** A value out of its range, from the environment or a flag: one line naming it and what is allowed. */
export class SettingsError extends Error {}

/** The most random scenarios per pair (about a minute per pair at the benchmark's rate). */
export const MAX_RUNS = 100_000;
/** fast-check seeds are 32-bit integers. */
export const MIN_SEED = -(2 ** 31);
export const MAX_SEED = 2 ** 31 - 1;

export const DEFAULT_SEED = 20261121;
export const DEFAULT_GATE_RUNS = 200;

interface Range {
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
  readonly what: string;
}

/** Every MSISPEC_* variable msispec reads. */
export const ENV_SETTINGS = {
  /** The base seed; every property derives its own seed from it. */
  MSISPEC_SEED: { fallback: DEFAULT_SEED, min: MIN_SEED, max: MAX_SEED, what: 'the base seed' },
  /** Scenarios per design × invariant pair in the gate. */
  MSISPEC_RUNS: { fallback: DEFAULT_GATE_RUNS, min: 1, max: MAX_RUNS, what: 'runs per pair' },
  /** Runs per hardware totality property. */
  MSISPEC_HW_RUNS: { fallback: 300, min: 1, max: MAX_RUNS, what: 'runs per hardware property' },
  /** Operations per generated scenario, at most. */
  MSISPEC_MAX_OPS: { fallback: 10, min: 1, max: 50, what: 'ops per scenario' },
} as const satisfies Record<string, Range>;
export type EnvSetting = keyof typeof ENV_SETTINGS;

/** Parses `raw` as an integer in [min, max], else a SettingsError naming `name`. */
export const boundedInt = (name: string, raw: string, min: number, max: number): number => {
  const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new SettingsError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
};

const read = (env: Readonly<Record<string, string | undefined>>, name: EnvSetting): number => {
  const s = ENV_SETTINGS[name];
  const raw = env[name];
  return raw === undefined || raw === '' ? s.fallback : boundedInt(name, raw, s.min, s.max);
};

/** Every setting from `env`; the first bad value is a SettingsError. */
export const readSettings = (env: Readonly<Record<string, string | undefined>>) => ({
  seed: read(env, 'MSISPEC_SEED'),
  runs: read(env, 'MSISPEC_RUNS'),
  hwRuns: read(env, 'MSISPEC_HW_RUNS'),
  maxOps: read(env, 'MSISPEC_MAX_OPS'),
});
export type Settings = ReturnType<typeof readSettings>;

/** The first bad MSISPEC_* value of `env`, as a message, or undefined. */
export const settingsProblem = (env: Readonly<Record<string, string | undefined>> = process.env) => {
  try {
    readSettings(env);
    return undefined;
  } catch (e) {
    if (e instanceof SettingsError) return e.message;
    throw e;
  }
};

/** This process's settings; a bad value falls back to the default here and is refused by the CLI and vitest.config.ts. */
const fromProcess = (name: EnvSetting): number => {
  try {
    return read(process.env, name);
  } catch {
    return ENV_SETTINGS[name].fallback;
  }
};

/** The CI seed; every property derives its own seed from it so runs are independent and replayable. */
export const SEED = fromProcess('MSISPEC_SEED');
/** Runs per hardware totality property. */
export const HW_RUNS = fromProcess('MSISPEC_HW_RUNS');
/** Operations per generated scenario, at most. */
export const MAX_OPS = fromProcess('MSISPEC_MAX_OPS');
/** Scenarios per design × invariant pair in the gate. */
export const GATE_RUNS = fromProcess('MSISPEC_RUNS');

/** A per-pair seed derived from SEED and the pair's name (FNV-1a), so pairs are independent and replayable. */
export const pairSeed = (seed: number, ...names: string[]): number => {
  let h = 0x811c9dc5 ^ seed;
  for (const c of names.join('/')) {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
};
