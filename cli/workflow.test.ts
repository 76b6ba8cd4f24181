import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkVerdict } from '../properties/gate.ts';
import { loadGateData } from '../properties/gate-data.ts';
import { failureMessage } from '../properties/gate-suite.ts';
import { formatJson } from '../spec/data-file.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import type { Repo } from '../spec/repo.ts';
import { dataCopy, runCli, treeHash } from './testing.ts';

/**
 * The review workflow on copies of the data (issue 8): accept records what the model finds and
 * writes every file in the repository's format; a gate failure leads to its report and to a
 * command that reproduces it; new-design keeps the derived fields consistent.
 */
const copies: Repo[] = [];
afterAll(() => {
  for (const r of copies) rmSync(r.root, { recursive: true, force: true });
});
const copy = (): Repo => {
  const r = dataCopy();
  copies.push(r);
  return r;
};
const setKnob = (repo: Repo, design: string, part: 'hardware' | 'policy', knob: string, value: unknown) => {
  const file = join(repo.designs, `${design}.json`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  (json[part] as Record<string, unknown>)[knob] = value;
  writeFileSync(file, formatJson(json));
};
const formatted = (file: string) => {
  const text = readFileSync(file, 'utf8');
  expect(formatJson(JSON.parse(text)), file).toBe(text);
};

describe('msispec accept (issue 8)', () => {
  it('a pair whose counterexample no longer reproduces is recorded as holding; its file and reports are removed', async () => {
    const repo = copy();
    setKnob(repo, 'x86-vtd-ir-nosid', 'hardware', 'vtdSourceIdCheck', true);
    const r = await runCli(['accept', 'msi-isolation/x86-vtd-ir-nosid'], { repo });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('no longer reproduces; it and its reports are removed');
    expect(JSON.parse(readFileSync(repo.verdicts, 'utf8'))['x86-vtd-ir-nosid']['msi-isolation']).toEqual({
      verdict: 'holds',
    });
    for (const f of [
      'counterexamples/msi-isolation/x86-vtd-ir-nosid.json',
      'reports/msi-isolation/x86-vtd-ir-nosid.md',
    ])
      expect(existsSync(join(repo.root, f)), f).toBe(false);
    formatted(repo.verdicts);
    expect(readFileSync(join(repo.reports, 'index.md'), 'utf8')).not.toContain(
      'msi-isolation/x86-vtd-ir-nosid.md',
    );
  });

  it('a new violation is recorded with the note given, its file marked reviewed with its size bound, its report re-rendered', async () => {
    const repo = copy();
    setKnob(repo, 'x86-vtd-ir', 'hardware', 'vtdSourceIdCheck', false);
    const found = await runCli(
      ['check', '--design', 'x86-vtd-ir', '--invariant', 'msi-isolation', '--runs', '50'],
      { repo },
    );
    expect(found.code).toBe(1);
    const file = join(repo.counterexamples, 'msi-isolation', 'x86-vtd-ir.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).status).toBe('new');
    formatted(file);
    const r = await runCli(
      ['accept', 'msi-isolation/x86-vtd-ir', '--note', 'without the SID check any IRTE handle is reachable'],
      { repo },
    );
    expect(r.code, r.err).toBe(0);
    const c = JSON.parse(readFileSync(file, 'utf8'));
    expect(c.status).toBe('expected');
    expect(c.bound).toMatchObject({
      ops: c.scenario.ops.length,
      devices: c.scenario.topology.devices.length,
    });
    formatted(file);
    expect(JSON.parse(readFileSync(repo.verdicts, 'utf8'))['x86-vtd-ir']['msi-isolation']).toEqual({
      verdict: 'violated',
      counterexample: 'msi-isolation/x86-vtd-ir.json',
      note: 'without the SID check any IRTE handle is reachable',
    });
    expect(readFileSync(join(repo.reports, 'msi-isolation', 'x86-vtd-ir.md'), 'utf8')).toContain(
      '**Verdict:** violated, as recorded in `spec/verdicts.json`. without the SID check any IRTE handle is reachable.',
    );
    const again = await runCli(
      ['check', '--design', 'x86-vtd-ir', '--invariant', 'msi-isolation', '--runs', '50'],
      { repo },
    );
    expect(again.code, again.out).toBe(0);
  });

  it('a vacuous ✓ records the note given and keeps it when accepted again; --note on a ✓ that is not vacuous is refused and nothing is written (issue 10 item 5)', async () => {
    const repo = copy();
    const note = 'the interrupt window is decoded untranslated, so no MSI page is mapped';
    const r = await runCli(['accept', 'msi-window-bounds/x86-vtd-ir', '--note', note], { repo });
    expect(r.code, r.err).toBe(0);
    const row = () => JSON.parse(readFileSync(repo.verdicts, 'utf8'))['x86-vtd-ir'];
    expect(row()['msi-window-bounds']).toEqual({ verdict: 'holds', note });
    formatted(repo.verdicts);
    expect(readFileSync(join(repo.reports, 'index.md'), 'utf8')).toContain(note);
    expect((await runCli(['accept', 'msi-window-bounds/x86-vtd-ir'], { repo })).code).toBe(0);
    expect(row()['msi-window-bounds']).toEqual({ verdict: 'holds', note });
    const pair = ['--design', 'x86-vtd-ir', '--invariant', 'msi-window-bounds', '--runs', '5'];
    const matrix = await runCli(['check', ...pair], { repo });
    expect(matrix.out).toContain(`     x86-vtd-ir: ${note}`);
    const junit = join(repo.root, 'junit.xml');
    const json = await runCli(['check', ...pair, '--json', '--junit', junit], { repo });
    expect(JSON.parse(json.out).results[0]).toMatchObject({ strength: { kind: 'vacuous' }, note });
    expect(readFileSync(junit, 'utf8')).toContain(`<property name="note" value="${note}"/>`);
    const before = treeHash(repo.root);
    const refused = await runCli(['accept', 'msi-isolation/x86-vtd-ir', '--note', note], { repo });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      "--note on msi-isolation/x86-vtd-ir: a holding verdict's note says why its premise never arises, and certificates/msi-isolation/x86-vtd-ir.json is not vacuous",
    );
    expect(treeHash(repo.root)).toBe(before);
  });

  it('accepting what is already recorded changes nothing', async () => {
    const repo = copy();
    const before = treeHash(repo.root);
    const r = await runCli(['accept', 'msi-isolation/riscv-hart-only-msi-table'], { repo });
    expect(r.code).toBe(0);
    expect(r.out).toContain('already recorded');
    expect(treeHash(repo.root)).toBe(before);
    expect((await runCli(['accept', '--all-new'], { repo })).out).toContain('nothing to accept');
  });
});

describe('failure lines lead somewhere (issue 8)', () => {
  it('a holding pair found violated: check names the report it wrote and a reproduce command that finds the same ops; the vitest message shows the shrunk ops', async () => {
    const repo = copy();
    setKnob(repo, 'x86-vtd-ir', 'hardware', 'vtdSourceIdCheck', false);
    const r = await runCli(
      ['check', '--design', 'x86-vtd-ir', '--invariant', 'guest-containment', '--runs', '50'],
      { repo },
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ x86-vtd-ir × guest-containment: expected holds, found a counterexample');
    expect(r.out).toContain('report: reports/guest-containment/x86-vtd-ir.md');
    expect(existsSync(join(repo.reports, 'guest-containment', 'x86-vtd-ir.md'))).toBe(true);
    const ops = r.out.split('\n').filter((l) => /^ {6} +\d+\. /.test(l));
    expect(ops.length).toBeGreaterThan(0);
    const command = /reproduce: npx msispec (.+)$/m.exec(r.out)?.[1] ?? '';
    expect(command).toBe('check --design x86-vtd-ir --invariant guest-containment --seed 20261121 --runs 50');
    const again = await runCli(command.split(' '), { repo });
    expect(again.code).toBe(1);
    expect(again.out.split('\n').filter((l) => /^ {6} +\d+\. /.test(l))).toEqual(ops);

    const data = loadGateData(repo);
    const design = data.designs.get('x86-vtd-ir');
    if (design === undefined) throw new Error('no design');
    const pair = checkVerdict(
      design,
      getInvariant('guest-containment'),
      { verdict: 'holds' },
      undefined,
      20261121,
      50,
    );
    const message = failureMessage(pair, 20261121, 50);
    for (const l of ops) expect(message).toContain(l.trim());
    expect(message).toContain(
      'reproduce: npx msispec check --design x86-vtd-ir --invariant guest-containment',
    );
  });
});

describe('msispec new-design (issue 8)', () => {
  it('copies a design with a knob changed, derives the canonical expectations from the model, and refuses a second knob for the isolation claim', async () => {
    const repo = copy();
    const r = await runCli(
      [
        'new-design',
        'riscv-no-msi-window-iommufd',
        '--from',
        'riscv-no-msi-window',
        '--set',
        'policy.cacheCoherencyCap=true',
      ],
      { repo },
    );
    expect(r.code, r.err).toBe(0);
    const file = join(repo.designs, 'riscv-no-msi-window-iommufd.json');
    formatted(file);
    const d = JSON.parse(readFileSync(file, 'utf8'));
    expect(d.policy.cacheCoherencyCap).toBe(true);
    // The original's op 1 (VFIO assignment) was refused for want of IOMMU_CAP_CACHE_COHERENCY; now it succeeds.
    expect(d.canonical.refusals).toEqual([]);
    expect(r.out).toContain('(on riscv-no-msi-window: refused ops [1: EINVAL]');
    const claim = await runCli(
      ['new-design', 'x', '--from', 'x86-amd-ir', '--set', 'claims.isolatedMsi=false'],
      { repo },
    );
    expect(claim.code).toBe(2);
    expect(claim.err).toContain('the isolation claim is one knob, policy.isolatedMsiClaim');
    expect(existsSync(join(repo.designs, 'x.json'))).toBe(false);
  });
});
