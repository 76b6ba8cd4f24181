import { describe, expect, it } from 'vitest';
import { formatJson } from './json.ts';

/** The tools write JSON that `npm run lint` (Biome, biome.json) accepts unchanged. */
describe('JSON as Biome formats it (biome.json: 2 spaces, width 110)', () => {
  it('objects one field per line, short primitive arrays inline, long ones and arrays of objects expanded', () => {
    expect(formatJson({ a: [1, 2], b: {}, c: [], d: [[1], [2, 3]], e: [{ f: 'g' }] })).toBe(
      '{\n  "a": [1, 2],\n  "b": {},\n  "c": [],\n  "d": [[1], [2, 3]],\n  "e": [\n    {\n      "f": "g"\n    }\n  ]\n}\n',
    );
    const long = Array.from({ length: 12 }, (_, i) => `value-${i}`);
    expect(formatJson({ k: long })).toBe(
      `{\n  "k": [\n${long.map((v) => `    "${v}"`).join(',\n')}\n  ]\n}\n`,
    );
  });
});
