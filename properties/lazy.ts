/**
 * Test data computed on first use, inside a test. Data computed while a test file is collected
 * runs the model outside every test, so Stryker's per-test coverage (README, "Reliability") counts
 * each mutant it reaches as static and runs the whole suite for it; computed inside the first test
 * that asks, the model code it runs is attributed to that test.
 */
export const lazy = <T>(compute: () => T): (() => T) => {
  let box: { readonly value: T } | undefined;
  return () => {
    box ??= { value: compute() };
    return box.value;
  };
};
