import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OP_KINDS, OpSchema, type Topology } from '../../model/platform/scenario.ts';
import {
  canonicalTopology,
  EnumerationError,
  enumerateOps,
  inShard,
  opKinds,
  scopeTopologies,
  topologyWeight,
} from './enumerate.ts';
import { loadScope, ScopeError, ScopeSchema, scopeNames } from './scope.ts';

const topo = (t: Partial<Topology> & Pick<Topology, 'devices'>): Topology => ({ harts: 1, vms: 0, ...t });
const dev = (group: number, vectors = 1, bdf = '00:01.0') => ({ bdf, group, vectors, resv: [] });

/**
 * Op enumeration is derived from the Op schema (model/platform/scenario.ts), so every op the kernel
 * layer defines is searched (iommufd_device_bind/attach, vfio_iommu_type1_attach_group and the
 * rest), and a field the scope cannot bound stops the search instead of being skipped.
 */
describe('ops of a topology, from the Op schema', () => {
  const t = topo({ harts: 2, vms: 1, devices: [dev(0, 2), dev(1, 1, '00:02.0')] });
  const ops = enumerateOps(t, { iova: ['0x1000', '0x8000000'] });

  it('every op kind of the schema is enumerated', () => {
    expect(opKinds()).toEqual([...OP_KINDS]);
    expect(new Set(ops.map((o) => o.op))).toEqual(new Set(OP_KINDS));
  });

  it('fields take every value of their domain: enums, booleans, bounded ints, indices, the scope’s IOVAs', () => {
    const assigns = ops.filter((o) => o.op === 'vfio_group_assign');
    // 2 groups × 2 backends × (userspace: owners 0, 1; guest: VM 0 only) × unsafe 2.
    expect(assigns).toHaveLength(2 * 2 * 3 * 2);
    expect(assigns.some((o) => o.to === 'guest' && o.owner === 1)).toBe(false);
    const maps = ops.filter((o) => o.op === 'iommu_map');
    expect(maps.map((o) => `${o.group}@${o.iova}`)).toEqual([
      '0@0x1000',
      '0@0x8000000',
      '1@0x1000',
      '1@0x8000000',
    ]);
    // A vector names one of its device's vectors: device 0 has 2, device 1 has 1.
    const aff = ops.filter((o) => o.op === 'irq_set_affinity');
    expect(aff.map((o) => `${o.device}.${o.vector}>${o.hart}`)).toEqual([
      '0.0>0',
      '0.0>1',
      '0.1>0',
      '0.1>1',
      '1.0>0',
      '1.0>1',
    ]);
  });

  it('no duplicates, and the order is stable', () => {
    const keys = ops.map((o) => JSON.stringify(o));
    expect(new Set(keys).size).toBe(keys.length);
    expect(enumerateOps(t, { iova: ['0x1000', '0x8000000'] })).toEqual(ops);
  });

  it('a string field without a value domain is refused, naming the op and field', () => {
    expect(() => enumerateOps(t, {})).toThrow(EnumerationError);
    expect(() => enumerateOps(t, {})).toThrow(/op iommu_map, field iova: a string with no value domain/);
  });

  it('an unbounded integer or an unknown field type is refused, naming the op and field', () => {
    const unbounded = z.object({ op: z.literal('iommufd_ioas_alloc'), ioas: z.number().int().min(0) });
    const record = z.object({ op: z.literal('iommu_map_range'), flags: z.array(z.string()) });
    expect(() => enumerateOps(t, {}, [unbounded])).toThrow(
      /op iommufd_ioas_alloc, field ioas: a number without a small finite range/,
    );
    expect(() => enumerateOps(t, {}, [record])).toThrow(/op iommu_map_range, field flags: a array field/);
  });
});

