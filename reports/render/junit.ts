import type { CheckRun, PairCheck } from '../../properties/gate.ts';
import { escapeXml } from './svg.ts';

/**
 * JUnit XML of a gate run, for CI dashboards: one testsuite per design, one testcase per invariant
 * named `<design> × <invariant>`; a pair whose finding differs from spec/verdicts.json is a failure
 * carrying the gate's one-line reason.
 */
export const renderJunit = (run: CheckRun): string => {
  const designs: string[] = [];
  const byDesign = new Map<string, PairCheck[]>();
  for (const r of run.results) {
    const list = byDesign.get(r.design);
    if (list === undefined) {
      designs.push(r.design);
      byDesign.set(r.design, [r]);
    } else list.push(r);
  }
  const failures = run.results.filter((r) => !r.ok).length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="msispec check" tests="${run.results.length}" failures="${failures}" errors="0">`,
  ];
  for (const d of designs) {
    const cases = byDesign.get(d) ?? [];
    const fails = cases.filter((r) => !r.ok).length;
    out.push(
      `  <testsuite name="${escapeXml(d)}" tests="${cases.length}" failures="${fails}" errors="0" skipped="0" timestamp="${escapeXml(run.date)}">`,
    );
    out.push(
      `    <properties><property name="seed" value="${run.seed}"/><property name="runs" value="${run.runs}"/></properties>`,
    );
    for (const r of cases) {
      const name = escapeXml(`${r.design} × ${r.invariant}`);
      const expected = r.expected.verdict;
      if (r.ok) out.push(`    <testcase name="${name}" classname="${escapeXml(r.design)}"/>`);
      else {
        const why = r.why ?? `expected ${expected}, found ${r.found}`;
        out.push(`    <testcase name="${name}" classname="${escapeXml(r.design)}">`);
        out.push(
          `      <failure message="${escapeXml(why)}" type="verdict-mismatch">${escapeXml(`expected ${expected}, found ${r.found} (pair seed ${r.seed})`)}</failure>`,
        );
        out.push('    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
};
