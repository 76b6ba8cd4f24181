import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Writing the repository's data files (designs, verdicts, counterexamples, reports): JSON in the
 * format `npm run lint` (Biome, biome.json) accepts, and every file written atomically.
 */

const WIDTH = 110;
const INDENT = '  ';

type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json | undefined };

const isObject = (v: Json): v is { readonly [k: string]: Json | undefined } =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Width of a line as Biome counts it: one column per code point. */
const width = (s: string): number => [...s].length;

/** A number or string as Biome prints it (exponents without `+`: `1e21`). */
const scalar = (v: Json): string =>
  typeof v === 'number' ? JSON.stringify(v).replace('e+', 'e') : JSON.stringify(v);

const flat = (v: Json): string | undefined => {
  if (isObject(v)) return Object.keys(v).some((k) => v[k] !== undefined) ? undefined : '{}';
  if (Array.isArray(v)) {
    const items = v.map(flat);
    return items.some((i) => i === undefined) ? undefined : `[${items.join(', ')}]`;
  }
  return scalar(v);
};

/**
 * Prints `v` at `indent`, after `prefix` on the same line and before `suffix`. Biome's JSON style:
 * a non-empty object is kept one member per line; an array goes on one line when it holds no
 * object and the whole line fits in 110 columns, else one element per line (numbers fill lines).
 */
const print = (v: Json, indent: string, prefix: string, suffix: string): string => {
  const inner = indent + INDENT;
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (keys.length === 0) return `${indent}${prefix}{}${suffix}`;
    const members = keys.map((k, i) =>
      print(v[k] as Json, inner, `${JSON.stringify(k)}: `, i < keys.length - 1 ? ',' : ''),
    );
    return [`${indent}${prefix}{`, ...members, `${indent}}${suffix}`].join('\n');
  }
  if (Array.isArray(v)) {
    const one = flat(v);
    if (one !== undefined && width(`${indent}${prefix}${one}${suffix}`) <= WIDTH)
      return `${indent}${prefix}${one}${suffix}`;
    if (v.length > 0 && v.every((x) => typeof x === 'number')) {
      const lines: string[] = [];
      let line = '';
      v.forEach((x, i) => {
        const item = `${scalar(x)}${i < v.length - 1 ? ',' : ''}`;
        if (line !== '' && width(`${inner}${line} ${item}`) > WIDTH) {
          lines.push(`${inner}${line}`);
          line = item;
        } else line = line === '' ? item : `${line} ${item}`;
      });
      lines.push(`${inner}${line}`);
      return [`${indent}${prefix}[`, ...lines, `${indent}]${suffix}`].join('\n');
    }
    const items = v.map((x, i) => print(x, inner, '', i < v.length - 1 ? ',' : ''));
    return [`${indent}${prefix}[`, ...items, `${indent}]${suffix}`].join('\n');
  }
  return `${indent}${prefix}${scalar(v)}${suffix}`;
};

/** `value` as the JSON text Biome formats it to, ending in a newline. */
export const formatJson = (value: unknown): string => `${print(value as Json, '', '', '')}\n`;

/** The temporary file `writeAtomic` writes before renaming: `<file>.<pid>.tmp`. */
const TEMP = /\.(\d+)\.tmp$/;

/** Writes `text` to `file` atomically: a temporary file in the same folder, then a rename. */
export const writeAtomic = (file: string, text: string | Uint8Array): void => {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
};

/** Writes `value` as formatted JSON, atomically. */
export const writeJsonAtomic = (file: string, value: unknown): void => writeAtomic(file, formatJson(value));

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the temporary files a killed run left under `dirs` (`<file>.<pid>.tmp` whose process is
 * gone); returns them. A running msispec's own temporary files are left alone.
 */
export const removeStaleTemps = (dirs: readonly string[]): string[] => {
  const removed: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.')) walk(path);
        continue;
      }
      const pid = TEMP.exec(e.name)?.[1];
      if (pid !== undefined && !alive(Number(pid))) {
        rmSync(path, { force: true });
        removed.push(path);
      }
    }
  };
  for (const d of dirs) walk(d);
  return removed;
};
