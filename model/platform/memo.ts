import type { State } from './state.ts';

/**
 * A cache keyed by the parts of a State that the hardware sees — devices, groups, domains and
 * IRQs. States are immutable and share unchanged arrays, so a refused op (a new State object with
 * the same arrays) hits the cache. Pure memoisation: the same inputs always give the same value.
 */
export const structuralMemo = <T>(compute: (s: State) => T): ((s: State) => T) => {
  const root = new WeakMap<object, WeakMap<object, WeakMap<object, WeakMap<object, T>>>>();
  /** The map under `key` in `parent`, created on first use. */
  const child = <K extends object, V>(parent: WeakMap<K, V>, key: K, make: () => V): V => {
    const hit = parent.get(key);
    if (hit !== undefined) return hit;
    const made = make();
    parent.set(key, made);
    return made;
  };
  return (s) => {
    const byGroups = child(root, s.devices, () => new WeakMap());
    const byDomains = child(byGroups, s.groups, () => new WeakMap());
    const byIrqs = child(byDomains, s.domains, () => new WeakMap<object, T>());
    const hit = byIrqs.get(s.irqs);
    if (hit !== undefined) return hit;
    const v = compute(s);
    byIrqs.set(s.irqs, v);
    return v;
  };
};
