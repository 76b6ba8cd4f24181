import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkVerdict } from '../properties/gate.ts';
import { checkPair } from '../properties/pair.ts';
import { pairSeed, SEED } from '../properties/settings.ts';
import { getDesign } from '../spec/designs/load.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { classRank, WITNESS_CLASSES, weakerClass, witnessClass } from '../spec/invariants/witness-class.ts';
import type { Witness } from '../spec/invariants/witness-schema.ts';
import {
  COUNTEREXAMPLES_DIR,
  CounterexampleError,
  listCounterexamples,
  readCounterexample,
} from './store.ts';

const tmp = mkdtempSync(join(tmpdir(), 'msispec-class-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const write = (owner: string, what: string): Witness => ({
  kind: 'write',
  device: 0,
  bdf: '00:01.0',
  addr: '0x28000000',
  data: 1,
  outcome: { kind: 'interrupt' },
  reached: { owner, what, ...(what === 'irq' ? { irq: 1, device: 1 } : {}) },
  allowed: 'vm:0',
});

/** Issue 10 item 4: another owner's IRQ > a host device's IRQ > a host system vector or IPI > an unallocated identity. */
describe('witness strength classes (spec/invariants/witness-class.ts)', () => {
  it('classifies a write by what it reached (model/platform/attribution.ts attribute) and ranks the classes in the issue’s order', () => {
    expect(witnessClass(write('vm:1', 'irq'))).toBe('other-owner-irq');
    expect(witnessClass(write('userspace:0', 'irq'))).toBe('other-owner-irq');
    expect(witnessClass(write('host', 'irq'))).toBe('host-irq');
    expect(witnessClass(write('host', 'ipi'))).toBe('host-system');
    expect(witnessClass(write('host', 'system-vector'))).toBe('host-system');
    expect(witnessClass(write('host', 'machine-file'))).toBe('host-system');
    expect(witnessClass(write('host', 'unallocated'))).toBe('unallocated');
    expect(witnessClass(write('vm:1', 'guest-file'))).toBe('unallocated');
    expect(witnessClass({ kind: 'gate', group: 0, isolated: false, unsafe: false, result: '-EPERM' })).toBe(
      undefined,
    );
    const ranks = WITNESS_CLASSES.map(classRank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(weakerClass('host-system', 'host-irq')).toBe(true);
    expect(weakerClass('host-irq', 'host-system')).toBe(false);
    expect(weakerClass('unallocated', undefined)).toBe(false);
  });

  it('every stored write counterexample records its witness’s class, never weaker than the first failure found', () => {
    for (const f of listCounterexamples()) {
      const raw = JSON.parse(readFileSync(join(COUNTEREXAMPLES_DIR, f), 'utf8'));
      const c = readCounterexample(join(COUNTEREXAMPLES_DIR, f));
      expect(raw.violation.class, f).toBe(witnessClass(c.violation.witness));
      expect(weakerClass(c.violation.class, c.found.firstClass), f).toBe(false);
    }
  });

  it('a file from before classes gets its class on reading; a wrong class, or one weaker than the first failure, is refused naming $.violation.class', () => {
    const src = join(COUNTEREXAMPLES_DIR, 'msi-isolation/x86-amd-ir-ivrs-pass.json');
    const raw = JSON.parse(readFileSync(src, 'utf8'));
    const file = join(tmp, 'c.json');
    const { class: _, ...old } = raw.violation;
    writeFileSync(file, JSON.stringify({ ...raw, violation: old }));
    expect(readCounterexample(file).violation.class).toBe('host-system');
    writeFileSync(file, JSON.stringify({ ...raw, violation: { ...old, class: 'host-irq' } }));
    expect(() => readCounterexample(file)).toThrow(CounterexampleError);
    expect(() => readCounterexample(file)).toThrow(/\$\.violation\.class: must be "host-system"/);
    writeFileSync(file, JSON.stringify({ ...raw, found: { ...raw.found, firstClass: 'host-irq' } }));
    expect(() => readCounterexample(file)).toThrow(
      /\$\.violation\.class: "host-system" is weaker than the first failure found/,
    );
  });

  it('shrinking never ends on a weaker class than the first failure (properties/pair.ts checkPair): guest-containment × riscv-prepare-msi over ten seeds keeps every first class, one of them a device IRQ above the host IPI (seed 002 thread: guest devices must not reach host IMSICs)', () => {
    const design = getDesign('riscv-prepare-msi');
    const inv = getInvariant('guest-containment');
    const found = Array.from({ length: 10 }, (_, k) =>
      checkPair(design, inv, pairSeed(SEED + k, design.id, inv.id), 200),
    ).flatMap((r) => (r.violated ? [r] : []));
    expect(found).toHaveLength(10);
    for (const r of found) expect(weakerClass(witnessClass(r.violation.witness), r.firstClass)).toBe(false);
    const strong = found.filter((r) => classRank(r.firstClass) > classRank('host-system'));
    expect(strong.length).toBeGreaterThan(0);
    for (const r of strong) expect(witnessClass(r.violation.witness)).toBe(r.firstClass);
  });

  it('the gate fails a stored counterexample whose replay gives a weaker class than recorded (properties/gate.ts checkVerdict)', () => {
    const c = readCounterexample(join(COUNTEREXAMPLES_DIR, 'msi-isolation/x86-amd-ir-ivrs-pass.json'));
    const design = getDesign(c.design);
    const inv = getInvariant(c.invariant);
    const verdict = {
      verdict: 'violated',
      counterexample: 'msi-isolation/x86-amd-ir-ivrs-pass.json',
      note: 'n',
    } as const;
    expect(checkVerdict(design, inv, verdict, c, SEED, 1).ok).toBe(true);
    // As if the file had recorded a host device's IRQ: today's replay reaches only an NMI, a host system interrupt.
    const r = checkVerdict(
      design,
      inv,
      verdict,
      { ...c, violation: { ...c.violation, class: 'host-irq' } },
      SEED,
      1,
    );
    expect(r.ok).toBe(false);
    expect(r.why).toMatch(
      /now gives a weaker witness: a host system vector or IPI, not a host device's IRQ as recorded/,
    );
  });
});
