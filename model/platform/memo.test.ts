import { describe, expect, it } from 'vitest';
import { armIts, topo } from '../kernel/testing.ts';
import { build } from './build.ts';
import { internByContent, structuralMemo } from './memo.ts';

/** The platform caches (model/platform/memo.ts): pure memoisation, the same inputs always give the same value. */
describe('structuralMemo', () => {
  it('computes once per (devices, groups, domains, irqs) and again when any one of them changes', () => {
    const s = build(armIts(), topo([{}, {}]));
    let calls = 0;
    const f = structuralMemo((x) => {
      calls++;
      return { n: x.devices.length, calls };
    });
    const v = f(s);
    expect(v).toEqual({ n: 2, calls: 1 });
    expect(f({ ...s, nextIrq: 99, events: [] })).toBe(v);
    expect(calls).toBe(1);
    for (const change of [
      { devices: [...s.devices] },
      { groups: [...s.groups] },
      { domains: [...s.domains] },
      { irqs: [...s.irqs] },
    ]) {
      const before = calls;
      const w = f({ ...s, ...change });
      expect(w).not.toBe(v);
      expect(calls).toBe(before + 1);
    }
    // The changed arrays are new keys; the original ones still hit.
    expect(f(s)).toBe(v);
    const shared = { ...s, irqs: [...s.irqs] };
    expect(f(shared)).toBe(f(shared));
  });
});

describe('internByContent', () => {
  it('returns the first value seen with the same data, and a new value itself', () => {
    const intern = internByContent<{ a: number; m: Map<number, string> }>();
    const a = { a: 1, m: new Map([[1, 'x']]) };
    expect(intern(a)).toBe(a);
    expect(intern({ a: 1, m: new Map([[1, 'x']]) })).toBe(a);
    const b = { a: 2, m: new Map([[1, 'x']]) };
    expect(intern(b)).toBe(b);
    expect(intern({ m: new Map([[1, 'x']]), a: 2 })).toBe(b);
    expect(intern({ a: 1, m: new Map([[1, 'x']]) })).toBe(a);
  });

  it('keeps at most `limit` values and starts over when full', () => {
    const intern = internByContent<{ v: number }>(2);
    const v0 = { v: 0 };
    const v1 = { v: 1 };
    expect(intern(v0)).toBe(v0);
    expect(intern(v1)).toBe(v1);
    expect(intern({ v: 0 })).toBe(v0);
    expect(intern({ v: 1 })).toBe(v1);
    // Full: the third distinct value starts a new table, which holds it alone.
    const v2 = { v: 2 };
    expect(intern(v2)).toBe(v2);
    expect(intern({ v: 2 })).toBe(v2);
    const again = { v: 0 };
    expect(intern(again)).toBe(again);
  });
});
