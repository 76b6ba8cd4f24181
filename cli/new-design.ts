import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseWith } from '../model/types/validate.ts';
import { loadGateData } from '../properties/gate-data.ts';
import { writeJsonAtomic } from '../spec/data-file.ts';
import { canonicalFindings } from '../spec/designs/canonical.ts';
import { DesignError } from '../spec/designs/load.ts';
import {
  type Canonical,
  DESIGN_ID,
  type Design,
  DesignSchema,
  MOVED_FIELDS,
} from '../spec/designs/schema.ts';
import { droppedField, readDataFile } from '../spec/input-error.ts';
import { type FlagSpec, helpText, oneOf, parseArgs, UsageError } from './args.ts';
import { type Context, ioMessage, OutputError } from './context.ts';

const FLAGS: readonly FlagSpec[] = [
  { name: 'from', kind: 'string', help: 'the design to copy (a file in spec/designs)' },
  {
    name: 'set',
    kind: 'multi',
    help: 'path=value: change one field, such as policy.doorbells=msi-table-all or hardware.msiFlat=false (repeat)',
  },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

const HELP = helpText(
  'msispec new-design ID --from OTHER [--set path=value…]',
  `Scaffolds spec/designs/ID.json from OTHER with the given fields changed (a value is read as JSON
when it parses, else as a string). Fields derived from the model are recomputed on the new design:
the canonical scenario's refused ops (canonical.refusals) and the owners whose MSIs do not arrive
(canonical.undelivered). The isolation claim is the one knob policy.isolatedMsiClaim. Nothing is
written unless the whole design validates. Then: npx msispec check --design ID, read what it finds,
and npx msispec accept --all-new.`,
  FLAGS,
);

/** Fields a --set may not change: the id is the command's argument, the rest are derived. */
const DERIVED: Readonly<Record<string, string>> = {
  id: 'the id is the ID argument',
  'canonical.refusals': 'derived from the model by running the canonical scenario',
  'canonical.undelivered': 'derived from the model by running the canonical scenario',
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sets `path` (dotted; array elements by index) in `json` to `value`; the parent must exist. */
const setPath = (json: Record<string, unknown>, path: string, value: unknown): unknown => {
  const keys = path.split('.');
  let at: unknown = json;
  for (const [i, k] of keys.entries()) {
    const where = keys.slice(0, i).join('.') || '(the design)';
    const last = i === keys.length - 1;
    if (Array.isArray(at)) {
      const n = Number(k);
      if (!/^\d+$/.test(k) || n >= at.length)
        throw new UsageError(
          `--set ${path}: ${where} is a list of ${at.length}; '${k}' is not an index in it`,
        );
      if (last) {
        const old = at[n];
        at[n] = value;
        return old;
      }
      at = at[n];
    } else if (isRecord(at)) {
      if (last) {
        const old = at[k];
        at[k] = value;
        return old;
      }
      if (!(k in at))
        throw new UsageError(
          `--set ${path}: ${where} has no field '${k}' (fields: ${Object.keys(at).join(', ')})`,
        );
      at = at[k];
    } else throw new UsageError(`--set ${path}: ${where} is a value, not an object`);
  }
  return undefined;
};

const parseValue = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
};

const DERIVED_WHY = 'derived by msispec new-design from the model; review it';

/**
 * The canonical expectations of `design` as the model shows them, keeping the reasons written for
 * `from` where they still apply. A scenario whose owner's MSIs both arrive and fail cannot be
 * described and is refused.
 */
const deriveCanonical = (design: Design, from: Canonical): Canonical => {
  const f = canonicalFindings(design, design.canonical);
  const refusals = f.refusals.map((r) => ({
    ...r,
    why: from.refusals.find((x) => x.op === r.op && x.errno === r.errno)?.why ?? DERIVED_WHY,
  }));
  const undelivered: Canonical['undelivered'] = [];
  for (const [owner, ends] of f.endings) {
    const kinds = [...ends];
    if (kinds.length === 1 && kinds[0] === 'arrives') continue;
    const outcome = kinds[0];
    if (kinds.length > 1 || outcome === undefined || outcome === 'arrives')
      throw new UsageError(
        `on ${design.id} the canonical scenario's ${owner} MSIs end in ${kinds.join(' and ')}: canonical.undelivered cannot say that; change canonical.ops with --set or edit the file`,
      );
    const kind = outcome as Canonical['undelivered'][number]['outcome'];
    undelivered.push({
      owner,
      outcome: kind,
      why: from.undelivered.find((u) => u.owner === owner && u.outcome === kind)?.why ?? DERIVED_WHY,
    });
  }
  return { ...design.canonical, refusals, undelivered };
};

/** `msispec new-design ID --from OTHER [--set path=value…]`: returns the exit code. */
export const newDesign = (argv: readonly string[], ctx: Context): number => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    ctx.out(HELP);
    return 0;
  }
  const [id, ...extra] = positional;
  if (id === undefined || extra.length > 0) throw new UsageError('new-design takes exactly one ID');
  if (!DESIGN_ID.test(id))
    throw new UsageError(
      `design id '${id}' must be lower-case words joined by "-", such as riscv-guest-files-s1`,
    );
  const fromRaw = flags.get('from');
  if (typeof fromRaw !== 'string') throw new UsageError('new-design needs --from OTHER, the design to copy');
  // Every stored input is validated before anything is written, not only the designs.
  const designs = loadGateData(ctx.repo).designs;
  const from = oneOf('design', fromRaw, [...designs.keys()]);
  const file = join(ctx.repo.designs, `${id}.json`);
  if (designs.has(id) || existsSync(file)) throw new UsageError(`design ${id} exists already: ${file}`);
  const source = designs.get(from);
  if (source === undefined) throw new UsageError(`unknown design ${from}`);
  const json = JSON.parse(readDataFile(join(ctx.repo.designs, `${from}.json`))) as Record<string, unknown>;
  json.id = id;
  const changes: string[] = [];
  const sets = (flags.get('set') as string[] | undefined) ?? [];
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--set '${s}' must be path=value, such as policy.doorbells=msi-table-all`);
    const path = s.slice(0, eq);
    const derived = DERIVED[path] ?? MOVED_FIELDS[`$.${path}`];
    if (derived !== undefined) throw new UsageError(`--set ${path}: not a field to set (${derived})`);
    const value = parseValue(s.slice(eq + 1));
    const old = setPath(json, path, value);
    changes.push(`${path}: ${JSON.stringify(old)} → ${JSON.stringify(value)}`);
  }
  const knobs = sets.map(
    (s) => s.slice(0, s.indexOf('=') + 1) + JSON.stringify(parseValue(s.slice(s.indexOf('=') + 1))),
  );
  const variant = knobs.length === 0 ? 'unchanged' : knobs.join(', ');
  if (!sets.some((s) => s.startsWith('title='))) json.title = `${source.title} — variant ${variant}`;
  if (!sets.some((s) => s.startsWith('summary=')))
    json.summary = `A copy of ${from} with ${variant}, made by msispec new-design. ${source.summary}`;
  const parsed = parseWith(DesignSchema, json);
  if (!parsed.ok) throw new DesignError(file, parsed.error);
  const dropped = droppedField(json, parsed.value);
  if (dropped !== undefined) throw new DesignError(file, dropped);
  const design: Design = { ...parsed.value, canonical: deriveCanonical(parsed.value, source.canonical) };
  try {
    writeJsonAtomic(file, { ...json, canonical: design.canonical });
  } catch (e) {
    throw new OutputError(`could not write ${file}: ${ioMessage(e)}`);
  }
  ctx.out(`wrote spec/designs/${id}.json, a copy of ${from}`);
  for (const c of changes) ctx.out(`  ${c}`);
  const show = (c: Canonical) =>
    `refused ops [${c.refusals.map((r) => `${r.op}: ${r.errno}`).join(', ')}], undelivered [${c.undelivered.map((u) => `${u.owner} → ${u.outcome}`).join(', ')}]`;
  ctx.out(
    `canonical scenario on ${id}: ${show(design.canonical)}${show(design.canonical) === show(source.canonical) ? ' (as on the original)' : ` (on ${from}: ${show(source.canonical)})`}`,
  );
  ctx.out(
    `next: npx msispec check --design ${id}   then, once you have read what it finds:   npx msispec accept --all-new`,
  );
  return 0;
};
