import type { RunnerTestCase, RunnerTestFile } from 'vitest';
import type { Reporter, Vitest } from 'vitest/node';

/**
 * The name of the failed test a test file that did not load is given.
 */
export const LOAD_FAILURE_TEST = 'the test file loads';

/**
 * A test file that failed before any of its tests existed (its import threw: a mutant of a zod
 * schema or a table at module level can do that) gets one failed test carrying the load error.
 * Stryker's vitest runner (@stryker-mutator/vitest-runner 9.6.1, VitestTestRunner.run) builds a
 * mutant's result from the test tasks of each file alone and calls the mutant survived when none of
 * them failed, so without this a mutant that stops every test file from loading counts as survived,
 * while `npm test` fails on it (stryker-js issue 6150). A file whose tests exist is left as it is:
 * a failed beforeAll already reaches Stryker through its suite. Returns whether it added the test.
 */
export const addLoadFailure = (file: RunnerTestFile): boolean => {
  const errors = file.result?.errors ?? [];
  if (file.result?.state !== 'fail' || file.tasks.length > 0 || errors.length === 0) return false;
  const test: Omit<RunnerTestCase, 'context'> = {
    type: 'test',
    id: `${file.id}_load`,
    name: LOAD_FAILURE_TEST,
    fullName: `${file.name} > ${LOAD_FAILURE_TEST}`,
    fullTestName: LOAD_FAILURE_TEST,
    mode: 'run',
    meta: {},
    file,
    suite: file,
    timeout: 0,
    annotations: [],
    artifacts: [],
    result: { state: 'fail', errors, duration: 0 },
  };
  // The one field left out is the context vitest builds for a test it runs; this test never runs
  // and nothing reads a context once the run has ended.
  file.tasks.push(test as RunnerTestCase);
  return true;
};

/**
 * Applies addLoadFailure to every test file when a run ends, before the run's caller reads the
 * files' tasks (vitest.mutation.config.ts only: the everyday suite already counts a file that fails
 * to load, in properties/count-reporter.ts).
 */
export default class LoadFailureAsTest implements Reporter {
  private vitest: Vitest | undefined;
  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }
  onTestRunEnd(): void {
    for (const file of this.vitest?.state.getFiles() ?? []) addLoadFailure(file);
  }
}
