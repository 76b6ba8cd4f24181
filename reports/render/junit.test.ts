import { describe, expect, it } from 'vitest';
import type { CheckRun, PairCheck } from '../../properties/gate.ts';
import { renderJunit } from './junit.ts';
import { checkWellFormed } from './testing.ts';

const pair = (
  design: PairCheck['design'],
  invariant: PairCheck['invariant'],
  ok: boolean,
  why?: string,
): PairCheck => ({
  design,
  invariant,
  expected: { verdict: 'holds' },
  found: ok ? 'holds' : 'violated',
  ok,
  seed: 7,
  ...(why === undefined ? {} : { why }),
});

const run: CheckRun = {
  seed: 3,
  runs: 50,
  date: '2026-11-21',
  results: [
    pair('x86-vtd-ir', 'msi-isolation', true),
    pair('x86-vtd-ir', 'assignment-gate', false, 'expected holds, found <a> & "b"'),
    pair('x86-amd-ir', 'msi-isolation', true),
    pair('x86-amd-ir', 'assignment-gate', true),
    pair('riscv-guest-files', 'msi-delivery', false, 'counterexample after 3 runs'),
  ],
};

describe('JUnit XML of a gate run (cli/check.ts --junit)', () => {
  const xml = renderJunit(run);

  it('is well-formed XML with escaped messages', () => {
    expect(checkWellFormed(xml).errors).toEqual([]);
    expect(xml).toContain('message="expected holds, found &lt;a&gt; &amp; &quot;b&quot;"');
  });

  it('has one testsuite per design and one testcase per pair, named "<design> × <invariant>"', () => {
    expect(xml.match(/<testsuite /g)?.length).toBe(3);
    expect(xml.match(/<testcase /g)?.length).toBe(5);
    expect(xml).toContain('<testcase name="x86-amd-ir × assignment-gate" classname="x86-amd-ir"/>');
  });

  it('counts failures in total and per design', () => {
    expect(xml.match(/<failure /g)?.length).toBe(2);
    expect(xml).toContain('<testsuites name="msispec check" tests="5" failures="2" errors="0">');
    expect(xml).toMatch(/<testsuite name="x86-vtd-ir" tests="2" failures="1"/);
    expect(xml).toMatch(/<testsuite name="x86-amd-ir" tests="2" failures="0"/);
    expect(xml).toMatch(/<testsuite name="riscv-guest-files" tests="1" failures="1"/);
  });
});
