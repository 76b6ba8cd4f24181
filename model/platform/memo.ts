import type { State } from './state.ts';

/**
 * A cache keyed by the parts of a State that the hardware sees — devices, groups, domains and
 * IRQs. States are immutable and share unchanged arrays, so a refused op (a new State object with
 * the same arrays) hits the cache. Pure memoisation: the same inputs always give the same value.
 */
export const structuralMemo = <T>(compute: (s: State) => T): ((s: State) => T) => {
  const root = new WeakMap<object, WeakMap<object, WeakMap<object, WeakMap<object, T>>>>();
  return (s) => {
    let a = root.get(s.devices);
    if (a === undefined) root.set(s.devices, (a = new WeakMap()));
    let b = a.get(s.groups);
    if (b === undefined) a.set(s.groups, (b = new WeakMap()));
    let c = b.get(s.domains);
    if (c === undefined) b.set(s.domains, (c = new WeakMap()));
    const hit = c.get(s.irqs);
    if (hit !== undefined) return hit;
    const v = compute(s);
    c.set(s.irqs, v);
    return v;
  };
};