describe('topologies of a scope', () => {
  const scope = ScopeSchema.parse({
    name: 't',
    description: 'test',
    boxes: [
      { harts: [1, 1], devices: [1, 2], vectors: [1, 2], vms: [0, 0], resv: [[], ['direct']], depth: 3 },
      { harts: [1, 1], devices: [1, 1], vectors: [1, 1], vms: [0, 0], resv: [[]], depth: 5 },
    ],
    values: { iova: ['0x1000'] },
  });
  const all = scopeTopologies(scope);

  it('one topology per isomorphism class (groups and devices renamed), lightest first', () => {
    // Device specs: vectors {1, 2} × resv {none, direct} = 4. One device: 4 classes; two devices
    // in one group or in two: multisets of 2 of 4 specs = 10 each.
    expect(all).toHaveLength(4 + 10 + 10);
    const keys = all.map((t) => JSON.stringify(canonicalTopology(t.topology)));
    expect(new Set(keys).size).toBe(all.length);
    for (const [i, t] of all.entries()) {
      expect(t.index).toBe(i);
      expect(t.weight).toBe(topologyWeight(t.topology));
      if (i > 0) expect(t.weight).toBeGreaterThanOrEqual(all[i - 1]?.weight ?? 0);
    }
  });

  it('a topology in two boxes takes the deeper depth', () => {
    const one = all.find(
      (t) =>
        t.topology.devices.length === 1 &&
        t.topology.devices[0]?.vectors === 1 &&
        t.topology.devices[0]?.resv.length === 0,
    );
    expect(one?.depth).toBe(5);
    expect(all.filter((t) => t.depth === 5)).toHaveLength(1);
  });

  it('isomorphic topologies have one canonical form', () => {
    const a = topo({ devices: [dev(0, 2), dev(1, 1, '00:02.0'), dev(0, 1, '00:03.0')] });
    const b = topo({ devices: [dev(0, 1), dev(1, 2, '00:02.0'), dev(1, 1, '00:03.0')] });
    expect(canonicalTopology(a)).toEqual(canonicalTopology(b));
    expect(canonicalTopology(canonicalTopology(a))).toEqual(canonicalTopology(a));
  });

  it('shards k/n partition the topologies: disjoint, and together all of them', () => {
    const n = 3;
    const parts = [1, 2, 3].map((k) => all.filter((t) => inShard(t, { k, n })).map((t) => t.index));
    expect(parts.flat().sort((x, y) => x - y)).toEqual(all.map((t) => t.index));
    expect(new Set(parts.flat()).size).toBe(all.length);
  });
});

describe('scopes by name or file', () => {
  it('the shipped scopes load, each with a description', () => {
    expect(scopeNames()).toContain('ci');
    for (const name of scopeNames()) expect(loadScope(name).description.length).toBeGreaterThan(0);
  });
  it('an unknown scope name lists the known ones', () => {
    expect(() => loadScope('cii')).toThrow(ScopeError);
    expect(() => loadScope('cii')).toThrow(/no scope named 'cii' \(allowed: .*ci/);
  });
});

describe('the ci scope covers the type1 → iommufd reassignment (issue 9)', () => {
  it('its topology and each of its 5 ops are in the ci scope (vfio_iommu_type1_attach_group, then iommufd_device_bind / attach / replace on the same owner)', () => {
    const ci = loadScope('ci');
    const topology = canonicalTopology(topo({ devices: [dev(0)] }));
    const scoped = scopeTopologies(ci).find((t) => JSON.stringify(t.topology) === JSON.stringify(topology));
    expect(scoped?.depth).toBeGreaterThanOrEqual(5);
    const ops = enumerateOps(topology, scoped?.values ?? {}).map((o) => JSON.stringify(o));
    const assign = { op: 'vfio_group_assign', group: 0, to: 'userspace', owner: 0, unsafe: false } as const;
    for (const o of [
      { ...assign, backend: 'type1' },
      { op: 'vfio_group_release', group: 0 },
      { ...assign, backend: 'iommufd' },
      { op: 'msi_domain_alloc_irqs', device: 0 },
      { op: 'iommu_replace_domain', group: 0 },
    ])
      expect(ops).toContain(JSON.stringify(OpSchema.parse(o)));
  });
});
