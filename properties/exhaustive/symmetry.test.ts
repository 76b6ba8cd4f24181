import { describe, expect, it } from 'vitest';
import type { DesignCore } from '../../model/kernel/policy.ts';
import { build } from '../../model/platform/build.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import type { State } from '../../model/platform/state.ts';
import { step } from '../../model/platform/step.ts';
import { getDesign, loadDesigns } from '../../spec/designs/load.ts';
import { INVARIANTS } from '../../spec/invariants/index.ts';
import { exploreTopology } from './bfs.ts';
import { canonicalTopology, enumerateOps, scopeTopologies } from './enumerate.ts';
import { TRAITS } from './premise.ts';
import { ScopeSchema } from './scope.ts';
import { type Renaming, Symmetry } from './symmetry.ts';

/**
 * Symmetry reduction is sound when the model cannot tell a state from its renaming: stepping the
 * renamed state with the renamed op gives the renamed successor, and every invariant gives the
 * same verdict (Ip and Dill, "Better verification through symmetry", FMSD 1996, §3). These tests
 * check that on every state of a small scope of every design, so a kernel change that makes a
 * renaming observable fails here, not silently in a certificate.
 */
const values = { iova: ['0x1000', '0x8000000'] };
const scope = ScopeSchema.parse({
  name: 'symmetry-test',
  description: 'test',
  boxes: [{ harts: [1, 1], devices: [1, 1], vectors: [1, 1], vms: [0, 0], resv: [[]], depth: 2 }],
  values,
});
const stateInvariants = [...INVARIANTS.values()].filter((i) => TRAITS[i.id].judges === 'state');
const verdicts = (d: DesignCore, s: State): string[] =>
  stateInvariants.filter((i) => i.check(d, s).length > 0).map((i) => i.id);

/** Every state reachable in `depth` ops, deduplicated by fingerprint without any renaming. */
const reachable = (d: DesignCore, t: Topology, depth: number): State[] => {
  const sym = new Symmetry(
    { topologies: false, groups: false, owners: false, irqs: false, records: false },
    { nextIrq: 0 },
  );
  const ops = enumerateOps(t, values);
  const root = build(d, t);
  const seen = new Set<string>();
  const key = (s: State) => {
    const f = sym.canonical(s);
    return `${f.hi}:${f.lo}`;
  };
  seen.add(key(root));
  const out = [root];
  let frontier = [root];
  for (let l = 0; l < depth; l++) {
    const next: State[] = [];
    for (const s of frontier)
      for (const o of ops) {
        const n = step(s, o).state;
        if (seen.has(key(n))) continue;
        seen.add(key(n));
        next.push(n);
      }
    out.push(...next);
    frontier = next;
  }
  return out;
};

/**
 * Pairs (state, op) where the renaming is observable — a successor or a verdict differs — over
 * every state reachable in `depth` ops and every op from it.
 */
const observable = (
  d: DesignCore,
  t: Topology,
  depth: number,
  rename: Renaming,
  renameOp: (o: Op) => Op,
): { checked: number; differs: string[] } => {
  const sym = new Symmetry(scope.symmetry, build(d, t));
  const ops = enumerateOps(t, values);
  const differs: string[] = [];
  let checked = 0;
  for (const s of reachable(d, t, depth)) {
    const r = rename(s);
    if (r === s) continue;
    if (verdicts(d, r).join() !== verdicts(d, s).join())
      differs.push(`verdicts of a state: ${verdicts(d, s)}`);
    for (const o of ops) {
      checked++;
      const a = sym.canonical(step(s, o).state);
      const b = sym.canonical(step(r, renameOp(o)).state);
      if (a.hi !== b.hi || a.lo !== b.lo) differs.push(JSON.stringify(o));
    }
  }
  return { checked, differs };
};

const oneDevice = (harts: number, vms: number): Topology => ({
  harts,
  vms,
  devices: [{ bdf: '00:01.0', group: 0, vectors: 2, resv: [] }],
});
const swapOwnerOp = (o: Op): Op =>
  o.op === 'vfio_group_assign' && o.to === 'userspace' ? { ...o, owner: 1 - o.owner } : o;

