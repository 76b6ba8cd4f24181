import { describe, expect, it } from 'vitest';
import { getDesign } from '../../spec/designs/load.ts';
import { build } from '../platform/build.ts';
import { step } from '../platform/step.ts';
import {
  collisionProbability,
  Fingerprinter,
  FingerprintSet,
  IdentityMemo,
  sameData,
} from './fingerprint.ts';

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

/**
 * The fingerprint's contract (TLC's, Yu, Manolios and Lamport, CHARME 1999): equal data, equal
 * fingerprints; data that differs in any one place, different fingerprints. Each pair below differs
 * in one place a hash could drop (a character at an odd position, a high word, a sign, an order).
 */
describe('distinct data, distinct fingerprints, place by place', () => {
  const fpr = new Fingerprinter();
  const same = (a: unknown, b: unknown) => {
    const x = fpr.value(a);
    const y = fpr.value(b);
    return x.hi === y.hi && x.lo === y.lo;
  };
  const distinct: [string, unknown, unknown][] = [
    ['strings differing at an odd position', 'ab', 'ac'],
    ['strings differing in order', 'ab', 'ba'],
    ['strings differing at the third character', 'abc', 'abd'],
    ['the empty string and one character', '', 'a'],
    ['a trailing NUL', 'a', 'a\0'],
    ['an integer and a fraction', 0, 0.5],
    ['2^32 and 0', 2 ** 32, 0],
    ['-(2^31)-1 and 2^31-1', -(2 ** 31) - 1, 2 ** 31 - 1],
    ['-1 and 1', -1, 1],
    ['bigint 2^32 and 0', 2n ** 32n, 0n],
    ['bigint 2^32 and 2^33', 2n ** 32n, 2n ** 33n],
    ['bigint 2^32 + 1 and 1', 2n ** 32n + 1n, 1n],
    ['bigint 2^53 and 2^53 + 1', 2n ** 53n, 2n ** 53n + 1n],
    ['bigint 2^64 and 2^96', 2n ** 64n, 2n ** 96n],
    ['bigint -5 and 5', -5n, 5n],
    ['bigint 2^70 and -(2^70)', 2n ** 70n, -(2n ** 70n)],
    ['bigint -(2^70) and -(2^71)', -(2n ** 70n), -(2n ** 71n)],
    ['bigint 2^70 and 2^71', 2n ** 70n, 2n ** 71n],
    ['bigint 2^70 and 2^70 + 1 (beyond a Number’s precision)', 2n ** 70n, 2n ** 70n + 1n],
    ['bigint -5 and 2^32 - 5 (one 32-bit word apart)', -5n, 2n ** 32n - 5n],
    ['floats differing in the low word only', 1 + 2 ** -52, 1 + 2 ** -51],
    ['bigint and number', 1n, 1],
    ['true and false', true, false],
    ['true and 1', true, 1],
    ['null and undefined', null, undefined],
    ['an empty and a one-element array', [], [1]],
    ['arrays of different length', [1], [1, 1]],
    ['a nested empty array', [[]], []],
    ['an empty and a one-entry Map', new Map(), new Map([[1, 1]])],
    ['a Map’s key and value swapped', new Map([[1, 2]]), new Map([[2, 1]])],
    ['an empty and a one-element Set', new Set(), new Set([1])],
    ['Set elements in another order', new Set([1, 2]), new Set([2, 1])],
    ['Sets of different elements', new Set([1]), new Set([2])],
    ['an empty Set and an empty array', new Set(), []],
    ['an empty object and an empty array', {}, []],
    ['values bound to other fields', { a: 1, b: 2 }, { a: 2, b: 1 }],
    ['the same value under another field', { a: 1 }, { b: 1 }],
    ['one field more', { a: 1 }, { a: 1, b: 1 }],
    ['a field’s nested value', { a: { b: [1n] } }, { a: { b: [2n] } }],
  ];
  for (const [what, a, b] of distinct)
    it(what, () => {
      expect(same(a, b)).toBe(false);
    });

  it('the same data is one fingerprint, memoised by identity or not', () => {
    for (const v of [
      'ab',
      2 ** 32,
      -(2 ** 31) - 1,
      0.5,
      2n ** 32n,
      2n ** 70n,
      -(2n ** 70n),
      -5n,
      [1, [2]],
      new Set([1]),
    ])
      expect(same(v, structuredClone(v))).toBe(true);
    const o = { a: [1] };
    expect(fpr.value(o)).toBe(fpr.value(o));
    expect(same(Object.assign(Object.create(null), { a: 1 }), { a: 1 })).toBe(true);
    expect(same({}, { a: undefined })).toBe(true);
  });

  it('symbols are not plain data', () => {
    expect(() => fpr.value(Symbol('s'))).toThrow('fingerprint: a symbol is not plain data');
    // An object whose prototype has no constructor is named as a class instance.
    expect(() => fpr.value(Object.create(Object.create(null)))).toThrow(
      'fingerprint: not plain data (a class instance)',
    );
  });

  it('a state skips `last` only', () => {
    expect(fpr.state({ a: 1, last: 2 })).toEqual(fpr.state({ a: 1 }));
    expect(fpr.state({ a: 1, next: 2 })).not.toEqual(fpr.state({ a: 1 }));
    expect(fpr.value({ a: 1, last: 2 })).not.toEqual(fpr.value({ a: 1 }));
  });
});

