import { describe, expect, it } from 'vitest';
import { getDesign } from '../../spec/designs/load.ts';
import { build } from '../platform/build.ts';
import { step } from '../platform/step.ts';
import { collisionProbability, Fingerprinter, FingerprintSet } from './fingerprint.ts';

/**
 * State fingerprints as TLC keeps them (Yu, Manolios and Lamport, "Model checking TLA+
 * specifications", CHARME 1999: 64-bit fingerprints, collision probability n²/2^65): equal plain
 * data is one fingerprint whatever its object identity, and unequal data differs.
 */
describe('structural fingerprints of plain immutable data', () => {
  const fpr = new Fingerprinter();
  const same = (a: unknown, b: unknown) => {
    const x = fpr.value(a);
    const y = fpr.value(b);
    return x.hi === y.hi && x.lo === y.lo;
  };

  it('equal data in distinct objects has one fingerprint; field order does not matter', () => {
    expect(same({ a: 1, b: [2n, 'x'] }, { b: [2n, 'x'], a: 1 })).toBe(true);
    expect(same(new Map([[1n, { ppn: 2n }]]), new Map([[1n, { ppn: 2n }]]))).toBe(true);
    // A field holding undefined is an absent field (exactOptionalPropertyTypes aside).
    expect(same({ a: 1, parent: undefined }, { a: 1 })).toBe(true);
  });

  it('unequal data differs: values, types, Map entry order, array order', () => {
    expect(same({ a: 1 }, { a: 2 })).toBe(false);
    expect(same({ a: 1 }, { a: 1n })).toBe(false);
    expect(same({ a: '1' }, { a: 1 })).toBe(false);
    expect(same([1, 2], [2, 1])).toBe(false);
    expect(
      same(
        new Map([
          [1, 'a'],
          [2, 'b'],
        ]),
        new Map([
          [2, 'b'],
          [1, 'a'],
        ]),
      ),
    ).toBe(false);
    expect(same(new Map(), new Set())).toBe(false);
    expect(same(2n ** 70n, 2n ** 70n + 1n)).toBe(false);
    expect(same(0.5, 0.25)).toBe(false);
  });

  it('a State is fingerprinted without `last`: the op that led to it is the path, not the state', () => {
    const d = getDesign('arm-smmuv3-gicv3-its');
    const t = { harts: 1, vms: 0, devices: [{ bdf: '00:01.0', group: 0, vectors: 1, resv: [] }] };
    const s = build(d, t);
    // A refused op: the same state with a `last` recording the refusal.
    const r = step(s, { op: 'vfio_group_release', group: 0 });
    expect(r.result.ok).toBe(false);
    expect(fpr.state(r.state)).toEqual(fpr.state(s));
    expect(fpr.state(step(s, { op: 'msi_domain_alloc_irqs', device: 0 }).state)).not.toEqual(fpr.state(s));
  });

  it('refuses what is not plain data rather than fingerprint it by identity', () => {
    class Box {
      constructor(readonly v: number) {}
    }
    expect(() => fpr.value({ x: new Box(1) })).toThrow(/not plain data \(a Box instance\)/);
    expect(() => fpr.value({ f: () => 1 })).toThrow(/a function is not plain data/);
  });

  it('the collision probability is TLC’s n(n-1)/2 / 2^64', () => {
    expect(collisionProbability(1)).toBe(0);
    expect(collisionProbability(2 ** 20)).toBeCloseTo((2 ** 20 * (2 ** 20 - 1)) / 2 / 2 ** 64, 20);
    expect(collisionProbability(1e6)).toBeLessThan(1e-7);
  });
});

describe('the fingerprint set', () => {
  it('adds each fingerprint once, through growth, the all-zero one included', () => {
    const set = new FingerprintSet(4);
    const before = set.bytes;
    for (let i = 0; i < 5000; i++) expect(set.add(i * 7919, i ^ 0x5bd1e995)).toBe(true);
    for (let i = 0; i < 5000; i++) expect(set.add(i * 7919, i ^ 0x5bd1e995)).toBe(false);
    expect(set.add(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
    expect(set.size).toBe(5001);
    expect(set.bytes).toBeGreaterThan(before);
    // At most half full: 8 bytes a slot, at least two slots per entry.
    expect(set.bytes).toBeGreaterThanOrEqual(set.size * 16);
  });
});
