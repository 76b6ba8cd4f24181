import { defineConfig } from 'vitest/config';
import CountReporter from './properties/count-reporter.ts';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.mutation/**'],
    pool: 'threads',
    // Every test must make at least one assertion (a test that asserts nothing cannot fail).
    expect: { requireAssertions: true },
    reporters: ['default', new CountReporter()],
  },
});
