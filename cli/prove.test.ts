import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readCounterexample } from '../counterexamples/store.ts';
import { certificatePath, readCertificate } from '../properties/exhaustive/certificate.ts';
import { topologyWeight } from '../properties/exhaustive/enumerate.ts';
import { judgeCertificates } from '../properties/exhaustive/gate.ts';
import { loadScope } from '../properties/exhaustive/scope.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { witnessClass } from '../spec/invariants/witness-class.ts';
import { loadVerdicts } from '../spec/verdicts.ts';
import { main } from './main.ts';

/**
 * `msispec prove` (issue 11): exit 0 when every pair is certified within the scope, 1 when one
 * disagrees or is uncertified, 2 on bad input or a scope too large for memory; nothing written on
 * bad input. Runs in-process on the seconds-long `smoke` scope, writing only to temporary folders.
 */
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

const tmp = () => mkdtempSync(join(tmpdir(), 'msispec-prove-'));
const dirsOf = () => {
  const certificates = tmp();
  return { certificates, counterexamples: tmp(), args: ['--certificates', certificates] };
};
/** `msispec prove` on the smoke scope for `designs`, reading and writing only in `d`'s folders. */
const smoke = (designs: string, d: ReturnType<typeof dirsOf>, ...extra: string[]) => [
  'prove',
  '--scope',
  'smoke',
  '--design',
  designs,
  ...d.args,
  '--counterexamples',
  d.counterexamples,
  ...extra,
];
const files = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const f = join(e.parentPath, e.name);
        return [f.slice(dir.length), readFileSync(f, 'utf8')];
      }),
  );

describe('msispec prove', () => {
  it('--help describes the command and its flags', async () => {
    expect(await main(['prove', '--help'])).toBe(0);
    expect(stdout).toContain('usage: msispec prove');
    for (const f of ['--scope', '--shard', '--merge', '--gate', '--estimate']) expect(stdout).toContain(f);
    expect(await main(['help'])).toBe(0);
    expect(stdout).toContain('prove');
  });

  it('writes one certificate per invariant and exits 0 when every pair is certified (premises out of scope said)', async () => {
    const d = dirsOf();
    expect(await main(smoke('x86-amd-ir', d))).toBe(0);
    expect(stdout).toMatch(/x86-amd-ir: 2 topologies, \d+ states, \d+ steps, depth 2\/2/);
    expect(stdout).toMatch(/prove passed: \d+ certified, \d+ premise out of scope, 0 disagree/);
    expect(stdout).toContain('○ x86-amd-ir × direct-mapped: premise out of scope');
    expect(Object.keys(files(d.certificates))).toHaveLength(INVARIANT_IDS.length);
  });

  it('--gate reuses fresh certificates and recomputes none', async () => {
    const d = dirsOf();
    const args = smoke('x86-amd-ir', d);
    expect(await main(args)).toBe(0);
    const before = files(d.certificates);
    stdout = '';
    expect(await main([...args, '--gate'])).toBe(0);
    expect(stdout).toContain('prove 0 of 1 designs');
    expect(files(d.certificates)).toEqual(before);
  });

  it('--gate marks a re-recorded counterexample certified again from its fresh certificate, without searching', async () => {
    const d = dirsOf();
    const rel = 'msi-delivery/riscv-guest-files.json';
    mkdirSync(join(d.counterexamples, 'msi-delivery'));
    copyFileSync(join('counterexamples', rel), join(d.counterexamples, rel));
    const args = smoke('riscv-guest-files', d, '--invariant', 'msi-delivery');
    expect(await main(args)).toBe(0);
    const file = join(d.counterexamples, rel);
    const { certified: _mark, ...bare } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(bare));
    stdout = '';
    expect(await main([...args, '--gate'])).toBe(0);
    expect(stdout).toContain('prove 0 of 1 designs');
    expect(stdout).toContain(`${rel}: certified`);
    expect(JSON.parse(readFileSync(file, 'utf8')).certified.minimal).toBe('certified minimal within smoke');
  });

  it('a violated pair whose stored counterexample is not in the given folder is uncertified: exit 1', async () => {
    const d = dirsOf();
    expect(await main(smoke('riscv-guest-files', d, '--invariant', 'msi-delivery'))).toBe(1);
    expect(stdout).toMatch(
      /! riscv-guest-files × msi-delivery \(uncertified\): the stored counterexample .* is missing/,
    );
  });

  it('shards k/n and their merge give the certificates of the whole run', async () => {
    const whole = dirsOf();
    const base = ['prove', '--scope', 'smoke', '--design', 'arm-smmuv3-gicv3-its,x86-vtd-ir'];
    expect(await main(smoke('arm-smmuv3-gicv3-its,x86-vtd-ir', whole))).toBe(0);
    const parts = tmp();
    for (const k of [1, 2])
      expect(await main([...base, '--shard', `${k}/2`, '--out', join(parts, `${k}.json`)])).toBe(0);
    const merged = dirsOf();
    const m = ['prove', '--merge', join(parts, '1.json'), join(parts, '2.json'), ...merged.args];
    expect(await main([...m, '--counterexamples', merged.counterexamples])).toBe(0);
    expect(files(merged.certificates)).toEqual(files(whole.certificates));
    // Two shards of 1 topology each: neither holds the whole design.
    expect(JSON.parse(readFileSync(join(parts, '1.json'), 'utf8')).designs[0].topologies).toHaveLength(1);
  });
});

