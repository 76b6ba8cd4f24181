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
