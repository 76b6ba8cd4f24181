import { join } from 'node:path';
import type { RunnerTask, RunnerTestCase, RunnerTestFile } from 'vitest';
import { describe, expect, it } from 'vitest';
import { createVitest } from 'vitest/node';
import LoadFailureAsTest, { addLoadFailure, LOAD_FAILURE_TEST } from './load-failure.ts';

/**
 * The tests Stryker's vitest runner reads from a file after a run (@stryker-mutator/vitest-runner
 * 9.6.1, VitestTestRunner.run with collectTestsFromSuite): the test tasks under it, through its
 * suites. A mutant run fails when one of them failed.
 */
const testsOf = (t: RunnerTask): RunnerTestCase[] =>
  t.type === 'test' ? [t] : t.tasks.flatMap((c) => testsOf(c));

const fileTask = (result?: RunnerTestFile['result']): RunnerTestFile => {
  const f: Omit<RunnerTestFile, 'file'> = {
    type: 'suite',
    id: 'f1',
    name: 'x.test.ts',
    fullName: 'x.test.ts',
    mode: 'run',
    meta: {},
    tasks: [],
    filepath: '/r/x.test.ts',
    projectName: undefined,
    ...(result === undefined ? {} : { result }),
  };
  return Object.assign(f, { file: f as RunnerTestFile });
};
const refused = { state: 'fail', errors: [{ message: 'refused', name: 'Error' }] } as const;

describe('addLoadFailure: a test file that did not load counts as a failed test (stryker-js issue 6150)', () => {
  it('gives a file that failed with no tasks one failed test carrying its load error', () => {
    const f = fileTask({ ...refused, errors: [...refused.errors] });
    expect(addLoadFailure(f)).toBe(true);
    const [t, ...rest] = testsOf(f);
    expect(rest).toEqual([]);
    expect(t?.name).toBe(LOAD_FAILURE_TEST);
    expect(t?.result?.state).toBe('fail');
    expect(t?.result?.errors?.[0]?.message).toBe('refused');
    expect(t?.file).toBe(f);
    // Once it holds a task, a second pass leaves it as it is.
    expect(addLoadFailure(f)).toBe(false);
    expect(testsOf(f)).toHaveLength(1);
  });

  it('leaves a passed file, a file not run and a failed file without an error as they are', () => {
    for (const f of [fileTask({ state: 'pass' }), fileTask(), fileTask({ state: 'fail', errors: [] })]) {
      expect(addLoadFailure(f)).toBe(false);
      expect(f.tasks).toEqual([]);
    }
  });

  it('in a real vitest run, the file whose import throws holds a failed test and the others are untouched', async () => {
    const root = join(import.meta.dirname, 'load-failure-fixture');
    const vitest = await createVitest(
      'test',
      {
        root,
        config: false,
        include: ['*.fixture.ts'],
        watch: false,
        reporters: [new LoadFailureAsTest()],
      },
      {},
    );
    try {
      await vitest.start();
      const byName = new Map(vitest.state.getFiles().map((f) => [f.name, testsOf(f)]));
      const summary = (name: string) => byName.get(name)?.map((t) => [t.name, t.result?.state]);
      expect(summary('imports-refuses.fixture.ts')).toEqual([[LOAD_FAILURE_TEST, 'fail']]);
      expect(byName.get('imports-refuses.fixture.ts')?.[0]?.result?.errors?.[0]?.message).toContain(
        'module refused to load',
      );
      expect(summary('loads.fixture.ts')).toEqual([
        ['passes', 'pass'],
        ['fails', 'fail'],
      ]);
    } finally {
      await vitest.close();
    }
  });
});
