/**
 * JSON text as Biome formats it (biome.json: 2 spaces, line width 110), so files the tools write
 * pass `npm run lint` unchanged: non-empty objects one field per line; an array of primitives (or
 * of arrays of them) on one line when it fits, else one element per line.
 */
const WIDTH = 110;

const flat = (v: unknown): boolean =>
  v === null ||
  typeof v !== 'object' ||
  (Array.isArray(v) &&
    v.every((x) => x === null || typeof x !== 'object' || (Array.isArray(x) && x.every(flat))));

const inline = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(inline).join(', ')}]` : JSON.stringify(v);

const format = (v: unknown, indent: string, prefix: number): string => {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const one = inline(v);
    // `prefix`: the columns before the value on its line; the trailing comma may follow it.
    if (v.every(flat) && prefix + one.length + 1 <= WIDTH) return one;
    return `[\n${v.map((x) => `${inner}${format(x, inner, inner.length)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries
    .map(([k, x]) => {
      const key = `${inner}${JSON.stringify(k)}: `;
      return `${key}${format(x, inner, key.length)}`;
    })
    .join(',\n')}\n${indent}}`;
};

/** `value` as Biome-formatted JSON text, with a final newline. */
export const formatJson = (value: unknown): string => `${format(value, '', 0)}\n`;
