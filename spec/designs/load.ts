import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseWith } from '../../model/types/validate.ts';
import { droppedField, InputFileError, readDataFile, unknownId } from '../input-error.ts';
import { REPO } from '../repo.ts';
import { type Design, DesignSchema, MOVED_FIELDS } from './schema.ts';

/** A design file that failed to load: which file, and the first error in it. */
export class DesignError extends InputFileError {}

export const DESIGNS_DIR = REPO.designs;

/**
 * Parses one design file; a file that fails validation is rejected whole, with the JSON path. A
 * field the schema does not know is an error too (a misspelt knob must not be ignored).
 */
export const loadDesignFile = (file: string): Design => {
  let raw: unknown;
  try {
    raw = JSON.parse(readDataFile(file));
  } catch (e) {
    if (e instanceof InputFileError) throw new DesignError(file, e.error);
    throw new DesignError(file, { path: '$', message: `not valid JSON: ${(e as Error).message}` });
  }
  const r = parseWith(DesignSchema, raw);
  if (!r.ok) throw new DesignError(file, r.error);
  const dropped = droppedField(raw, r.value);
  if (dropped !== undefined) {
    const moved = MOVED_FIELDS[dropped.path];
    throw new DesignError(file, moved === undefined ? dropped : { path: dropped.path, message: moved });
  }
  if (`${r.value.id}.json` !== basename(file))
    throw new DesignError(file, { path: '$.id', message: `id ${r.value.id} does not match the file name` });
  return r.value;
};

/** The design files of a folder: `<id>.json`, sorted by id. */
export const designFiles = (dir = DESIGNS_DIR): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort()
    .map((id) => `${id}.json`);

const cache = new Map<string, { readonly stamp: string; readonly designs: ReadonlyMap<string, Design> }>();

/**
 * Every design in `dir` (spec/designs), validated, by id in sorted order: the files present are the
 * catalogue. Fails on the first bad file. Loaded again whenever a file was added, removed or changed.
 */
export const loadDesigns = (dir = DESIGNS_DIR): ReadonlyMap<string, Design> => {
  let files: string[];
  try {
    files = designFiles(dir);
  } catch {
    throw new DesignError(dir, { path: '$', message: 'no such folder' });
  }
  const stamp = files
    .map((f) => {
      const st = statSync(join(dir, f), { throwIfNoEntry: false });
      return `${f}:${st?.mtimeMs ?? 0}:${st?.size ?? 0}`;
    })
    .join('|');
  const known = cache.get(dir);
  if (known !== undefined && known.stamp === stamp) return known.designs;
  const designs = new Map(
    files.map((f) => [f.slice(0, -'.json'.length), loadDesignFile(join(dir, f))] as const),
  );
  cache.set(dir, { stamp, designs });
  return designs;
};

/** The design `id` of the catalogue; an unknown id is an InputFileError suggesting the closest one. */
export const getDesign = (id: string, dir = DESIGNS_DIR): Design => {
  const designs = loadDesigns(dir);
  const d = designs.get(id);
  if (d === undefined)
    throw new DesignError(join(dir, `${id}.json`), unknownId('design', id, [...designs.keys()]));
  return d;
};
