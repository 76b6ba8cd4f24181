import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import LoadFailureAsTest from './properties/mutation/load-failure.ts';

/**
 * Test files nearest the mutated file first: its own tests (`x.ts` → `x*.test.ts`), then its
 * folder's, its top folder's, the rest of model/, spec/ and counterexamples/, each in path order.
 * Stryker runs a mutant against the files related to the mutated file (`vitest.related`) and stops
 * at the first failing test (bail), so a mutant its own unit test kills costs that test alone.
 * Without a related file (a plain run) the order is by tier and path.
 */
const TIERS = ['model/', 'spec/', 'counterexamples/'];
class NearestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const rel = (p: string): string => (p.startsWith(`${root}/`) ? p.slice(root.length + 1) : p);
    const mutated = this.ctx.config.related?.[0];
    const target = mutated === undefined ? undefined : rel(mutated).replace(/\.ts$/, '');
    const dir = (p: string): string => p.slice(0, p.lastIndexOf('/') + 1);
    const top = (p: string): string => p.split('/').slice(0, 2).join('/');
    const near = (p: string): number => {
      if (target === undefined) return 0;
      if (p.startsWith(target)) return 0;
      if (dir(p) === dir(target)) return 1;
      if (top(p) === top(target)) return 2;
      return 3;
    };
    const key = (f: TestSpecification): [number, number, string] => {
      const p = rel(f.moduleId);
      const tier = TIERS.findIndex((t) => p.startsWith(t));
      return [near(p), tier < 0 ? TIERS.length : tier, p];
    };
    return [...files].sort((a, b) => {
      const [na, ta, pa] = key(a);
      const [nb, tb, pb] = key(b);
      return na - nb || ta - tb || (pa < pb ? -1 : pa > pb ? 1 : 0);
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
 * A test file that fails to load (a mutant of module-level code can make its import throw) counts
 * as a failed test, as it does in `npm test` (properties/mutation/load-failure.ts).
 */
export default defineConfig({
  test: {
    include: ['model/**/*.test.ts', 'spec/**/*.test.ts', 'counterexamples/**/*.test.ts'],
    exclude: ['node_modules/**', '.mutation/**', 'spec/citations.test.ts'],
    pool: 'threads',
    sequence: { sequencer: NearestFirst },
    reporters: ['default', new LoadFailureAsTest()],
    expect: { requireAssertions: true },
    // As in vitest.config.ts: a hang guard only; Stryker's timeoutMS times each mutant's run.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
