/**
 * Migrates stored scenarios to the current scenario schema (model/platform/scenario.ts,
 * SCENARIO_VERSION), in place and atomically, and says what it changed:
 *
 *   npx tsx scripts/migrate-scenarios.ts [--check]
 *
 * - counterexamples/<invariant>/<design>.json: `scenario.version` is set, and ops are renamed;
 * - spec/designs/<id>.json: the canonical scenario's ops are renamed (the file's layout is kept).
 * Version 1 → 2: the op `iommu_attach_group` (the sysfs default-domain change) is
 * `iommu_group_store_type`. With --check nothing is written and the exit code is 1 when a file
 * needs migrating. Running it twice changes nothing the second time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COUNTEREXAMPLES_DIR, listCounterexamples, writeAtomic } from '../counterexamples/store.ts';
import { SCENARIO_VERSION } from '../model/platform/scenario.ts';

const RENAMED_OPS: Readonly<Record<string, string>> = { iommu_attach_group: 'iommu_group_store_type' };
const DESIGNS_DIR = new URL('../spec/designs/', import.meta.url).pathname;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Renames ops in the file's text, keeping its layout (the files are Biome-formatted). */
const renameOps = (text: string): string => {
  let out = text;
  for (const [from, to] of Object.entries(RENAMED_OPS))
    out = out.replaceAll(`"op": "${from}"`, `"op": "${to}"`);
  return out;
};

/** A counterexample file's new text, or undefined when it is current: the version inserted first in `scenario`, ops renamed. */
export const migrateCounterexample = (text: string): string | undefined => {
  const c = JSON.parse(text) as Json;
  if (!isObject(c.scenario)) throw new Error('no scenario object');
  let out = renameOps(text);
  if (c.scenario.version === undefined)
    out = out.replace(/("scenario":\s*\{)(\n\s*)/, `$1$2"version": ${SCENARIO_VERSION},$2`);
  return out === text ? undefined : out;
};

/** A design file's new text (ops renamed in place), or undefined when it is current. */
export const migrateDesign = (text: string): string | undefined => {
  const out = renameOps(text);
  return out === text ? undefined : out;
};

/** Every stored scenario file with its migration. */
export const scenarioFiles = (): [string, (t: string) => string | undefined][] => [
  ...listCounterexamples().map((f): [string, typeof migrateCounterexample] => [
    join(COUNTEREXAMPLES_DIR, f),
    migrateCounterexample,
  ]),
  ...readdirSync(DESIGNS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f): [string, typeof migrateDesign] => [join(DESIGNS_DIR, f), migrateDesign]),
];

const main = (check: boolean): void => {
  const files = scenarioFiles();
  let changed = 0;
  for (const [file, migrate] of files) {
    const out = migrate(readFileSync(file, 'utf8'));
    if (out === undefined) continue;
    changed++;
    console.log(`${check ? 'needs migrating' : 'migrated'}: ${file}`);
    if (!check) writeAtomic(file, out);
  }
  console.log(
    `${changed} of ${files.length} files ${check ? 'need migrating' : 'migrated'} to scenario version ${SCENARIO_VERSION}`,
  );
  if (check && changed > 0) process.exit(1);
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.includes('--check'));
