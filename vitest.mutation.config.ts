import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files in a fixed order, the model's own unit tests first and the exhaustive searches last:
 * a mutant stops at its first failing test (Stryker's bail), so a mutant a unit test kills costs
 * that unit test, not the slower tests before it.
 */
const TIERS = ['model/', 'spec/', 'counterexamples/'];
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
 * The suite Stryker runs against each mutant of model/: the tests that state what the model does,
 * namely the model's unit tests, the conformance cases, the design, invariant and verdict tests and
 * the stored counterexamples' replays. Left out:
 * - the exhaustive searches, the property tests and the random gate (properties/): they judge
 *   designs, not model rules, and cost seconds to minutes per run, which a mutant the others miss
 *   would pay in full; `npm test` and the gate still run them on every change;
 * - the report tests (reports/): they check rendering of what the model found;
 * - the CLI tests (cli/), which spawn `msispec` as a child process that per-test coverage cannot
 *   attribute to a mutant;
 * - the citation check, which reads the repository's text, not the model.
 */
export default defineConfig({
  test: {
    include: ['model/**/*.test.ts', 'spec/**/*.test.ts', 'counterexamples/**/*.test.ts'],
    exclude: ['node_modules/**', '.mutation/**', 'spec/citations.test.ts'],
    pool: 'threads',
    sequence: { sequencer: UnitsFirst },
    expect: { requireAssertions: true },
    // As in vitest.config.ts: a hang guard only; Stryker's timeoutMS times each mutant's run.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
