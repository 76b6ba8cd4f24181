import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files in a fixed order, the model's own unit tests first and the exhaustive searches last:
 * a mutant stops at its first failing test (Stryker's bail), so a mutant a unit test kills costs
 * that unit test, not the searches before it.
 */
const TIERS = ['model/', 'spec/', 'counterexamples/', 'reports/', 'properties/'];
class UnitsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const key = (f: TestSpecification): [number, string] => {
      const rel = f.moduleId.slice(f.project.config.root.length + 1);
      const tier = TIERS.findIndex((t) => rel.startsWith(t));
      return [tier < 0 ? TIERS.length : tier, rel];
    };
    return [...files].sort((a, b) => {
      const [ta, pa] = key(a);
      const [tb, pb] = key(b);
      return ta - tb || (pa < pb ? -1 : pa > pb ? 1 : 0);
    });
  }
}

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
    sequence: { sequencer: UnitsFirst },
    expect: { requireAssertions: true },
    // As in vitest.config.ts: a hang guard only; Stryker's timeoutMS times each mutant's run.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
