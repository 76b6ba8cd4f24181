import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificatePath, readCertificate } from '../properties/exhaustive/certificate.ts';
import { REPO } from '../spec/repo.ts';
import { VERDICTS_FILE } from '../spec/verdicts.ts';
import { dataCopy, runCli } from './testing.ts';

/** Runs msispec in-process and checks what it prints and returns (issue 5: exit codes 0 / 1 / 2). */
const tmp = mkdtempSync(join(tmpdir(), 'msispec-cli-'));
const copies: string[] = [tmp];
afterAll(() => {
  for (const d of copies) rmSync(d, { recursive: true, force: true });
});
const copy = () => {
  const repo = dataCopy();
  copies.push(repo.root);
  return repo;
};

/** A cheap check: one design, one invariant, few runs, nothing written. */
const quick = ['--design', 'x86-amd-ir', '--invariant', 'msi-isolation', '--runs', '3', '--dry-run'];
const COMMANDS = ['check', 'replay', 'explain', 'report', 'accept', 'new-design', 'diff', 'conform'];

describe('msispec commands and exit codes (issue 5, CLI)', () => {
  it('help lists every command and exits 0', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toContain(`  ${c} `);
  });
  it('--help works on every command', async () => {
    for (const c of COMMANDS) {
      const r = await runCli([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.out).toContain(`usage: msispec ${c}`);
    }
  });
  it('check exits 0 when every verdict matches, printing the seed and the matrix', async () => {
    const r = await runCli(['check', ...quick]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/seed \d+, 3 runs per pair \(a partial gate: 1 of \d+ pairs\)/);
    expect(r.out).toContain('gate passed: 1 pair match spec/verdicts.json (partial gate)');
    expect(r.out).toContain('nothing written (--dry-run)');
  });
  it('check --json prints machine-readable results (format 1, the format msispec diff reads)', async () => {
    const r = await runCli(['check', ...quick, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      format: number;
      failed: number;
      results: { design: string; ok: boolean }[];
    };
    expect(j).toMatchObject({
      format: 1,
      failed: 0,
      results: [
        { design: 'x86-amd-ir', invariant: 'msi-isolation', ok: true, expected: 'holds', found: 'holds' },
      ],
    });
  });
  it('check shows each verdict’s strength from certificates/ in the matrix and in --json: exhaustive ✓, vacuous ✓∅ with its premise (issue 10 item 5, issue 11 "What to build" 2)', async () => {
    const args = [
      'check',
      '--design',
      'x86-amd-ir',
      '--invariant',
      'msi-isolation,msi-window-bounds',
      '--runs',
      '3',
      '--dry-run',
    ];
    const { states } = readCertificate(certificatePath('msi-isolation', 'x86-amd-ir')).search;
    const vacuous = readCertificate(certificatePath('msi-window-bounds', 'x86-amd-ir'));
    expect(vacuous.result).toBe('vacuous');
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^x86-amd-ir +✓ +✓∅   ci: ${states} states, ≤ 5 ops$`, 'm'));
    expect(r.out).toContain(`  2 msi-window-bounds: ${vacuous.premise}`);
    const j = JSON.parse((await runCli([...args, '--json'])).out) as { results: { strength: unknown }[] };
    expect(j.results.map((x) => x.strength)).toEqual([
      {
        kind: 'exhaustive',
        scope: 'ci',
        states,
        depth: 5,
        premise: readCertificate(certificatePath('msi-isolation', 'x86-amd-ir')).premise,
      },
      { kind: 'vacuous', scope: 'ci', states, depth: 5, premise: vacuous.premise },
    ]);
  });
  it('check exits 1 when a recorded counterexample no longer reproduces, with the report path and a replay command', async () => {
    const repo = copy();
    const file = join(repo.designs, 'x86-vtd-ir-nosid.json');
    const d = JSON.parse(readFileSync(file, 'utf8')) as { hardware: Record<string, unknown> };
    d.hardware.vtdSourceIdCheck = true;
    writeFileSync(file, JSON.stringify(d));
    const r = await runCli(
      [
        'check',
        '--design',
        'x86-vtd-ir-nosid',
        '--invariant',
        'msi-isolation',
        '--runs',
        '3',
        '--no-reports',
      ],
      { repo },
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('gate FAILED: 1 of 1 pairs differ from spec/verdicts.json');
    expect(r.out).toContain(
      '✗ x86-vtd-ir-nosid × msi-isolation: counterexamples/msi-isolation/x86-vtd-ir-nosid.json no longer violates msi-isolation',
    );
    expect(r.out).toContain('report: reports/msi-isolation/x86-vtd-ir-nosid.md');
    expect(r.out).toContain(
      'reproduce: npx msispec replay counterexamples/msi-isolation/x86-vtd-ir-nosid.json',
    );
  });
  it('check never overwrites a reviewed counterexample when a run finds the pair violated (nothing half-written)', async () => {
    const table = JSON.parse(readFileSync(VERDICTS_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    const row = table['riscv-hart-only-msi-table'] ?? {};
    row['msi-isolation'] = { verdict: 'holds' };
    const file = join(tmp, 'verdicts.json');
    writeFileSync(file, JSON.stringify(table));
    const stored = 'counterexamples/msi-isolation/riscv-hart-only-msi-table.json';
    const before = readFileSync(join(REPO.root, stored), 'utf8');
    const args = ['--design', 'riscv-hart-only-msi-table', '--invariant', 'msi-isolation', '--runs', '50'];
    const r = await runCli(['check', ...args, '--verdicts', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`kept the reviewed ${stored}`);
    expect(r.out).toContain('nothing written (--verdicts)');
    expect(readFileSync(join(REPO.root, stored), 'utf8')).toBe(before);
  });
  it('check --junit writes well-formed JUnit XML, and rewrites its own report', async () => {
    const file = join(tmp, 'gate.xml');
    expect((await runCli(['check', ...quick, '--junit', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/<testsuites[^>]*tests="1"[^>]*failures="0"/);
    expect((await runCli(['check', ...quick, '--junit', file])).code).toBe(0);
  });
  it('check on a copy brings reports/ up to date: a stale report is removed, the rest left untouched', async () => {
    const repo = copy();
    const stale = join(repo.reports, 'affinity-atomic', 'x86-amd-ir.md');
    mkdirSync(join(repo.reports, 'affinity-atomic'), { recursive: true });
    writeFileSync(stale, '# stale\n');
    const r = await runCli(
      ['check', '--design', 'x86-amd-ir', '--invariant', 'msi-isolation', '--runs', '3'],
      { repo },
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /reports\/: 0 written, 1 stale removed, \d+ unchanged \(-affinity-atomic\/x86-amd-ir\.md\)/,
    );
    expect(existsSync(stale)).toBe(false);
  });
  it('replay reproduces a stored counterexample and exits 0, tracing the witness hop by hop', async () => {
    const r = await runCli(['replay', 'counterexamples/msi-isolation/riscv-hart-only-msi-table.json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('vfio_group_assign');
    expect(r.out).toContain('seteipnum_le');
    expect(r.out).toContain('reproduces as recorded');
  });
  it('explain shows sources, knobs, verdicts and the path of one MSI', async () => {
    const r = await runCli(['explain', 'arm-smmuv3-gicv3-its']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('verdicts (spec/verdicts.json)');
    expect(r.out).toContain('how IRQ');
    expect(r.out).toContain('GITS_TRANSLATER');
  });
});

describe('msispec conform (docs/conformance-format.md, section 5: the runner contract)', () => {
  it('replays the corpus: one PASS line a case, the summary, exit 0', async () => {
    const r = await runCli(['conform', 'spec/conformance/gicv2m.json', 'spec/conformance/x86-compat.json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS v2m-spi\n');
    expect(r.out).toMatch(/\nconformance: (\d+) passed, 0 failed, 0 unsupported of \1\n$/);
  });
  it('prints MALFORMED lines with the file and JSON path and exits 2, running nothing', async () => {
    const file = join(tmp, 'bad-case.json');
    writeFileSync(
      file,
      '[{"id": "x", "source": "s", "derived": true, "arch": "mips", "write": {}, "expected": {}}]',
    );
    const r = await runCli(['conform', file]);
    expect(r.code).toBe(2);
    expect(r.out).toBe(
      `MALFORMED ${file}: $[0].arch: expected one of riscv-iommu, imsic, gicv3-its, gicv2m, vtd-ir, amd-ir, x86-compat, got "mips"\n`,
    );
  });
  it('needs at least one FILE (a usage error, exit 2)', async () => {
    const r = await runCli(['conform']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('conform needs at least one FILE');
  });
});

describe('bad input: one clear error naming the field and allowed values, exit 2 (issues 5 and 8)', () => {
  const bad = async (argv: string[], message: string | RegExp, env?: Record<string, string>) => {
    const r = await runCli(argv, env === undefined ? {} : { env });
    expect(r.code, `${argv.join(' ')} → ${r.err}`).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    if (typeof message === 'string') expect(r.err).toContain(message);
    else expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    return r;
  };
  it('an unknown command suggests the closest one', async () => {
    await bad(['chekc'], "unknown command 'chekc'; did you mean 'check'?");
  });
  it('an unknown flag names the allowed flags', async () => {
    await bad(['check', '--sede', '3'], 'unknown flag --sede; did you mean --seed?');
  });
  it('an unknown design id suggests the closest file of spec/designs', async () => {
    await bad(
      ['check', '--design', 'riscv-hart-only'],
      "unknown design 'riscv-hart-only'; did you mean 'riscv-hart-only-msi-table'?",
    );
    await bad(['explain', 'x86-vtd'], "did you mean 'x86-vtd-ir'?");
  });
  it('an unknown invariant id suggests the closest valid one', async () => {
    await bad(['check', '--invariant', 'msi-isolaton'], "did you mean 'msi-isolation'?");
  });
  it('--runs and --seed are integers in range: at most 100000 runs per pair, a 32-bit seed', async () => {
    await bad(['check', '--runs', 'many'], "--runs must be an integer, got 'many'");
    await bad(
      ['check', '--runs', '1000000000'],
      '--runs must be an integer from 1 to 100000, got "1000000000"',
    );
    await bad(['check', '--runs', '0'], '--runs must be an integer from 1 to 100000');
    await bad(['check', '--seed', '4294967296'], '--seed must be an integer from -2147483648 to 2147483647');
    await bad(['check', '--seed'], '--seed needs a value');
  });
  it('a bad MSISPEC_* value is refused, even for help', async () => {
    await bad(['help'], 'MSISPEC_RUNS must be an integer from 1 to 100000, got "lots"', {
      MSISPEC_RUNS: 'lots',
    });
    await bad(['check', '--help'], 'MSISPEC_SEED must be an integer', { MSISPEC_SEED: '1.5' });
  });
  it('--junit refuses inputs: a path under spec/ or counterexamples/, or an existing file msispec did not write', async () => {
    await bad(
      ['check', ...quick, '--junit', 'spec/verdicts.json'],
      'refused, it is under spec/, which holds inputs',
    );
    await bad(
      ['check', ...quick, '--junit', 'counterexamples/x.xml'],
      'refused, it is under counterexamples/',
    );
    await bad(
      ['check', ...quick, '--junit', 'package.json'],
      'refused, the file exists and is not a JUnit report msispec wrote',
    );
    await bad(['check', ...quick, '--junit', join(tmp, 'no', 'such', 'gate.xml')], 'no such folder');
  });
  it('duplicate ids on the command line run once', async () => {
    const r = await runCli(['check', ...quick, '--design', 'x86-amd-ir', '--json']);
    expect((JSON.parse(r.out) as { results: unknown[] }).results).toHaveLength(1);
  });
  it('a malformed counterexample file names the file and the JSON path', async () => {
    const file = join(tmp, 'bad.json');
    const good = JSON.parse(
      readFileSync('counterexamples/msi-isolation/riscv-hart-only-msi-table.json', 'utf8'),
    ) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...good, invariant: 'msi-isolaton' }));
    const r = await bad(['replay', file], `${file}: $.invariant:`);
    expect(r.err).toContain('"msi-isolation"');
  });
  it('a counterexample file that is not JSON, not a file or absent is refused with its path', async () => {
    const file = join(tmp, 'notjson.json');
    writeFileSync(file, '{ nope');
    await bad(['replay', file], `${file}: $: not valid JSON`);
    await bad(['replay', tmp], `${tmp}: $: not a regular file`);
    await bad(['replay', '/dev/zero'], '/dev/zero: $: not a regular file');
    await bad(['replay', join(tmp, 'absent.json')], 'absent.json: $: no such file');
  });
  it('a malformed verdict table names the pair', async () => {
    const file = join(tmp, 'verdicts.json');
    const table = JSON.parse(readFileSync(VERDICTS_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    const row = table['x86-amd-ir'] ?? {};
    row['msi-isolation'] = { verdict: 'maybe' };
    writeFileSync(file, JSON.stringify(table));
    await bad(
      ['check', ...quick, '--verdicts', file],
      /verdicts\.json: \$\.x86-amd-ir\.msi-isolation\.verdict/,
    );
  });
  it('replay without a file, or explain without a design, is a usage error', async () => {
    await bad(['replay'], 'replay takes exactly one FILE');
    await bad(['explain'], 'explain takes exactly one DESIGN id');
  });
});
