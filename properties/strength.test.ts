import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderIndex } from '../reports/render/index.ts';
import { getDesign, loadDesigns } from '../spec/designs/load.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import type { InvariantId } from '../spec/invariants/types.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { REPO } from '../spec/repo.ts';
import { expectedOf, loadVerdicts, pairFile } from '../spec/verdicts.ts';
import { certificatePath, readCertificate } from './exhaustive/certificate.ts';
import type { PairCheck } from './gate.ts';
import { checkPair, type PairResult } from './pair.ts';
import {
  runStrength,
  type Strength,
  strengthMark,
  strengthOf,
  strengthsOf,
  strengthText,
} from './strength.ts';

/**
 * The strength of a ✓ or ✗ comes from the pair's committed certificate alone (issue 11 "What to
 * build" 2; issue 10 item 5): exhaustive or vacuous within the scope, certified minimal, or
 * random-only when no fresh certificate agrees.
 */
const verdicts = loadVerdicts();
const designs = [...loadDesigns().keys()];
const dirs = { certificates: REPO.certificates, counterexamples: REPO.counterexamples };
const strengths = strengthsOf(verdicts, designs, dirs);
const tmp = mkdtempSync(join(tmpdir(), 'msispec-strength-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('strength of a verdict (properties/strength.ts)', () => {
  it('is read for every pair, and a fresh certificate gives the kind its result says, with its scope, states and premise', () => {
    expect(strengths.size).toBe(designs.length * INVARIANT_IDS.length);
    for (const d of designs)
      for (const i of INVARIANT_IDS) {
        const s = strengthOf(strengths, d, i);
        if (s.kind === 'random') continue;
        const c = readCertificate(certificatePath(i, d));
        expect(s, `${i}/${d}`).toEqual({
          kind: { holds: 'exhaustive', vacuous: 'vacuous', violated: 'minimal' }[c.result],
          scope: 'ci',
          states: c.search.states,
          depth: c.search.depth,
          premise: c.premise,
        });
        expect(s.kind === 'minimal', `${i}/${d}`).toBe(expectedOf(verdicts, d, i).verdict === 'violated');
      }
  });

  it('a stale certificate (computed on other sources) reads as random-only, naming the staleness', () => {
    const certs = join(tmp, 'stale');
    cpSync(REPO.certificates, certs, { recursive: true });
    const file = certificatePath('guest-containment', 'riscv-no-msi-window', certs);
    const c = readCertificate(file);
    writeFileSync(file, JSON.stringify({ ...c, sources: `sha256:${'0'.repeat(64)}` }));
    const s = strengthsOf(verdicts, ['riscv-no-msi-window'], { ...dirs, certificates: certs });
    const stale = strengthOf(s, 'riscv-no-msi-window', 'guest-containment');
    expect(stale.kind).toBe('random');
    expect(strengthText(stale)).toMatch(/^random search only: the certificate is stale/);
    // The index shows it as ✓~, never as ✓∅, while the design's other pairs keep their strength.
    const md = renderIndex({
      designs: loadDesigns(),
      verdicts,
      stored: new Map(),
      strengths: new Map([...strengths, ...s]),
    });
    const row = md.split('\n').find((l) => l.includes('[`riscv-no-msi-window`]')) ?? '';
    expect(row.split(' | ')[3]).toBe('✓~');
  });

  it('without a certificates folder every pair is random-only', () => {
    const s = strengthsOf(verdicts, designs.slice(0, 2), { ...dirs, certificates: join(tmp, 'none') });
    expect([...s.values()].every((x) => x.kind === 'random')).toBe(true);
    expect(s.size).toBe(2 * INVARIANT_IDS.length);
  });

  it('a ✗ whose stored counterexample is not marked certified minimal reads as random-only', () => {
    const pair = pairFile('msi-isolation', 'riscv-hart-only-msi-table');
    const ces = join(tmp, 'counterexamples');
    cpSync(REPO.counterexamples, ces, { recursive: true });
    const file = join(ces, pair);
    const { certified, ...rest } = JSON.parse(readFileSync(file, 'utf8'));
    expect(certified?.minimal).toMatch(/^certified minimal within ci/);
    writeFileSync(file, JSON.stringify(rest));
    const s = strengthsOf(verdicts, ['riscv-hart-only-msi-table'], { ...dirs, counterexamples: ces });
    expect(strengthOf(s, 'riscv-hart-only-msi-table', 'msi-isolation')).toMatchObject({ kind: 'random' });
    expect(strengthOf(s, 'riscv-hart-only-msi-table', 'guest-containment').kind).toBe('minimal');
  });

  it('a random search counts the runs in which the premise arose: none for x86-vtd-ir × msi-window-bounds (vacuous within ci too), some for guest-containment; the run strength of a random-only pair marks the first ∅~ (issue 10 item 5)', () => {
    const design = getDesign('x86-vtd-ir');
    const run = (id: InvariantId) => checkPair(design, getInvariant(id), 7, 60);
    const none = run('msi-window-bounds');
    const some = run('guest-containment');
    if (none.violated || some.violated) throw new Error('both hold on x86-vtd-ir');
    expect(none.premiseRuns).toBe(0);
    expect(some.premiseRuns).toBeGreaterThan(0);
    expect(some.premiseRuns).toBeLessThanOrEqual(some.runs);
    const pair = (invariant: InvariantId, search: PairResult): PairCheck => ({
      design: design.id,
      invariant,
      expected: { verdict: 'holds' },
      found: 'holds',
      ok: true,
      seed: 7,
      search,
    });
    const random = new Map<string, Strength>(); // no certificate read: random-only
    const s0 = runStrength(random, pair('msi-window-bounds', none));
    expect(strengthMark(s0)).toBe('∅~');
    expect(strengthText(s0)).toBe(
      'random search only: no certificate read; its premise (an owner-controlled domain in use holds an MSI page) arose in 0 of 60 runs',
    );
    expect(strengthMark(runStrength(random, pair('guest-containment', some)))).toBe('~');
    // A fresh certificate's strength wins over the run's.
    expect(runStrength(strengths, pair('guest-containment', some))).toEqual(
      strengthOf(strengths, design.id, 'guest-containment'),
    );
  });
});
