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

/**
 * The fingerprint agrees with sameData (the module's doc: "the same notion of equal as the
 * fingerprint"), whose first test is ===: 0 and -0 are one value, so one fingerprint. JavaScript
 * integers that do not fit 32 bits must not wrap onto others (ECMA-262 §7.1.6 ToInt32 truncates).
 */
describe('numbers: the 32-bit integer fast path', () => {
  const fpr = new Fingerprinter();
  const same = (a: unknown, b: unknown) => {
    const x = fpr.value(a);
    const y = fpr.value(b);
    return x.hi === y.hi && x.lo === y.lo;
  };
  it('0 and -0 are one fingerprint, as they are one value for sameData (===)', () => {
    expect(sameData(0, -0)).toBe(true);
    expect(same(0, -0)).toBe(true);
    expect(same({ a: [0] }, { a: [-0] })).toBe(true);
  });
  it('integers past 2^31 - 1 do not wrap as 32-bit words: 2^32, 2^33 and 3·2^32 are distinct', () => {
    expect(same(2 ** 32, 2 ** 33)).toBe(false);
    expect(same(2 ** 32, 3 * 2 ** 32)).toBe(false);
    expect(same(2 ** 32 + 1, 2 ** 33 + 1)).toBe(false);
  });
});

/**
 * The Classifier's contract (its doc in fingerprint.ts): called once on every object with key
 * undefined, on every primitive element of an array, Map or Set with key undefined, and on every
 * field's value with the field's name; on nothing that is not in the data.
 */
describe('the classifier is called once per object, per primitive element and per field', () => {
  const record = () => {
    const calls: [string | undefined, unknown][] = [];
    const fpr = new Fingerprinter((k, v) => {
      calls.push([k, v]);
      return 0;
    });
    return { calls, fpr };
  };
  it('an array: itself, each object element once (by its own call), each primitive element', () => {
    const { calls, fpr } = record();
    const inner = { a: 1 };
    const arr = [inner, 2, null];
    fpr.value(arr);
    expect(calls.length).toBe(5);
    expect(calls[0]?.[1]).toBe(arr);
    expect(calls[1]?.[1]).toBe(inner);
    expect(calls.slice(2)).toEqual([
      ['a', 1],
      [undefined, 2],
      [undefined, null],
    ]);
  });
  it('a Map: itself, each object key and value once, each primitive key and value; no entry pairs', () => {
    const { calls, fpr } = record();
    const key = { k: 1 };
    const val = { v: 1 };
    const m = new Map<unknown, unknown>([
      [key, val],
      [1, 'x'],
    ]);
    fpr.value(m);
    expect(calls.map(([, v]) => v)).toEqual([m, key, 1, val, 1, 1, 'x']);
    expect(calls[0]?.[1]).toBe(m);
    expect(calls[1]?.[1]).toBe(key);
    expect(calls[3]?.[1]).toBe(val);
    expect(calls.map(([k]) => k)).toEqual([undefined, undefined, 'k', undefined, 'v', undefined, undefined]);
    // No array is ever passed: a Map's entries are not arrays of the data.
    expect(calls.some(([, v]) => Array.isArray(v))).toBe(false);
  });
  it('a Set: itself, each object element once, each primitive element', () => {
    const { calls, fpr } = record();
    const inner = { s: 1 };
    const s = new Set<unknown>([inner, 2]);
    fpr.value(s);
    expect(calls.length).toBe(4);
    expect(calls[0]?.[1]).toBe(s);
    expect(calls[1]?.[1]).toBe(inner);
    expect(calls.slice(2)).toEqual([
      ['s', 1],
      [undefined, 2],
    ]);
  });
  it('the default classifier gives every value the mask 0, a number', () => {
    const fpr = new Fingerprinter();
    expect(fpr.value([]).mask).toBe(0);
    expect(fpr.value({}).mask).toBe(0);
    expect(fpr.value(new Map()).mask).toBe(0);
    expect(fpr.value({ a: [1] }).mask).toBe(0);
  });
});

describe('empty Maps and Sets that classify', () => {
  const fpr = new Fingerprinter((_k, v) => (v instanceof Map ? 1 : v instanceof Set ? 2 : 0));
  const plain = new Fingerprinter();
  it('keep their own mask and hash as the unclassified empty Map or Set', () => {
    const m = fpr.value(new Map());
    const s = fpr.value(new Set());
    expect(m.mask).toBe(1);
    expect(s.mask).toBe(2);
    const pm = plain.value(new Map());
    const ps = plain.value(new Set());
    expect([m.hi, m.lo]).toEqual([pm.hi, pm.lo]);
    expect([s.hi, s.lo]).toEqual([ps.hi, ps.lo]);
    // And a non-empty one hashes as its unclassified equal too.
    const m1 = fpr.value(new Map([[1, 2]]));
    const pm1 = plain.value(new Map([[1, 2]]));
    expect([m1.hi, m1.lo, m1.mask]).toEqual([pm1.hi, pm1.lo, 1]);
  });
});

/** The fingerprint set's contract (its doc): add is true exactly when (hi, lo) was not there yet. */
describe('the fingerprint set keeps every distinct pair', () => {
  it('(h, 0) and (h, 1) are two fingerprints when h is not 0; only (0, 0) is stored as (0, 1)', () => {
    const set = new FingerprintSet(1);
    expect(set.add(1, 0)).toBe(true);
    expect(set.add(1, 1)).toBe(true);
    expect(set.add(1, 0)).toBe(false);
    expect(set.add(1, 1)).toBe(false);
    expect(set.size).toBe(2);
  });
  it('pairs with the same low half and another high half in one probe chain are distinct', () => {
    const set = new FingerprintSet(1);
    // With 1024 slots the index is (lo ^ hi·φ) & 1023; 1024·φ has no low 10 bits, so (0, 5) and (1024, 5) share slot 5.
    expect(set.add(0, 5)).toBe(true);
    expect(set.add(1024, 5)).toBe(true);
    expect(set.add(1024, 5)).toBe(false);
    expect(set.size).toBe(2);
  });
  it('entries with a zero low half survive growth', () => {
    const set = new FingerprintSet(1);
    for (let i = 1; i <= 513; i++) expect(set.add(i, 0)).toBe(true);
    expect([set.bytes, set.size]).toEqual([2048 * 8, 513]);
    for (let i = 1; i <= 513; i++) expect(set.add(i, 0)).toBe(false);
    expect(set.size).toBe(513);
  });
});

/** sameData's contract (its doc): deep equality of plain data, with the fingerprint's notion of equal. */
describe('sameData tells apart', () => {
  it('an object and a primitive, either way round, even when the object has no fields', () => {
    expect(sameData({}, 1)).toBe(false);
    expect(sameData(1, {})).toBe(false);
    expect(sameData('', {})).toBe(false);
    expect(sameData({}, true)).toBe(false);
  });
  it('a Map and a longer Map that starts with its entries', () => {
    expect(
      sameData(
        new Map([[1, 1]]),
        new Map([
          [1, 1],
          [2, 2],
        ]),
      ),
    ).toBe(false);
    expect(
      sameData(
        new Map([
          [1, 1],
          [2, 2],
        ]),
        new Map([[1, 1]]),
      ),
    ).toBe(false);
  });
  it('Sets and objects that agree in one place and differ in another', () => {
    expect(sameData(new Set([1, 2]), new Set([1, 3]))).toBe(false);
    expect(sameData({ a: 1, b: 2 }, { a: 1, b: 3 })).toBe(false);
  });
});
