import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CounterexampleSchema } from '../counterexamples/schema.ts';
import { SCENARIO_VERSION } from '../model/platform/scenario.ts';
import { migrateCounterexample, migrateDesign, scenarioFiles } from './migrate-scenarios.ts';

/** The scenario-schema migration (model/platform/scenario.ts SCENARIO_VERSION; scripts/migrate-scenarios.ts). */
describe('scripts/migrate-scenarios.ts', () => {
  const v1 = {
    invariant: 'direct-mapped',
    design: 'direct-flag-dma-only',
    status: 'expected',
    scenario: {
      design: 'direct-flag-dma-only',
      topology: { harts: 1, devices: [{ bdf: '00:01.0', group: 0, vectors: 1, resv: ['direct'] }], vms: 0 },
      ops: [
        { op: 'iommu_attach_group', group: 0, domain: 'dma' },
        { op: 'vfio_group_assign', group: 0, backend: 'type1', to: 'userspace', owner: 0, unsafe: false },
      ],
    },
    violation: {
      afterOp: 1,
      witness: { kind: 'direct', device: 0, bdf: '00:01.0', region: 'r', problem: 'p' },
    },
    found: { seed: 1, path: '0', runs: 1, shrinks: 0 },
    bound: { harts: 1, devices: 1, groups: 1, ops: 2, vectors: 1 },
    date: '2026-11-21',
    msispec: '0.1.0',
  };

  it('a version-1 counterexample gets the version and iommu_attach_group becomes iommu_group_store_type (the sysfs type store), and then parses', () => {
    const out = migrateCounterexample(`${JSON.stringify(v1, null, 2)}\n`);
    expect(out).toContain('"scenario": {\n    "version": 2,\n    "design"');
    expect(out).toBeDefined();
    const c = JSON.parse(out ?? '{}');
    expect(c.scenario.version).toBe(SCENARIO_VERSION);
    expect(c.scenario.ops[0]).toEqual({ op: 'iommu_group_store_type', group: 0, domain: 'dma' });
    expect(CounterexampleSchema.safeParse(c).success).toBe(true);
    expect(migrateCounterexample(out ?? '')).toBeUndefined();
  });

  it('a design file has its canonical ops renamed in place, keeping its layout', () => {
    const text = '{\n  "ops": [{ "op": "iommu_attach_group", "group": 0, "domain": "identity" }]\n}\n';
    expect(migrateDesign(text)).toBe(
      '{\n  "ops": [{ "op": "iommu_group_store_type", "group": 0, "domain": "identity" }]\n}\n',
    );
    expect(migrateDesign(migrateDesign(text) ?? '')).toBeUndefined();
  });

  it('every committed counterexample and design is already at the current version', () => {
    const stale = scenarioFiles().filter(
      ([file, migrate]) => migrate(readFileSync(file, 'utf8')) !== undefined,
    );
    expect(stale.map(([f]) => f)).toEqual([]);
  });
});
