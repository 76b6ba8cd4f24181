/**
 * Run settings of every property in the suite, in one place. CI uses the defaults; a developer
 * reruns with another seed or budget through the environment (MSISPEC_SEED, MSISPEC_RUNS).
 * The seed is always printed by fast-check on failure and by the gate on every run.
 */
const intFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
};

/** The CI seed; every property derives its own seed from it so runs are independent and replayable. */
export const SEED = intFromEnv('MSISPEC_SEED', 20261121);
/** Runs per hardware totality property. */
export const HW_RUNS = intFromEnv('MSISPEC_HW_RUNS', 300);
/** Operations per generated scenario, at most. */
export const MAX_OPS = intFromEnv('MSISPEC_MAX_OPS', 10);
/** Scenarios per design × invariant pair in the gate. */
export const GATE_RUNS = intFromEnv('MSISPEC_RUNS', 200);

/** A per-pair seed derived from SEED and the pair's name (FNV-1a), so pairs are independent and replayable. */
export const pairSeed = (seed: number, ...names: string[]): number => {
  let h = 0x811c9dc5 ^ seed;
  for (const c of names.join('/')) {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
};
