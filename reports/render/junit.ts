import type { CheckRun, PairCheck } from '../../properties/gate.ts';
import { isVacuous, runStrength, type Strengths, strengthText } from '../../properties/strength.ts';
import { holdsNote } from '../../spec/verdicts.ts';
import { escapeXml } from './svg.ts';

/** Where a failing pair leads: its counterexample file and report (when stored) and the command that reproduces it. */
export type JunitPaths = (r: PairCheck) => {
  readonly counterexample?: string;
  readonly report?: string;
  readonly reproduce: string;
};

const seconds = (s: number | undefined): string => (s ?? 0).toFixed(3);

/**
 * JUnit XML of a gate run, for CI dashboards: one testsuite per design, one testcase per invariant
 * named `<design> × <invariant>` with its recorded verdict as a property; a pair whose finding
 * differs from spec/verdicts.json is a failure carrying the gate's one-line reason, the
 * counterexample and report paths, and the command that reproduces it. Each testcase carries the
 * strength of its verdict (properties/strength.ts) as properties; a passing pair that holds only
 * vacuously (within the certificates' scope, or in a random search where its premise never arose)
 * is `skipped`, with the premise that never arose, so a
 * dashboard does not count it as a real pass.
 */
export const renderJunit = (run: CheckRun, paths: JunitPaths, strengths: Strengths): string => {
  const designs: string[] = [];
  const byDesign = new Map<string, PairCheck[]>();
  for (const r of run.results) {
    const list = byDesign.get(r.design);
    if (list === undefined) {
      designs.push(r.design);
      byDesign.set(r.design, [r]);
    } else list.push(r);
  }
  const total = (rs: readonly PairCheck[]) => rs.reduce((t, r) => t + (r.seconds ?? 0), 0);
  const failures = run.results.filter((r) => !r.ok).length;
  const strength = (r: PairCheck) => runStrength(strengths, r);
  const vacuous = (r: PairCheck) => r.ok && isVacuous(strength(r));
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="msispec check" tests="${run.results.length}" failures="${failures}" errors="0" time="${seconds(total(run.results))}" timestamp="${escapeXml(run.started)}">`,
  ];
  for (const d of designs) {
    const cases = byDesign.get(d) ?? [];
    const fails = cases.filter((r) => !r.ok).length;
    out.push(
      `  <testsuite name="${escapeXml(d)}" tests="${cases.length}" failures="${fails}" errors="0" skipped="${cases.filter(vacuous).length}" time="${seconds(total(cases))}" timestamp="${escapeXml(run.started)}">`,
    );
    out.push(
      `    <properties><property name="seed" value="${run.seed}"/><property name="runs" value="${run.runs}"/></properties>`,
    );
    for (const r of cases) {
      const name = escapeXml(`${r.design} × ${r.invariant}`);
      const st = strength(r);
      const note = holdsNote(r.expected);
      out.push(
        `    <testcase name="${name}" classname="${escapeXml(r.design)}" time="${seconds(r.seconds)}">`,
        `      <properties><property name="verdict" value="${escapeXml(r.expected.verdict)}"/><property name="found" value="${r.found}"/><property name="pair-seed" value="${r.seed}"/><property name="strength" value="${st.kind}"/><property name="strength-detail" value="${escapeXml(strengthText(st))}"/>${note === undefined ? '' : `<property name="note" value="${escapeXml(note)}"/>`}</properties>`,
      );
      if (vacuous(r))
        out.push(
          `      <skipped message="${escapeXml(`${strengthText(st)}${note === undefined ? '' : `: ${note}`}`)}"/>`,
        );
      if (!r.ok) {
        const p = paths(r);
        const why = r.why ?? `expected ${r.expected.verdict}, found ${r.found}`;
        const body = [
          `expected ${r.expected.verdict}, found ${r.found} (pair seed ${r.seed})`,
          ...(p.counterexample === undefined ? [] : [`counterexample: ${p.counterexample}`]),
          ...(p.report === undefined ? [] : [`report: ${p.report}`]),
          `reproduce: ${p.reproduce}`,
        ].join('\n');
        out.push(
          `      <failure message="${escapeXml(why)}" type="verdict-mismatch">${escapeXml(body)}</failure>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
};
