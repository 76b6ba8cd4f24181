import { defineConfig } from 'vitest/config';
import CountReporter from './properties/count-reporter.ts';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.mutation/**'],
    pool: 'threads',
    reporters: ['default', new CountReporter()],
  },
});
