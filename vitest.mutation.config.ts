import { defineConfig } from 'vitest/config';

/**
 * The suite Stryker runs against each mutant of model/: every test that runs in-process. The CLI
 * tests spawn `msispec` as a child process, which per-test coverage cannot attribute to a mutant;
 * the report reproducibility and verdict strength tests compare against certificates keyed by a hash
 * of the sources, which an instrumented sandbox always changes.
 */
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: [
      'node_modules/**',
      '.mutation/**',
      'cli/**',
      'reports/render/write.test.ts',
      'properties/strength.test.ts',
      // The random gate and the known-bad fixtures run hundreds of scenarios per test: a mutant
      // they alone would kill is one no unit, conformance or exhaustive test notices.
      'properties/gate/**',
      'properties/teeth/**',
    ],
    pool: 'threads',
    expect: { requireAssertions: true },
    // As in vitest.config.ts: a hang guard only; Stryker's timeoutMS times each mutant's run.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
