import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputFileError, readJsonFile } from '../input-error.ts';
import { DESIGN_IDS, type Design, type DesignId, DesignSchema } from './schema.ts';

/** A design file that failed to load: which file, and the first error in it. */
export class DesignError extends InputFileError {}

export const DESIGNS_DIR = new URL('.', import.meta.url).pathname;

/** Parses one design file; a file that fails validation is rejected whole, with the JSON path. */
export const loadDesignFile = (file: string): Design => {
  const design = readJsonFile(file, DesignSchema, (f, e) => new DesignError(f, e));
  if (`${design.id}.json` !== basename(file)) {
    throw new DesignError(file, { path: '$.id', message: `id ${design.id} does not match the file name` });
  }
  return design;
};

let catalogue: ReadonlyMap<DesignId, Design> | undefined;

/** Every design in spec/designs, validated; fails on the first bad file or a missing id. */
export const loadDesigns = (dir = DESIGNS_DIR): ReadonlyMap<DesignId, Design> => {
  if (dir === DESIGNS_DIR && catalogue !== undefined) return catalogue;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const designs = new Map(files.map((f) => loadDesignFile(join(dir, f))).map((d) => [d.id, d] as const));
  for (const id of DESIGN_IDS) {
    if (!designs.has(id))
      throw new DesignError(join(dir, `${id}.json`), { path: '$', message: 'missing design file' });
  }
  if (dir === DESIGNS_DIR) catalogue = designs;
  return designs;
};

export const getDesign = (id: DesignId): Design => {
  const d = loadDesigns().get(id);
  if (d === undefined) throw new Error(`unknown design ${id}`);
  return d;
};