describe('msispec prove: bad input is exit 2, with nothing written', () => {
  it('an unknown scope name lists the shipped scopes', async () => {
    expect(await main(['prove', '--scope', 'smok'])).toBe(2);
    expect(stderr).toMatch(/no scope named 'smok' \(allowed: .*smoke/);
  });
  it('a malformed scope file names the file and the JSON path', async () => {
    const file = join(tmp(), 'scope.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'x', description: 'x', boxes: [{ harts: [2, 1] }], values: {} }),
    );
    expect(await main(['prove', '--scope', file])).toBe(2);
    expect(stderr).toContain(`${file}: $.boxes[0].harts`);
  });
  it('a malformed --shard, --shard without --out, and --out without --shard are refused', async () => {
    expect(await main(['prove', '--scope', 'smoke', '--shard', '3/2', '--out', 'x'])).toBe(2);
    expect(stderr).toContain("--shard must be k/n with 1 ≤ k ≤ n, got '3/2'");
    expect(await main(['prove', '--scope', 'smoke', '--shard', '1/2'])).toBe(2);
    expect(stderr).toContain('--shard needs --out FILE');
    expect(await main(['prove', '--scope', 'smoke', '--out', 'x'])).toBe(2);
  });
  it('an unknown design or invariant suggests the closest', async () => {
    expect(await main(['prove', '--design', 'x86-amd'])).toBe(2);
    expect(stderr).toContain("did you mean 'x86-amd-ir'?");
    expect(await main(['prove', '--invariant', 'msi-deliver'])).toBe(2);
    expect(stderr).toContain("did you mean 'msi-delivery'?");
  });
  it('merging an incomplete set of shards is refused', async () => {
    const parts = tmp();
    const out = join(parts, '1.json');
    expect(
      await main(['prove', '--scope', 'smoke', '--design', 'x86-amd-ir', '--shard', '1/2', '--out', out]),
    ).toBe(0);
    expect(await main(['prove', '--merge', out])).toBe(2);
    expect(stderr).toContain('--merge needs shards 1..2 of one run exactly once; got 1/2');
  });
  it('a scope projected beyond --max-memory is refused up front with its estimate, nothing written', async () => {
    const d = dirsOf();
    expect(
      await main(['prove', '--scope', 'smoke', '--design', 'x86-amd-ir', '--max-memory', '1', ...d.args]),
    ).toBe(2);
    expect(stderr).toMatch(
      /scope smoke on x86-amd-ir: projected ~\d+ states in its largest topology, ~\d+ MiB, above --max-memory 1 MiB/,
    );
    expect(files(d.certificates)).toEqual({});
  });
  it('--estimate prints the projection and runs nothing', async () => {
    const d = dirsOf();
    expect(await main(['prove', '--scope', 'smoke', '--design', 'x86-amd-ir', '--estimate', ...d.args])).toBe(
      0,
    );
    expect(stdout).toMatch(
      /x86-amd-ir: 2 topologies, ~\d+ states \(largest topology ~\d+\), ~\d+ MiB at the peak/,
    );
    expect(files(d.certificates)).toEqual({});
  });
});

/**
 * A scope for the witness-class tests: one hart, one VM, two devices (one or two groups), one
 * vector each, up to 3 ops. Within it guest-containment on riscv-prepare-msi has a 2-op
 * violation that only pends the host IPI and a 3-op one that raises the other device's host IRQ.
 */
const classScope = (dir: string, depth: number): string => {
  const file = join(dir, `classes-${depth}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name: `classes-${depth}`,
      description: 'one hart, one VM, one or two devices with one vector, a few ops',
      boxes: [{ harts: [1, 1], devices: [1, 2], vectors: [1, 1], vms: [1, 1], resv: [[]], depth }],
      values: { iova: ['0x1000'] },
    }),
  );
  return file;
};

describe('the stored counterexample is the least of the strongest witness class the search finds (issue 10 item 4, issue 11 item 3)', () => {
  const rel = 'guest-containment/riscv-prepare-msi.json';
  /** The pair's file as the random shrink stored it before witness classes: 2 ops, the host IPI. */
  const WEAK = join('cli', 'fixtures', 'guest-containment-riscv-prepare-msi-host-ipi.json');
  const args = (d: ReturnType<typeof dirsOf>, scope: string) => [
    'prove',
    '--scope',
    scope,
    '--design',
    'riscv-prepare-msi',
    '--invariant',
    'guest-containment',
    ...d.args,
    '--counterexamples',
    d.counterexamples,
  ];
  const seed = (d: ReturnType<typeof dirsOf>, from: string) => {
    mkdirSync(join(d.counterexamples, 'guest-containment'));
    copyFileSync(from, join(d.counterexamples, rel));
  };

  it('records the least violation of each class; replaces a stored host-IPI witness by the host-IRQ one, certified for its class, its bound raised; a second run leaves it (riscv-prepare-msi; seed 002 thread)', async () => {
    const d = dirsOf();
    seed(d, WEAK);
    expect(readCounterexample(join(d.counterexamples, rel)).violation.class).toBe('host-system');
    const scope = classScope(tmp(), 3);
    expect(await main(args(d, scope))).toBe(0);
    const cert = readCertificate(certificatePath('guest-containment', 'riscv-prepare-msi', d.certificates));
    // The least overall only pends the host IPI (2 ops, one device); a host IRQ needs the second device.
    expect(cert.counterexample?.ops).toHaveLength(2);
    expect(cert.counterexample === undefined ? undefined : witnessClass(cert.counterexample.witness)).toBe(
      'host-system',
    );
    expect(cert.classes?.['host-system']?.ops).toHaveLength(2);
    const irq = cert.classes?.['host-irq'];
    expect(irq?.ops).toHaveLength(3);
    expect(irq?.topology.devices).toHaveLength(2);
    expect(irq === undefined ? undefined : witnessClass(irq.witness)).toBe('host-irq');
    // Within 3 ops no write raises another owner's IRQ.
    expect(cert.classes?.['other-owner-irq']).toBeUndefined();
    const c = readCounterexample(join(d.counterexamples, rel));
    expect(c.violation.class).toBe('host-irq');
    expect(c.scenario.ops).toEqual(irq?.ops);
    expect(c.certified).toMatchObject({
      minimal: 'certified minimal within classes-3 for its class (host-irq)',
      class: 'host-irq',
      by: 'exhaustive',
      ops: 3,
    });
    expect(c.bound).toMatchObject({ devices: 2, groups: 2, ops: 3 });
    expect(c.bound?.note).toContain('raised by msispec prove');
    expect(stdout).toContain(`${rel}: replaced by the search's (3 ops`);
    expect(stdout).toContain("a host device's IRQ; was 2 ops");
    const [p] = judgeCertificates(
      loadVerdicts(),
      ['riscv-prepare-msi'],
      ['guest-containment'],
      loadScope(scope),
      d,
    );
    expect(p?.status).toBe('certified');
    expect(p?.why).toMatch(
      /certified minimal within classes-3 .* for its class \(a host device's IRQ\): 3 ops/,
    );
    const before = files(d.counterexamples);
    stdout = '';
    expect(await main(args(d, scope))).toBe(0);
    expect(files(d.counterexamples)).toEqual(before);
  });

  it('keeps, uncertified, a stored witness of a stronger class than any within the scope, and says which is kept and why (exit 1)', async () => {
    // The 4-op witness that raises the userspace-owned IRQ of the other device, from a depth-4 run.
    const deep = dirsOf();
    seed(deep, WEAK);
    expect(await main(args(deep, classScope(tmp(), 4)))).toBe(0);
    const strong = readCounterexample(join(deep.counterexamples, rel));
    expect(strong.violation.class).toBe('other-owner-irq');
    expect(strong.scenario.ops).toHaveLength(4);
    const d = dirsOf();
    seed(d, join(deep.counterexamples, rel));
    stdout = '';
    expect(await main(args(d, classScope(tmp(), 3)))).toBe(1);
    expect(stdout).toContain(
      "kept (4 ops, another owner's IRQ): the strongest witness within classes-3 is a host device's IRQ (3 ops)",
    );
    expect(stdout).toMatch(
      /! riscv-prepare-msi × guest-containment \(uncertified\): .* is not certified minimal within classes-3 for its class/,
    );
    expect(readCounterexample(join(d.counterexamples, rel)).scenario).toEqual(strong.scenario);
  });

  it('the gate fails a stored file of a weaker class than the certificate’s strongest, even when certified for its own', async () => {
    const d = dirsOf();
    seed(d, WEAK);
    const scope = classScope(tmp(), 3);
    expect(await main(args(d, scope))).toBe(0);
    // Put back the 2-op host-IPI file, marked certified for its class as prove would have marked it.
    const weak = readCounterexample(WEAK);
    const cert = readCertificate(certificatePath('guest-containment', 'riscv-prepare-msi', d.certificates));
    const mark = readCounterexample(join(d.counterexamples, rel)).certified;
    writeFileSync(
      join(d.counterexamples, rel),
      JSON.stringify({
        ...weak,
        certified: {
          ...mark,
          minimal: 'certified minimal within classes-3 for its class (host-system)',
          class: 'host-system',
          ops: 2,
          topologyWeight: topologyWeight(cert.classes?.['host-system']?.topology ?? weak.scenario.topology),
        },
      }),
    );
    const [p] = judgeCertificates(
      loadVerdicts(),
      ['riscv-prepare-msi'],
      ['guest-containment'],
      loadScope(scope),
      d,
    );
    expect(p?.status).toBe('uncertified');
    expect(p?.why).toMatch(
      /raises a host system vector or IPI, weaker than a host device's IRQ found within classes-3 .* in 3 ops/,
    );
  });
});