describe('symmetry reduction is sound on every design (renamed states step and judge alike)', () => {
  for (const d of loadDesigns().values()) {
    it(`${d.id}: userspace owners 0 and 1 are interchangeable (vfio_group_assign owner, ownerKey)`, () => {
      const sym = new Symmetry(scope.symmetry, { nextIrq: 24 });
      const r = observable(d, oneDevice(1, 0), 1, (s) => sym.swapOwners(s), swapOwnerOp);
      // Without IOMMU_CAP_CACHE_COHERENCY __vfio_register_dev refuses every device: no owner exists.
      expect(r.checked > 0).toBe(d.policy.cacheCoherencyCap);
      expect(r.differs).toEqual([]);
    });
    it(`${d.id}: the last step's kernel events change nothing after it (step starts every step afresh)`, () => {
      const t = oneDevice(1, 1);
      const sym = new Symmetry(scope.symmetry, build(d, t));
      const r = observable(
        d,
        t,
        1,
        (s) => sym.dropRecords(s),
        (o) => o,
      );
      expect(r.checked).toBeGreaterThan(0);
      expect(r.differs).toEqual([]);
    });
    it(`${d.id}: Linux IRQ numbers renamed densely change nothing (irq_domain numbers are names)`, () => {
      const t = oneDevice(1, 1);
      const sym = new Symmetry(scope.symmetry, build(d, t));
      const r = observable(
        d,
        t,
        2,
        (s) => sym.normaliseIrqs(s),
        (o) => o,
      );
      expect(r.checked).toBeGreaterThan(0);
      expect(r.differs).toEqual([]);
    });
  }

  const twoGroups: Topology = {
    harts: 1,
    vms: 0,
    devices: [
      { bdf: '00:01.0', group: 0, vectors: 1, resv: [] },
      { bdf: '00:02.0', group: 1, vectors: 1, resv: [] },
    ],
  };
  const swapDeviceOp = (o: Op): Op => {
    const d = (i: number) => 1 - i;
    if ('group' in o) return { ...o, group: d(o.group) };
    if ('device' in o) return { ...o, device: d(o.device) };
    return o;
  };
  for (const d of loadDesigns().values()) {
    it(`${d.id}: two alike single-device groups are interchangeable (iommu_group ids and requester ids are names)`, () => {
      const sym = new Symmetry(scope.symmetry, build(d, twoGroups));
      const r = observable(d, twoGroups, 1, (s) => sym.swapFirstGroups(s), swapDeviceOp);
      expect(r.checked).toBeGreaterThan(0);
      expect(r.differs).toEqual([]);
    });
  }

  it('the check can fail: VMs 0 and 1 are not interchangeable on RISC-V guest files (kvm_riscv_aia_alloc_hgei)', () => {
    const d = getDesign('riscv-guest-files');
    // Every VM name swapped, wherever it is: keys "vm:0" / "vm:1" and { kind: 'vm', index } owners.
    const rename = (v: unknown): unknown => {
      if (v === 'vm:0' || v === 'vm:1') return v === 'vm:0' ? 'vm:1' : 'vm:0';
      if (typeof v !== 'object' || v === null) return v;
      if (Array.isArray(v)) return v.map(rename);
      if (v instanceof Map) return new Map([...v].map(([k, x]) => [rename(k), rename(x)]));
      if (v instanceof Set) return new Set([...v].map(rename));
      const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
      return o.kind === 'vm' && typeof o.index === 'number' ? { ...o, index: 1 - o.index } : o;
    };
    const swapVm = (s: State): State => {
      const { last: _path, ...rest } = s;
      return rename(rest) as State;
    };
    const swapVmOp = (o: Op): Op =>
      o.op === 'vfio_group_assign' && o.to === 'guest' ? { ...o, owner: 1 - o.owner } : o;
    const t: Topology = { ...oneDevice(1, 2), devices: [{ bdf: '00:01.0', group: 0, vectors: 1, resv: [] }] };
    expect(observable(d, t, 2, swapVm, swapVmOp).differs.length).toBeGreaterThan(0);
  });

  it('state invariants judge the state alone: the same verdict with `last` removed', () => {
    for (const d of loadDesigns().values()) {
      const t = oneDevice(2, 1);
      for (const s of reachable(d, t, 2)) {
        const { last: _path, ...bare } = s;
        expect(verdicts(d, bare)).toEqual(verdicts(d, s));
      }
    }
  });
});

describe('isomorphic topologies search alike (devices and groups renamed, their bdfs and direct regions with them)', () => {
  it('every topology of 2 devices, with its per-device direct regions, gives its canonical form’s states and verdicts', () => {
    const mk = (topologies: boolean) =>
      ScopeSchema.parse({
        name: 'iso-test',
        description: 'test',
        boxes: [
          { harts: [1, 1], devices: [2, 2], vectors: [1, 2], vms: [1, 1], resv: [[], ['direct']], depth: 1 },
        ],
        // directRegionPage(device): 0xd0000 + device, so both devices' direct pages are in the domain.
        values: { iova: ['0x1000', '0x8000000', '0xd0000000', '0xd0001000'] },
        symmetry: { topologies, groups: true, owners: true, irqs: true, records: true },
      });
    const raw = mk(false);
    const canon = mk(true);
    for (const id of [
      'arm-smmuv3-gicv3-its',
      'x86-vtd-ir',
      'riscv-prepare-msi',
      'direct-flag-dma-only',
    ] as const) {
      const d = getDesign(id);
      const sig = (t: Topology, s: typeof raw) => {
        const st = { topology: t, depth: 1, weight: 0, index: 0, values: s.values };
        const r = exploreTopology(d, st, s, [...INVARIANTS.values()], { maxStates: 1e6 });
        return `${r.distinct} ${Object.keys(r.violations).sort()} ${[...r.premises].sort()}`;
      };
      const rawTopologies = scopeTopologies(raw);
      expect(rawTopologies.length).toBeGreaterThan(scopeTopologies(canon).length);
      for (const { topology } of rawTopologies)
        expect(sig(topology, raw)).toBe(sig(canonicalTopology(topology), canon));
    }
  });
});
