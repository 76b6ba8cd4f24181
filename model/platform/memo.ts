import { Fingerprinter, sameData } from '../types/fingerprint.ts';
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

/**
 * Interning by content: `intern(v)` returns the first value seen with the same data as `v` (same
 * fingerprint, then compared exactly with sameData, so a fingerprint collision can never merge two
 * values), else `v` itself. Equal values then share one identity, and caches keyed by identity
 * (WeakMap) hit across states whose derived values are equal. The table keeps at most `limit`
 * values and starts over when full: a cache, never a source of truth.
 */
export const internByContent = <T extends object>(limit = 1 << 12): ((v: T) => T) => {
  const fpr = new Fingerprinter();
  let table = new Map<string, T[]>();
  let size = 0;
  return (v) => {
    // Most values are met again (a hit): their fingerprints are not worth keeping; a value that
    // joins the table is fingerprinted again to keep, so values sharing its parts find them.
    const f = fpr.memo.scratch(() => fpr.value(v));
    // Stryker disable next-line StringLiteral: the key only buckets; the table never holds two values with the same data, so sameData finds the same one in any bucketing
    const key = `${f.hi}:${f.lo}`;
    const known = table.get(key);
    const hit = known?.find((x) => sameData(x, v));
    if (hit !== undefined) return hit;
    fpr.value(v);
    if (size >= limit) {
      table = new Map();
      size = 0;
    }
    table.set(key, [...(table.get(key) ?? []), v]);
    size++;
    return v;
  };
};
