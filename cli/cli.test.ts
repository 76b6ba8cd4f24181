import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VERDICTS_FILE } from '../spec/verdicts.ts';
import { main } from './main.ts';

/** Runs msispec in-process and captures what it prints (issue 5: exit codes 0 / 1 / 2). */
let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const tmp = () => mkdtempSync(join(tmpdir(), 'msispec-cli-'));
/** A cheap check: one design, one invariant, few runs, nothing written. */
const quick = ['--design', 'x86-amd-ir', '--invariant', 'msi-isolation', '--runs', '3', '--no-reports'];

describe('msispec commands and exit codes (issue 5, CLI)', () => {
  it('help lists every command and exits 0', async () => {
    expect(await main(['help'])).toBe(0);
    for (const c of ['check', 'replay', 'explain', 'report', 'conform']) expect(stdout).toContain(c);
  });
  it('--help works on every command', async () => {
    for (const c of ['check', 'replay', 'explain', 'report', 'conform'])
      expect(await main([c, '--help'])).toBe(0);
    expect(stdout).toContain('usage: msispec check');
    expect(stdout).toContain('usage: msispec replay FILE');
  });
  it('check exits 0 when every verdict matches, printing the seed and the matrix', async () => {
    expect(await main(['check', ...quick])).toBe(0);
    expect(stdout).toMatch(/seed \d+, 3 runs per pair/);
    expect(stdout).toContain('gate passed: 1 pairs match');
  });
  it('check --json prints machine-readable results', async () => {
    expect(await main(['check', ...quick, '--json'])).toBe(0);
    const r = JSON.parse(stdout) as { failed: number; results: { design: string; ok: boolean }[] };
    expect(r).toMatchObject({
      failed: 0,
      results: [{ design: 'x86-amd-ir', invariant: 'msi-isolation', ok: true }],
    });
  });
  it('check exits 1 and lists the differing pair when a recorded counterexample no longer reproduces', async () => {
    const table = JSON.parse(readFileSync(VERDICTS_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    const row = table['x86-amd-ir'] ?? {};
    row['msi-isolation'] = {
      verdict: 'violated',
      counterexample: 'msi-isolation/x86-vtd-ir-nosid.json',
      note: 'test: a wrong verdict',
    };
    const file = join(tmp(), 'verdicts.json');
    writeFileSync(file, JSON.stringify(table));
    expect(await main(['check', ...quick, '--verdicts', file])).toBe(1);
    expect(stdout).toContain('gate FAILED: 1 of 1 pairs differ');
    expect(stdout).toContain(
      '✗ x86-amd-ir × msi-isolation: msi-isolation/x86-vtd-ir-nosid.json no longer violates msi-isolation',
    );
  });
  it('check never overwrites a reviewed counterexample when a run finds the pair violated (nothing half-written)', async () => {
    const table = JSON.parse(readFileSync(VERDICTS_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    const row = table['riscv-hart-only-msi-table'] ?? {};
    row['msi-isolation'] = { verdict: 'holds' };
    const file = join(tmp(), 'verdicts.json');
    writeFileSync(file, JSON.stringify(table));
    const stored = 'counterexamples/msi-isolation/riscv-hart-only-msi-table.json';
    const before = readFileSync(stored, 'utf8');
    const args = [
      '--design',
      'riscv-hart-only-msi-table',
      '--invariant',
      'msi-isolation',
      '--runs',
      '50',
      '--no-reports',
    ];
    expect(await main(['check', ...args, '--verdicts', file])).toBe(1);
    expect(stdout).toContain(`kept the reviewed ${stored}`);
    expect(readFileSync(stored, 'utf8')).toBe(before);
  });
  it('check --junit writes well-formed JUnit XML', async () => {
    const file = join(tmp(), 'gate.xml');
    expect(await main(['check', ...quick, '--junit', file])).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/<testsuites[^>]*tests="1"[^>]*failures="0"/);
  });
  it('replay reproduces a stored counterexample and exits 0, tracing the witness hop by hop', async () => {
    expect(await main(['replay', 'counterexamples/msi-isolation/riscv-hart-only-msi-table.json'])).toBe(0);
    expect(stdout).toContain('vfio_group_assign');
    expect(stdout).toContain('seteipnum_le');
    expect(stdout).toContain('reproduces as recorded');
  });
  it('explain shows sources, knobs, verdicts and the path of one MSI', async () => {
    expect(await main(['explain', 'arm-smmuv3-gicv3-its'])).toBe(0);
    expect(stdout).toContain('verdicts (spec/verdicts.json)');
    expect(stdout).toContain('how IRQ');
    expect(stdout).toContain('GITS_TRANSLATER');
  });
});

describe('msispec conform (docs/conformance-format.md, section 5: the runner contract)', () => {
  it('replays the corpus: one PASS line a case, the summary, exit 0', async () => {
    expect(await main(['conform', 'spec/conformance/gicv2m.json', 'spec/conformance/x86-compat.json'])).toBe(
      0,
    );
    expect(stdout).toContain('PASS v2m-spi\n');
    expect(stdout).toMatch(/\nconformance: (\d+) passed, 0 failed, 0 unsupported of \1\n$/);
  });
  it('prints MALFORMED lines with the file and JSON path and exits 2, running nothing', async () => {
    const file = join(tmp(), 'bad.json');
    writeFileSync(
      file,
      '[{"id": "x", "source": "s", "derived": true, "arch": "mips", "write": {}, "expected": {}}]',
    );
    expect(await main(['conform', file])).toBe(2);
    expect(stdout).toBe(
      `MALFORMED ${file}: $[0].arch: expected one of riscv-iommu, imsic, gicv3-its, gicv2m, vtd-ir, amd-ir, x86-compat, got "mips"\n`,
    );
  });
  it('needs at least one FILE (a usage error, exit 2)', async () => {
    expect(await main(['conform'])).toBe(2);
    expect(stderr).toContain('conform needs at least one FILE');
  });
});

describe('bad input: one clear error naming the field and allowed values, exit 2 (issue 5)', () => {
  it('an unknown command suggests the closest one', async () => {
    expect(await main(['chekc'])).toBe(2);
    expect(stderr).toContain("unknown command 'chekc'; did you mean 'check'?");
  });
  it('an unknown flag names the allowed flags', async () => {
    expect(await main(['check', '--sede', '3'])).toBe(2);
    expect(stderr).toContain('unknown flag --sede; did you mean --seed?');
  });
  it('an unknown design id suggests the closest valid one and lists them', async () => {
    expect(await main(['check', '--design', 'riscv-hart-only'])).toBe(2);
    expect(stderr).toContain("unknown design 'riscv-hart-only'; did you mean 'riscv-hart-only-msi-table'?");
    expect(await main(['explain', 'x86-vtd'])).toBe(2);
    expect(stderr).toContain("did you mean 'x86-vtd-ir'?");
  });
  it('an unknown invariant id suggests the closest valid one', async () => {
    expect(await main(['check', '--invariant', 'msi-isolaton'])).toBe(2);
    expect(stderr).toContain("did you mean 'msi-isolation'?");
  });
  it('a non-integer --runs or --seed is refused', async () => {
    expect(await main(['check', '--runs', 'many'])).toBe(2);
    expect(stderr).toContain("--runs must be an integer, got 'many'");
    expect(await main(['check', '--seed'])).toBe(2);
    expect(stderr).toContain('--seed needs a value');
  });
  it('a malformed counterexample file names the file and the JSON path', async () => {
    const file = join(tmp(), 'bad.json');
    const good = JSON.parse(
      readFileSync('counterexamples/msi-isolation/riscv-hart-only-msi-table.json', 'utf8'),
    ) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...good, invariant: 'msi-isolaton' }));
    expect(await main(['replay', file])).toBe(2);
    expect(stderr).toContain(`${file}: $.invariant:`);
    expect(stderr).toContain('"msi-isolation"');
  });
  it('a counterexample file that is not JSON is refused with its path', async () => {
    const file = join(tmp(), 'notjson.json');
    writeFileSync(file, '{ nope');
    expect(await main(['replay', file])).toBe(2);
    expect(stderr).toContain(`${file}: $: not valid JSON`);
  });
  it('a malformed verdict table names the pair', async () => {
    const file = join(tmp(), 'verdicts.json');
    const table = JSON.parse(readFileSync(VERDICTS_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    const row = table['x86-amd-ir'] ?? {};
    row['msi-isolation'] = { verdict: 'maybe' };
    writeFileSync(file, JSON.stringify(table));
    expect(await main(['check', ...quick, '--verdicts', file])).toBe(2);
    expect(stderr).toMatch(/verdicts\.json: \$\.x86-amd-ir\.msi-isolation\.verdict/);
  });
  it('replay without a file, or explain without a design, is a usage error', async () => {
    expect(await main(['replay'])).toBe(2);
    expect(await main(['explain'])).toBe(2);
    expect(stderr).toContain('replay takes exactly one FILE');
  });
});
