import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayClass } from '../counterexamples/schema.ts';
import { loadGateData } from '../properties/gate-data.ts';
import { checkPair } from '../properties/pair.ts';
import { pairSeed, SEED } from '../properties/settings.ts';
import { formatJson } from '../spec/data-file.ts';
import { loadDesigns } from '../spec/designs/load.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { replay } from '../spec/replay.ts';
import { repoAt } from '../spec/repo.ts';
import { expectedOf } from '../spec/verdicts.ts';
import {
  conformanceOf,
  conformanceSection,
  type DiffSection,
  diffMarkdown,
  diffSides,
  diffText,
  type Side,
} from './diff.ts';
import type { PairSnapshot, Snapshot } from './snapshot.ts';
import { canonicalJson } from './snapshot.ts';
import { cleanClone, commitAll, git, runCli } from './testing.ts';

/**
 * `msispec diff` on a temporary git repository (issue 8, "Done means"): a branch that changes one
 * knob of one design lists exactly the verdict flips and changed counterexamples that change makes.
 * The expectation comes from the data and the model directly, not from the diff's own code.
 */
const root = cleanClone();
const repo = repoAt(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HANG = 600_000; // the work is fixed (5 or 20 runs per pair); this only stops a hung child

const D = 'x86-vtd-ir-nosid';
const setKnob = (path: 'hardware' | 'policy', knob: string, value: unknown, design = D): void => {
  const file = join(repo.designs, `${design}.json`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  (json[path] as Record<string, unknown>)[knob] = value;
  writeFileSync(file, formatJson(json));
};
/** Few runs per pair: a holding pair holds at any budget, and a violated one replays its file. */
const diffJson = async (runs: number, ...args: string[]) => {
  const r = await runCli(['diff', '--json', '--runs', String(runs), ...args], { repo });
  expect(r.err).toBe('');
  return { code: r.code, sections: (JSON.parse(r.out) as { sections: DiffSection[] }).sections };
};
const section = (s: readonly DiffSection[], title: string) => s.find((x) => x.title === title)?.changes ?? [];

describe('msispec diff between git refs (issue 8)', () => {
  it('on main, against itself: no change, exit 0, nothing run', async () => {
    const r = await runCli(['diff'], { repo });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/merge base with main \([0-9a-f]{12}\) → working tree: no change/);
  });

  it(
    `a branch that turns on the VT-d source-id check of ${D} lists exactly its verdict flips, each unrecorded (exit 1), then recorded after accept (exit 0)`,
    async () => {
      git(root, 'checkout', '-q', '-b', 'sid-check');
      setKnob('hardware', 'vtdSourceIdCheck', true);
      commitAll(root, 'source-id check on');
      // With the check on, the design's knobs are those of x86-vtd-ir: it must find what x86-vtd-ir records.
      const designs = loadDesigns(repo.designs);
      const [a, b] = [designs.get(D), designs.get('x86-vtd-ir')];
      expect(canonicalJson([a?.hardware, a?.policy])).toBe(canonicalJson([b?.hardware, b?.policy]));
      const verdicts = loadGateData(repo).verdicts;
      const found = (design: string, i: (typeof INVARIANT_IDS)[number]) =>
        expectedOf(verdicts, design, i).verdict === 'violated' ? 'violated' : 'holds';
      const flips = INVARIANT_IDS.filter((i) => found(D, i) !== found('x86-vtd-ir', i));
      expect(flips.length).toBeGreaterThan(0);

      const { code, sections } = await diffJson(5);
      expect(code).toBe(1);
      expect(section(sections, 'Designs')).toEqual([]);
      expect(section(sections, 'Counterexamples changed')).toEqual([]);
      expect(section(sections, 'Conformance outcomes')).toEqual([]);
      expect(section(sections, 'Verdict flips').map((c) => [c.subject, c.what, c.recorded])).toEqual(
        flips.map((i) => [`${D} × ${i}`, `${found(D, i)} → ${found('x86-vtd-ir', i)}`, false]),
      );

      const accepted = await runCli(['accept', ...flips.map((i) => `${i}/${D}`)], { repo });
      expect(accepted.code, accepted.err).toBe(0);
      const again = await diffJson(20, '--design', D);
      expect(again.code).toBe(0);
      expect(section(again.sections, 'Verdict flips').map((c) => [c.subject, c.recorded])).toEqual(
        flips.map((i) => [`${D} × ${i}`, true]),
      );
      commitAll(root, 'accepted');
    },
    HANG,
  );

  // The stored files are the exhaustive search's least of the strongest class, so unblocking the
  // compatibility format on x86-vtd-ir-nosid changes none of them; blocking it on x86-vtd-ir-cfis
  // (the iommu_enable_irq_remapping CFI clear that a pre-enabled kdump kernel skips) removes both.
  const CFIS = 'x86-vtd-ir-cfis';
  it(
    `a branch that blocks compatibility-format MSIs on ${CFIS} lists exactly the counterexamples whose replay changes or is gone (as the gate replays them: spec/replay.ts, replayClass), and the flips a search finds`,
    async () => {
      git(root, 'checkout', '-q', '-b', 'compat', 'main');
      setKnob('hardware', 'compatFormatBlocked', true, CFIS);
      commitAll(root, 'compatibility format blocked');
      const data = loadGateData(repo);
      const design = data.designs.get(CFIS);
      if (design === undefined) throw new Error(`no ${CFIS}`);
      const changed: string[] = [];
      const flips: string[] = [];
      for (const i of INVARIANT_IDS) {
        const stored = data.counterexamples.get(`${i}/${CFIS}.json`);
        if (stored !== undefined) {
          const r = replay(design, stored.scenario, [getInvariant(i)], replayClass(stored));
          const now = r.violation && { afterOp: r.violation.index, witness: r.violation.violation.witness };
          if (now === undefined) flips.push(`${CFIS} × ${i}`);
          else if (canonicalJson(now) !== canonicalJson(stored.violation)) changed.push(`${CFIS} × ${i}`);
        } else if (checkPair(design, getInvariant(i), pairSeed(SEED, CFIS, i), 20).violated)
          flips.push(`${CFIS} × ${i}`);
      }
      expect(changed.length + flips.length).toBeGreaterThan(0);
      const { code, sections } = await diffJson(20, '--design', CFIS);
      expect(code).toBe(1);
      expect(section(sections, 'Counterexamples changed').map((c) => c.subject)).toEqual(changed);
      expect(section(sections, 'Verdict flips').map((c) => c.subject)).toEqual(flips);
      for (const c of section(sections, 'Counterexamples changed')) {
        expect(c.recorded).toBe(false);
        expect(c.details.some((d) => d.startsWith('witness.'))).toBe(true);
      }
    },
    HANG,
  );

  it('an unknown REF is bad input (exit 2)', async () => {
    const r = await runCli(['diff', 'no-such-branch'], { repo });
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown git ref 'no-such-branch'");
  });
});

describe('diff sections and their text and Markdown (cli/diff.ts)', () => {
  const pair = (
    design: string,
    found: 'holds' | 'violated',
    extra: Partial<PairSnapshot> = {},
  ): PairSnapshot => ({
    design,
    invariant: 'msi-isolation',
    expected: found,
    found,
    ok: true,
    seed: 1,
    reproduce: 'x',
    ...extra,
  });
  const ce = (data: number) => ({
    source: 'stored' as const,
    file: 'counterexamples/msi-isolation/b.json',
    ops: 2,
    afterOp: 1,
    class: 'write → interrupt: irq of host',
    witness: { kind: 'gate' as const, group: 0, isolated: true, unsafe: false, result: `r${data}` },
    trace: ['op a → ok', `op b → ok ${data}`],
    recorded: data === 2,
  });
  const snap = (results: PairSnapshot[]): Snapshot => ({
    format: 1,
    msispec: '0',
    seed: 5,
    runs: 20,
    started: '',
    gate: 'passed',
    failed: 0,
    results,
    problems: [],
  });
  const before: Side = {
    label: 'main',
    gate: snap([pair('a', 'holds'), pair('b', 'violated', { counterexample: ce(1) }), pair('gone', 'holds')]),
  };
  const after: Side = {
    label: 'branch',
    gate: snap([
      pair('a', 'violated', { ok: false, expected: 'holds' }),
      pair('b', 'violated', { counterexample: ce(2) }),
      pair('c', 'holds', { ok: false, expected: 'unreviewed' }),
    ]),
  };
  const sections = diffSides(before, after);

  it('one section per kind of change, each change marked recorded or not; a later section (conformance) is one more function', () => {
    expect(sections.map((s) => [s.title, s.changes.map((c) => [c.subject, c.what, c.recorded])])).toEqual([
      [
        'Designs',
        [
          ['c', 'added: 0 pairs violated, 1 holding', false],
          ['gone', 'removed', true],
        ],
      ],
      ['Verdict flips', [['a × msi-isolation', 'holds → violated', false]]],
      ['Counterexamples changed', [['b × msi-isolation', 'changed', true]]],
      ['Conformance outcomes', []],
    ]);
    expect(sections[2]?.changes[0]?.details).toEqual([
      'witness.result: "r1" → "r2"',
      'trace op 2: op b → ok 1 → op b → ok 2',
    ]);
  });

  it('conformance outcomes: a case that now fails is listed unrecorded with its FAIL line, a fixed or new passing one recorded', () => {
    const b = conformanceOf(['PASS one', 'FAIL two: expected.identity: expected 1 got 2', 'PASS three'], 1);
    const a = conformanceOf(
      ['FAIL one: expected.kind: expected "interrupt" got "fault"', 'PASS two', 'PASS three', 'PASS four'],
      1,
    );
    const side = (label: string, conformance: ReturnType<typeof conformanceOf>): Side => ({
      label,
      gate: snap([]),
      conformance,
    });
    expect(conformanceSection(side('main', b), side('branch', a)).changes).toEqual([
      { subject: 'four', what: 'absent → PASS', details: [], recorded: true },
      {
        subject: 'one',
        what: 'PASS → FAIL',
        details: ['FAIL one: expected.kind: expected "interrupt" got "fault"'],
        recorded: false,
      },
      { subject: 'two', what: 'FAIL → PASS', details: [], recorded: true },
    ]);
    expect(
      conformanceSection(side('main', b), side('branch', conformanceOf(['MALFORMED x.json: $: bad'], 2)))
        .changes,
    ).toEqual([
      {
        subject: 'spec/conformance',
        what: 'malformed',
        details: ['MALFORMED x.json: $: bad'],
        recorded: false,
      },
    ]);
  });

  it('prints as text and as Markdown, ending with how to record what is not', () => {
    const text = diffText(before, after, sections);
    expect(text).toContain('Verdict flips (1):\n  a × msi-isolation: holds → violated — NOT recorded');
    expect(text).toMatch(
      /4 changes, 2 not recorded: read them, then npx msispec accept msi-isolation\/a; npx msispec accept --all-new/,
    );
    const md = diffMarkdown(before, after, sections);
    expect(md).toContain('#### Counterexamples changed (1)\n\n| pair | change | details | recorded |');
    expect(md).toContain(
      '| `b × msi-isolation` | changed | witness.result: "r1" → "r2"<br>trace op 2: op b → ok 1 → op b → ok 2 | ✓ |',
    );
  });
});
