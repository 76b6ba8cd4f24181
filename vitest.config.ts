import { defineConfig } from 'vitest/config';
import CountReporter from './properties/count-reporter.ts';
import { settingsProblem } from './properties/settings.ts';

// A bad MSISPEC_* value stops the run here, as it stops the CLI, instead of being replaced by the default.
const problem = settingsProblem();
if (problem !== undefined) throw new Error(problem);

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.mutation/**'],
    pool: 'threads',
    // Every test must make at least one assertion (a test that asserts nothing cannot fail).
    expect: { requireAssertions: true },
    reporters: ['default', new CountReporter()],
    // Budgets are counts of runs and states, never time: the timeout only guards against a hang, so
    // it is far above any test's duration on a loaded 2-core machine.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
