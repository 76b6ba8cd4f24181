import { describe, expect, it } from 'vitest';
import type { CheckRun, PairCheck } from '../../properties/gate.ts';
import type { Strength, Strengths } from '../../properties/strength.ts';
import { renderJunit } from './junit.ts';
import { checkWellFormed } from './testing.ts';

const pair = (design: string, invariant: PairCheck['invariant'], ok: boolean, why?: string): PairCheck => ({
  design,
  invariant,
  expected: { verdict: 'holds' },
  found: ok ? 'holds' : 'violated',
  ok,
  seed: 7,
  seconds: 0.25,
  ...(why === undefined ? {} : { why }),
});

const run: CheckRun = {
  seed: 3,
  runs: 50,
  started: '2026-11-21T10:11:12.345Z',
  results: [
    pair('x86-vtd-ir', 'msi-isolation', true),
    pair('x86-vtd-ir', 'assignment-gate', false, 'expected holds, found <a> & "b"'),
    pair('x86-amd-ir', 'msi-isolation', true),
    pair('x86-amd-ir', 'assignment-gate', true),
    pair('riscv-guest-files', 'msi-delivery', false, 'counterexample after 3 runs'),
  ],
};

const paths = (r: PairCheck) => ({
  counterexample: `counterexamples/${r.invariant}/${r.design}.json`,
  report: `reports/${r.invariant}/${r.design}.md`,
  reproduce: `npx msispec check --design ${r.design} --invariant ${r.invariant} --seed 3`,
});

/** x86-amd-ir × msi-isolation vacuous, x86-amd-ir × assignment-gate exhaustive, the rest random-only. */
const strengths: Strengths = new Map<string, Strength>([
  [
    'msi-isolation/x86-amd-ir.json',
    {
      kind: 'vacuous',
      scope: 'ci',
      states: 1200,
      depth: 5,
      premise: 'a group the kernel judges isolated is assigned',
    },
  ],
  [
    'assignment-gate/x86-amd-ir.json',
    { kind: 'exhaustive', scope: 'ci', states: 1200, depth: 5, premise: 'p' },
  ],
  [
    'msi-delivery/riscv-guest-files.json',
    { kind: 'vacuous', scope: 'ci', states: 9, depth: 5, premise: 'q' },
  ],
]);

describe('JUnit XML of a gate run (cli/check.ts --junit)', () => {
  const xml = renderJunit(run, paths, strengths);

  it('is well-formed XML with escaped messages', () => {
    expect(checkWellFormed(xml).errors).toEqual([]);
    expect(xml).toContain('message="expected holds, found &lt;a&gt; &amp; &quot;b&quot;"');
  });

  it('has one testsuite per design and one testcase per pair, named "<design> × <invariant>"', () => {
    expect(xml.match(/<testsuite /g)?.length).toBe(3);
    expect(xml.match(/<testcase /g)?.length).toBe(5);
    expect(xml).toContain(
      '<testcase name="x86-amd-ir × assignment-gate" classname="x86-amd-ir" time="0.250">',
    );
  });

  it('counts failures in total and per design, with time and an ISO 8601 timestamp', () => {
    expect(xml.match(/<failure /g)?.length).toBe(2);
    expect(xml).toContain(
      '<testsuites name="msispec check" tests="5" failures="2" errors="0" time="1.250" timestamp="2026-11-21T10:11:12.345Z">',
    );
    expect(xml).toMatch(
      /<testsuite name="x86-vtd-ir" tests="2" failures="1" errors="0" skipped="0" time="0.500" timestamp="2026-11-21T10:11:12.345Z">/,
    );
    expect(xml).toMatch(/<testsuite name="x86-amd-ir" tests="2" failures="0"/);
    expect(xml).toMatch(/<testsuite name="riscv-guest-files" tests="1" failures="1"/);
  });

  it('gives every case its recorded verdict as a property, and every failure the counterexample, report and reproduce command', () => {
    expect(xml.match(/<property name="verdict" value="holds"\/>/g)?.length).toBe(5);
    expect(xml).toContain('counterexample: counterexamples/msi-delivery/riscv-guest-files.json');
    expect(xml).toContain('report: reports/msi-delivery/riscv-guest-files.md');
    expect(xml).toContain(
      'reproduce: npx msispec check --design riscv-guest-files --invariant msi-delivery --seed 3',
    );
  });

  it('gives every case the strength of its verdict, and marks a passing vacuous pair skipped with the premise that never arose (issue 10 item 5)', () => {
    expect(xml.match(/<property name="strength" value="[a-z]+"\/>/g)?.length).toBe(5);
    expect(xml).toContain(
      '<property name="strength" value="exhaustive"/><property name="strength-detail" value="exhaustive within ci (1200 states, ≤ 5 ops)"/>',
    );
    expect(xml).toContain(
      '<property name="strength-detail" value="random search only: no certificate read"/>',
    );
    expect(xml.match(/<skipped /g)?.length).toBe(1);
    expect(xml).toContain(
      '<skipped message="vacuous within ci (1200 states, ≤ 5 ops): a group the kernel judges isolated is assigned never arises"/>',
    );
    // A failing pair is a failure whatever its certificate says, never skipped.
    expect(xml).toMatch(/<testsuite name="riscv-guest-files" tests="1" failures="1" errors="0" skipped="0"/);
    expect(xml).toMatch(/<testsuite name="x86-amd-ir" tests="2" failures="0" errors="0" skipped="1"/);
  });
});
