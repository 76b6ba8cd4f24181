import { defineConfig } from 'vitest/config';

/**
 * The suite Stryker runs against each mutant of model/: every test that runs in-process. The CLI
 * tests spawn `msispec` as a child process, which per-test coverage cannot attribute to a mutant.
 */
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.mutation/**', 'cli/**'],
    pool: 'threads',
  },
});
