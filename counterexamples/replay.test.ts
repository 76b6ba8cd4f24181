import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDesign } from '../spec/designs/load.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { replay } from '../spec/replay.ts';
import { loadVerdicts } from '../spec/verdicts.ts';
import { COUNTEREXAMPLES_DIR, listCounterexamples, readCounterexample } from './store.ts';

/**
 * The smallest scenario found by hand for each stored counterexample (harts, devices, groups, ops;
 * every minimal case has one vector per device), and how far the shrinker may stay above it. A
 * shrunk file larger than its bound fails: shrinking got worse.
 */
const BOUNDS: Record<
  string,
  { harts: number; devices: number; groups: number; ops: number; slack?: string }
> = {
  // The shrinker kept a second, region-less device; msispec prove replaced it by the 1-device minimum.
  'direct-mapped/direct-flag-dma-only.json': { harts: 1, devices: 1, groups: 1, ops: 1 },
  // Certified minimal within the ci scope (msispec prove): no scenario of 1 or 2 ops violates it
  // there, and on one device it takes 4 ops.
  'guest-containment/arm-smmuv3-gicv2m.json': { harts: 1, devices: 2, groups: 2, ops: 3 },
  'guest-containment/riscv-hart-only-msi-table.json': { harts: 1, devices: 1, groups: 1, ops: 2 },
  'guest-containment/riscv-map-all-imsics.json': { harts: 1, devices: 1, groups: 1, ops: 1 },
  'guest-containment/riscv-prepare-msi.json': { harts: 1, devices: 1, groups: 1, ops: 2 },
  'guest-containment/riscv-s2-preferred.json': { harts: 1, devices: 1, groups: 1, ops: 1 },
  'guest-containment/x86-no-ir.json': { harts: 1, devices: 1, groups: 1, ops: 1 },
  'guest-containment/x86-vtd-ir-nosid.json': { harts: 1, devices: 2, groups: 2, ops: 2 },
  'msi-delivery/arm-nested-no-rmr.json': { harts: 1, devices: 1, groups: 1, ops: 2 },
  // The IOVA the hole allocator chose is lost by an iommufd replace: assign, allocate, replace.
  'domain-switch-continuity/dma-iommu-mixed-domain.json': { harts: 1, devices: 1, groups: 1, ops: 3 },
  'msi-delivery/dma-iommu-mixed-domain.json': { harts: 1, devices: 1, groups: 1, ops: 3 },
  'msi-delivery/riscv-guest-files.json': { harts: 1, devices: 1, groups: 1, ops: 2 },
  'msi-delivery/riscv-no-msi-window.json': { harts: 1, devices: 1, groups: 1, ops: 1 },
  'msi-delivery/riscv-resv-direct-relaxable.json': { harts: 1, devices: 1, groups: 1, ops: 2 },
  // Issue bound: 1 hart, 2 devices in 2 groups, 3 ops. The model finds smaller: the assigned
  // device's own MSI PTE exposes the host IPI (IMSIC_IPI_ID 1) on its hart.
  'msi-isolation/riscv-hart-only-msi-table.json': { harts: 1, devices: 1, groups: 1, ops: 2 },
  'msi-isolation/x86-vtd-ir-nosid.json': { harts: 1, devices: 2, groups: 2, ops: 2 },
  'msi-window-bounds/dma-iommu-mixed-domain.json': { harts: 1, devices: 1, groups: 1, ops: 2 },
  'stage-consistency/riscv-hart-only-msi-table.json': { harts: 1, devices: 1, groups: 1, ops: 0 },
  'stage-consistency/riscv-no-msi-window.json': { harts: 1, devices: 1, groups: 1, ops: 0 },
  'stage-consistency/riscv-resv-direct-relaxable.json': { harts: 1, devices: 1, groups: 1, ops: 0 },
};

const files = listCounterexamples();

describe('stored counterexamples replay (DESIGN.md style rule 7: every counterexample is kept and replayed)', () => {
  it('there is at least one stored counterexample and every one has a shrink bound', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => BOUNDS[f] === undefined)).toEqual([]);
  });

  for (const f of files) {
    it(`${f} parses, still violates its invariant with the same witness kind, and stays within its shrink bound`, () => {
      const c = readCounterexample(join(COUNTEREXAMPLES_DIR, f));
      const r = replay(getDesign(c.design), c.scenario, [getInvariant(c.invariant)]);
      expect(r.violation?.violation.witness.kind).toBe(c.violation.witness.kind);
      expect(r.violation?.index).toBe(c.violation.afterOp);
      const t = c.scenario.topology;
      const bound = BOUNDS[f];
      expect(bound).toBeDefined();
      if (bound === undefined) return;
      expect(t.harts).toBeLessThanOrEqual(bound.harts);
      expect(t.devices.length).toBeLessThanOrEqual(bound.devices);
      expect(new Set(t.devices.map((d) => d.group)).size).toBeLessThanOrEqual(bound.groups);
      expect(Math.max(...t.devices.map((d) => d.vectors))).toBe(1);
      expect(c.scenario.ops.length).toBeLessThanOrEqual(bound.ops);
    });
  }

  it('a file that fails to parse is reported with its path and the JSON field', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'msispec-ce-'));
    const src = JSON.parse(readFileSync(join(COUNTEREXAMPLES_DIR, files[0] ?? ''), 'utf8')) as Record<
      string,
      unknown
    >;
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...src, status: 'maybe' }));
    expect(() => readCounterexample(bad)).toThrow(/bad\.json: \$\.status: .*allowed: "expected", "new"/);
  });
});

describe('verdict table and corpus agree (issue 4: each violated pair has its counterexample file)', () => {
  const verdicts = loadVerdicts();
  it('every violated verdict names an existing file of its own pair, with status "expected"', () => {
    for (const [design, row] of Object.entries(verdicts)) {
      for (const [inv, v] of Object.entries(row)) {
        if (v.verdict !== 'violated') continue;
        expect(v.counterexample).toBe(`${inv}/${design}.json`);
        expect(files).toContain(v.counterexample);
        expect(readCounterexample(join(COUNTEREXAMPLES_DIR, v.counterexample)).status).toBe('expected');
      }
    }
  });
  it('every stored file is recorded as violated (a "new" file awaits review and fails this test)', () => {
    for (const f of files) {
      const c = readCounterexample(join(COUNTEREXAMPLES_DIR, f));
      expect(verdicts[c.design][c.invariant].verdict, f).toBe('violated');
    }
  });
});
