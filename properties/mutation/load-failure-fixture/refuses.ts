// A module that throws on import, as a mutated module-level schema can (load-failure.test.ts).
const known = new Set(['a']);
if (!known.has('b')) throw new Error('module refused to load');
export const isKnown = (name: string): boolean => known.has(name);
