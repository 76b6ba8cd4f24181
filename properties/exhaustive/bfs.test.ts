import { describe, expect, it } from 'vitest';
import { build } from '../../model/platform/build.ts';
import { SCENARIO_VERSION, type Topology } from '../../model/platform/scenario.ts';
import type { State } from '../../model/platform/state.ts';
import { step } from '../../model/platform/step.ts';
import { Fingerprinter } from '../../model/types/fingerprint.ts';
import { getDesign } from '../../spec/designs/load.ts';
import { INVARIANTS } from '../../spec/invariants/index.ts';
import type { InvariantId } from '../../spec/invariants/types.ts';
import { replay } from '../../spec/replay.ts';
import { exploreTopology } from './bfs.ts';
import { enumerateOps } from './enumerate.ts';
import { proveDesign } from './prove.ts';
import { ScopeSchema } from './scope.ts';

const t: Topology = { harts: 1, vms: 1, devices: [{ bdf: '00:01.0', group: 0, vectors: 1, resv: [] }] };
const values = { iova: ['0x1000', '0x8000000'] };
const scopeOf = (depth: number, symmetry: boolean) =>
  ScopeSchema.parse({
    name: 'bfs-test',
    description: 'test',
    boxes: [{ harts: [1, 1], devices: [1, 1], vectors: [1, 1], vms: [1, 1], resv: [[]], depth }],
    values,
    symmetry: { topologies: symmetry, groups: symmetry, owners: symmetry, irqs: symmetry, records: symmetry },
  });
const invariants = [...INVARIANTS.values()];

/**
 * Every op sequence up to `depth`, without deduplication: the distinct states it reaches (by exact
 * fingerprint) and, per invariant, the fewest ops to its first violation — what a breadth-first
 * search with exact state deduplication must find (Clarke, Grumberg and Peled, Model Checking,
 * 1999, ch. 2: reachability by exhaustive enumeration).
 */
const bruteForce = (designId: Parameters<typeof getDesign>[0], depth: number) => {
  const d = getDesign(designId);
  const ops = enumerateOps(t, values);
  const fpr = new Fingerprinter();
  const states = new Set<string>();
  const shortest = new Map<InvariantId, number>();
  const visit = (s: State, n: number) => {
    const f = fpr.state(s);
    states.add(`${f.hi}:${f.lo}`);
    for (const inv of invariants)
      if (inv.check(d, s).length > 0 && (shortest.get(inv.id) ?? Number.POSITIVE_INFINITY) > n)
        shortest.set(inv.id, n);
    if (n < depth) for (const o of ops) visit(step(s, o).state, n + 1);
  };
  visit(build(d, t), 0);
  return { states: states.size, shortest };
};

describe('breadth-first search of one topology', () => {
  for (const id of ['riscv-no-msi-window', 'dma-iommu-mixed-domain', 'arm-smmuv3-gicv2m'] as const) {
    it(`${id}: the same distinct states and shortest violations as enumerating every op sequence (depth 3)`, () => {
      const want = bruteForce(id, 3);
      const got = exploreTopology(
        getDesign(id),
        { topology: t, depth: 3, weight: 0, index: 0, values },
        scopeOf(3, false),
        invariants,
        {
          maxStates: 1e6,
        },
      );
      expect(got.complete).toBe(true);
      expect(got.distinct).toBe(want.states);
      expect(Object.fromEntries(Object.entries(got.violations).map(([k, v]) => [k, v?.ops.length]))).toEqual(
        Object.fromEntries(want.shortest),
      );
    });
  }

  it('each violation’s ops replay to it: the invariant first fails after the last op (spec/replay.ts)', () => {
    const d = getDesign('dma-iommu-mixed-domain');
    const r = exploreTopology(
      d,
      { topology: t, depth: 3, weight: 0, index: 0, values },
      scopeOf(3, true),
      invariants,
      {
        maxStates: 1e6,
      },
    );
    expect(Object.keys(r.violations).length).toBeGreaterThan(0);
    for (const [id, v] of Object.entries(r.violations)) {
      const inv = INVARIANTS.get(id as InvariantId);
      if (v === undefined || inv === undefined) throw new Error(id);
      const rr = replay(d, { version: SCENARIO_VERSION, design: d.id, topology: t, ops: [...v.ops] }, [inv]);
      expect(rr.violation?.index).toBe(v.ops.length - 1);
      expect(rr.violation?.violation.witness.kind).toBe(v.witness.kind);
    }
  });

  it('symmetry reduction stores fewer states and finds the same violations at the same depth', () => {
    const d = getDesign('arm-smmuv3-gicv3-its');
    const st = { topology: t, depth: 3, weight: 0, index: 0, values };
    const off = exploreTopology(d, st, scopeOf(3, false), invariants, { maxStates: 1e6 });
    const on = exploreTopology(d, st, scopeOf(3, true), invariants, { maxStates: 1e6 });
    expect(on.distinct).toBeLessThan(off.distinct);
    const depths = (r: typeof on) =>
      Object.fromEntries(Object.entries(r.violations).map(([k, v]) => [k, v?.ops.length]));
    expect(depths(on)).toEqual(depths(off));
    expect([...on.premises].sort()).toEqual([...off.premises].sort());
  });

  it('a search over its state limit stops and says it is truncated', () => {
    const r = exploreTopology(
      getDesign('x86-vtd-ir'),
      { topology: t, depth: 4, weight: 0, index: 0, values },
      scopeOf(4, true),
      invariants,
      {
        maxStates: 50,
      },
    );
    expect(r.complete).toBe(false);
    expect(r.distinct).toBeLessThan(200);
  });

  it('a design search sums its topologies and keeps, per invariant, the lightest then shortest violation', () => {
    const scope = ScopeSchema.parse({
      name: 'bfs-test',
      description: 'test',
      boxes: [{ harts: [1, 1], devices: [1, 2], vectors: [1, 1], vms: [0, 0], resv: [[]], depth: 1 }],
      values,
    });
    const p = proveDesign(getDesign('riscv-no-msi-window'), scope, invariants);
    expect(p.topologies).toHaveLength(3);
    expect(p.distinct).toBe(p.topologies.reduce((n, x) => n + x.distinct, 0));
    expect(p.perLevel.reduce((n, x) => n + x, 0)).toBe(p.distinct);
    const v = p.pairs['stage-consistency'];
    // At boot, on the one-device topology (upstream RISC-V reports no MSI region; seed 000).
    expect(v?.result).toBe('violated');
    if (v?.result === 'violated') {
      expect(v.ops).toEqual([]);
      expect(v.topology.devices).toHaveLength(1);
    }
  });
});