describe('feature masks', () => {
  // Bit 1 for any object, bit 2 for the string 'x' anywhere, bit 4 for a field named 'k', bit 8 for an empty array.
  const fpr = new Fingerprinter((key, v) => {
    let m = 0;
    if (
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      !(v instanceof Map) &&
      !(v instanceof Set)
    )
      m |= 1;
    if (v === 'x') m |= 2;
    if (key === 'k') m |= 4;
    if (Array.isArray(v) && v.length === 0) m |= 8;
    if (v === null) m |= 16;
    return m;
  });
  it('hold the classification of the value, its fields, its elements, its Map keys and values, its Set elements', () => {
    expect(fpr.value(['x']).mask).toBe(2);
    expect(fpr.value(['y']).mask).toBe(0);
    expect(fpr.value(new Map([['x', 1]])).mask).toBe(2);
    expect(fpr.value(new Map([[1, 'x']])).mask).toBe(2);
    expect(fpr.value(new Set(['x'])).mask).toBe(2);
    expect(fpr.value({ k: 1 }).mask).toBe(1 | 4);
    expect(fpr.value({ j: 'x' }).mask).toBe(1 | 2);
    expect(fpr.value([[{ j: 1 }]]).mask).toBe(1);
    expect(fpr.value(new Map([[1, { k: 1 }]])).mask).toBe(1 | 4);
    expect(fpr.value([]).mask).toBe(8);
    expect(fpr.value(new Map()).mask).toBe(0);
    expect(fpr.value('x').mask).toBe(0);
    // An empty array that classifies hashes as the unclassified one and keeps its own mask.
    expect(fpr.value([]).hi === new Fingerprinter().value([]).hi).toBe(true);
  });
  it('null elements, Map keys and values and Set elements are classified too', () => {
    expect(fpr.value([null]).mask).toBe(16);
    expect(fpr.value(new Map([[null, 1]])).mask).toBe(16);
    expect(fpr.value(new Map([[1, null]])).mask).toBe(16);
    expect(fpr.value(new Set([null])).mask).toBe(16);
    expect(fpr.value({ a: null }).mask).toBe(1 | 16);
  });
  it('a non-empty Map or Set with nothing classified has mask 0', () => {
    expect(fpr.value(new Map([[1, 2]])).mask).toBe(0);
    expect(fpr.value(new Set([1])).mask).toBe(0);
  });
});

