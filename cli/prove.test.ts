import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeCounterexample } from '../counterexamples/store.ts';
import { classified, witnessClass } from '../counterexamples/witness-class.ts';
import { certificatePath, readCertificate } from '../properties/exhaustive/certificate.ts';
import { checkPair } from '../properties/pair.ts';
import { pairSeed, SEED } from '../properties/settings.ts';
import { getDesign } from '../spec/designs/load.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { main } from './main.ts';
import { strongerStored } from './prove.ts';

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
    expect(Object.keys(files(d.certificates))).toHaveLength(13);
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

describe('a stored counterexample is never replaced by a weaker witness (issue 10 item 4)', () => {
  it('prove keeps a stored host-IRQ witness over the least violation within ci that only pends the host IPI, and says which is kept and why (guest-containment × riscv-prepare-msi; seed 002 thread)', () => {
    const design = getDesign('riscv-prepare-msi');
    const inv = getInvariant('guest-containment');
    const found = checkPair(design, inv, pairSeed(SEED, design.id, inv.id), 200);
    if (!found.violated)
      throw new Error('the random search finds guest-containment violated on riscv-prepare-msi');
    const dir = tmp();
    writeCounterexample(
      {
        invariant: inv.id,
        design: design.id,
        status: 'new',
        scenario: found.scenario,
        violation: classified({ afterOp: found.index, witness: found.violation.witness }),
        found: {
          seed: found.seed,
          path: found.path,
          runs: found.runs,
          shrinks: found.shrinks,
          firstClass: 'host-irq',
        },
        date: '2026-12-02',
        msispec: '0.1.0',
      },
      dir,
    );
    const least = readCertificate(certificatePath(inv.id, design.id)).counterexample;
    if (least === undefined) throw new Error('the ci certificate holds the least violation');
    expect(witnessClass(least.witness)).toBe('host-system');
    const why = strongerStored(design.id, inv.id, least.witness, least.ops.length, 'ci', dir);
    expect(why).toMatch(
      new RegExp(
        `kept \\(\\d+ ops, a host device's IRQ\\), not certified: the least violation within ci \\(${least.ops.length} ops\\) raises only a host system vector or IPI`,
      ),
    );
    // A least violation as strong as the stored one is certified or replaces it as before.
    expect(strongerStored(design.id, inv.id, found.violation.witness, 9, 'ci', dir)).toBeUndefined();
  });
});