describe('IdentityMemo', () => {
  it('keeps what is set outside a scratch period and forgets what is set during one', () => {
    const m = new IdentityMemo<number>();
    const kept = {};
    const passing = {};
    const inner = {};
    m.set(kept, 1);
    const seen = m.scratch(() => {
      m.set(passing, 2);
      const nested = m.scratch(() => {
        m.set(inner, 3);
        return [m.get(kept), m.get(passing), m.get(inner)];
      });
      // A nested period shares its outer one: what it set lasts until the outer period ends.
      return [...nested, m.get(inner)];
    });
    expect(seen).toEqual([1, 2, 3, 3]);
    expect([m.get(kept), m.get(passing), m.get(inner)]).toEqual([1, undefined, undefined]);
    expect(() =>
      m.scratch(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    m.set(passing, 4);
    expect(m.get(passing)).toBe(4);
  });
});

describe('collision probability and the fingerprint set’s geometry', () => {
  it('n(n-1)/2 / 2^64 exactly', () => {
    expect(collisionProbability(2)).toBe(2 ** -64);
    expect(collisionProbability(3)).toBe(3 * 2 ** -64);
    expect(collisionProbability(2 ** 20)).toBe(2 ** 19 * (2 ** 20 - 1) * 2 ** -64);
  });

  it('at least 1024 slots, at least twice the capacity, doubling past half full', () => {
    expect(new FingerprintSet(1).bytes).toBe(1024 * 8);
    expect(new FingerprintSet(512).bytes).toBe(1024 * 8);
    expect(new FingerprintSet(513).bytes).toBe(2048 * 8);
    expect(new FingerprintSet().bytes).toBe(8192 * 8);
    const set = new FingerprintSet(1);
    for (let i = 1; i <= 512; i++) set.add(i, i);
    expect(set.bytes).toBe(1024 * 8);
    set.add(513, 513);
    expect(set.bytes).toBe(2048 * 8);
    expect(set.size).toBe(513);
    for (let i = 1; i <= 513; i++) expect(set.add(i, i)).toBe(false);
    // Entries with a zero half survive the growth too, and growth adds nothing of its own.
    const z = new FingerprintSet(1);
    for (let i = 1; i <= 513; i++) z.add(0, i);
    expect([z.bytes, z.size]).toEqual([2048 * 8, 513]);
    for (let i = 1; i <= 513; i++) expect(z.add(0, i)).toBe(false);
    expect(z.size).toBe(513);
  });

  it('entries that hash to one slot are all kept (linear probing); (0, 0) is stored as (0, 1)', () => {
    const set = new FingerprintSet(1);
    // With 1024 slots the index is (lo ^ hi·φ) & 1023: (0, 5), (0, 1029) and (0, 2053) share slot 5.
    expect([set.add(0, 5), set.add(0, 1029), set.add(0, 2053)]).toEqual([true, true, true]);
    expect([set.add(0, 5), set.add(0, 1029), set.add(0, 2053)]).toEqual([false, false, false]);
    expect(set.add(0, 0)).toBe(true);
    expect(set.add(0, 1)).toBe(false);
    expect(set.add(1, 0)).toBe(true);
    expect(set.size).toBe(5);
  });
});

describe('sameData', () => {
  it('has the fingerprint’s notion of equality', () => {
    const o = { a: 1 };
    expect(sameData(o, o)).toBe(true);
    expect(sameData(1, 1)).toBe(true);
    expect(sameData(1, 2)).toBe(false);
    expect(sameData({ a: 1 }, 1)).toBe(false);
    expect(sameData(1, { a: 1 })).toBe(false);
    expect(sameData(null, {})).toBe(false);
    expect(sameData({}, null)).toBe(false);
    expect(sameData([1, [2]], [1, [2]])).toBe(true);
    expect(sameData([1], [1, 2])).toBe(false);
    expect(sameData([1, 2], [1, 3])).toBe(false);
    expect(sameData([], {})).toBe(false);
    expect(sameData({}, [])).toBe(false);
    expect(sameData(new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]]))).toBe(true);
    expect(
      sameData(
        new Map([
          [1, 1],
          [2, 2],
        ]),
        new Map([
          [1, 1],
          [2, 2],
        ]),
      ),
    ).toBe(true);
    expect(sameData(new Map([[1, 1]]), new Map([[2, 1]]))).toBe(false);
    expect(sameData(new Map([[1, 1]]), new Map([[1, 2]]))).toBe(false);
    expect(sameData(new Map([[1, 1]]), new Map())).toBe(false);
    expect(sameData(new Map(), new Set())).toBe(false);
    expect(sameData(new Map(), {})).toBe(false);
    expect(
      sameData(
        new Map([
          [1, 1],
          [2, 2],
        ]),
        new Map([
          [2, 2],
          [1, 1],
        ]),
      ),
    ).toBe(false);
    expect(sameData(new Set([1, 2]), new Set([1, 2]))).toBe(true);
    expect(sameData(new Set([1, 2]), new Set([2, 1]))).toBe(false);
    expect(sameData(new Set([1]), new Set([1, 2]))).toBe(false);
    expect(sameData(new Set(), [])).toBe(false);
    expect(sameData(new Set(), new Map())).toBe(false);
    expect(sameData({}, new Set())).toBe(false);
    expect(sameData({}, new Map())).toBe(false);
    expect(sameData({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameData({ a: 1 }, { a: 1, c: undefined })).toBe(true);
    expect(sameData({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameData({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameData({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameData({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
  });
});
