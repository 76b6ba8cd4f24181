import { readFileSync } from 'node:fs';
import type { CaseKind, CaseResult } from './contract.ts';
import { hardwareCaseKind } from './hardware/index.ts';
import { kernelCaseKind } from './kernel/index.ts';
import { type Json, member, Reader } from './read.ts';

/**
 * The `msispec conform` runner (docs/conformance-format.md, section 5): reads every file, checks
 * every case against the format, and either reports each problem as
 * `MALFORMED <file>: <json-path>: <problem>` and runs nothing (exit 2), or runs every case in
 * argument and file order and prints PASS / FAIL / UNSUPPORTED lines and the summary (exit 0 when
 * every case passed, else 1). Nothing is written anywhere.
 */

/** The two kinds of case, each with its parse and run; a kind sees only its own members. */
export interface Kinds {
  readonly hardware: CaseKind<unknown>;
  readonly kernel: CaseKind<unknown>;
}

const erase = <C>(k: CaseKind<C>): CaseKind<unknown> => ({
  parse: k.parse,
  run: (c) => k.run(c as C),
});

export const DEFAULT_KINDS: Kinds = { hardware: erase(hardwareCaseKind), kernel: erase(kernelCaseKind) };

const COMMON = ['id', 'source', 'derived', 'notes'] as const;
const HARDWARE_MEMBERS = ['arch', 'setup', 'write', 'expected'] as const;
const KERNEL_MEMBERS = ['setup', 'steps'] as const;
const SAME_AS = /^same as (.+)$/;

interface CaseEntry {
  readonly file: string;
  /** JSON path of the case from the file root: `$` or `$[i]`. */
  readonly path: string;
  readonly id: string | undefined;
  readonly run: (() => CaseResult) | undefined;
}

export interface CheckedFile {
  readonly cases: readonly CaseEntry[];
  readonly malformed: readonly string[];
}

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const kindOf = (c: Record<string, Json>): 'hardware' | 'kernel' | { problem: string } => {
  const hw = HARDWARE_MEMBERS.filter((m) => m !== 'setup' && m in c);
  const steps = 'steps' in c;
  if (steps && hw.length > 0)
    return { problem: `matches both kinds: a kernel case (steps) must not have ${hw.join(', ')}` };
  if (steps) return 'kernel';
  if (hw.length === 3) return 'hardware';
  if (hw.length > 0) {
    const missing = ['arch', 'write', 'expected'].filter((m) => !(m in c));
    return {
      problem: `matches neither kind: a hardware vector needs arch, write and expected (missing: ${missing.join(', ')})`,
    };
  }
  return {
    problem: 'matches neither kind: a hardware vector has arch, write and expected; a kernel case has steps',
  };
};

/** Checks one file's text; `file` names it in every line. Runs nothing. */
export const checkFile = (file: string, text: string, kinds: Kinds = DEFAULT_KINDS): CheckedFile => {
  const malformed: string[] = [];
  const bad = (path: string, problem: string) => malformed.push(`MALFORMED ${file}: ${path}: ${problem}`);
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    bad('$', `not valid JSON: ${(e as Error).message}`);
    return { cases: [], malformed };
  }
  let items: { path: string; value: Json }[];
  if (Array.isArray(root)) {
    if (root.length === 0) {
      bad('$', 'empty array: a file holds one case object or a non-empty array of cases');
      return { cases: [], malformed };
    }
    items = root.map((value, i) => ({ path: `$[${i}]`, value }));
  } else if (isObject(root)) {
    items = [{ path: '$', value: root }];
  } else {
    bad('$', 'expected a case object or a non-empty array of cases');
    return { cases: [], malformed };
  }

  const cases: CaseEntry[] = [];
  const sources = new Map<string, { path: string; sameAs: string | undefined }>();
  for (const { path, value } of items) {
    if (!isObject(value)) {
      bad(path, 'expected a case object');
      cases.push({ file, path, id: undefined, run: undefined });
      continue;
    }
    const r = new Reader();
    const id = 'id' in value ? r.text(value.id, '.id') : r.problem('.id', 'missing required member');
    if (id === '') r.problem('.id', 'an id must not be empty');
    const source =
      'source' in value ? r.text(value.source, '.source') : r.problem('.source', 'missing required member');
    if ('derived' in value) r.bool(value.derived, '.derived');
    else r.problem('.derived', 'missing required member');
    if ('notes' in value) r.text(value.notes, '.notes');
    const kind = kindOf(value);
    const own: readonly string[] =
      kind === 'hardware'
        ? HARDWARE_MEMBERS
        : kind === 'kernel'
          ? KERNEL_MEMBERS
          : [...HARDWARE_MEMBERS, 'steps'];
    if (typeof kind === 'object') r.problem('', kind.problem);
    // Any other member is an annotation when its value is a string.
    const kindRaw: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      if ((COMMON as readonly string[]).includes(k)) continue;
      if (own.includes(k)) kindRaw[k] = v;
      else if (typeof v !== 'string')
        r.problem(member('', k), 'unknown member with a non-string value (an annotation must be a string)');
    }
    let run: (() => CaseResult) | undefined;
    if (typeof kind === 'string') {
      const k = kinds[kind];
      const parsed = k.parse(kindRaw);
      if (parsed.ok) {
        const c = parsed.value;
        run = () => k.run(c);
      } else for (const p of parsed.problems) r.problem(p.path, p.problem);
    }
    // Report in document order of the case's top-level members.
    const keys = Object.keys(value);
    const rank = (p: string) => {
      const top = /^\.([A-Za-z_][A-Za-z0-9_]*)|^\["([^"]*)"\]/.exec(p);
      const i = top === null ? -1 : keys.indexOf(top[1] ?? top[2] ?? '');
      return i < 0 ? keys.length : i;
    };
    const ordered = r.problems
      .map((p, i) => ({ p, i }))
      .sort((a, b) => rank(a.p.path) - rank(b.p.path) || a.i - b.i);
    for (const { p } of ordered) bad(`${path}${p.path}`, p.problem);
    if (id !== undefined && id !== '') {
      if (source !== undefined) sources.set(id, { path, sameAs: SAME_AS.exec(source)?.[1] });
    }
    cases.push({ file, path, id: id === '' ? undefined : id, run: r.ok ? run : undefined });
  }
  // `same as <id>` names a case of this file; follow the chain to a real source.
  for (const [id, { path, sameAs }] of sources) {
    if (sameAs === undefined) continue;
    const seen = new Set([id]);
    let next: string | undefined = sameAs;
    while (next !== undefined) {
      const target = sources.get(next);
      if (target === undefined) {
        bad(`${path}.source`, `"same as ${sameAs}": no case with id ${JSON.stringify(next)} in this file`);
        break;
      }
      if (seen.has(next)) {
        bad(`${path}.source`, `"same as ${sameAs}": the chain of "same as" sources loops`);
        break;
      }
      seen.add(next);
      next = target.sameAs;
    }
  }
  return { cases, malformed };
};

export interface ConformResult {
  readonly lines: readonly string[];
  readonly exitCode: 0 | 1 | 2;
}

/** Checks every file, then (when all are well-formed) runs every case. */
export const conform = (files: readonly string[], kinds: Kinds = DEFAULT_KINDS): ConformResult => {
  const malformed: string[] = [];
  const all: CaseEntry[] = [];
  // Ids are unique across all files of the run.
  const first = new Map<string, CaseEntry>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      malformed.push(`MALFORMED ${file}: $: cannot read the file: ${(e as Error).message}`);
      continue;
    }
    const checked = checkFile(file, text, kinds);
    malformed.push(...checked.malformed);
    for (const c of checked.cases) {
      all.push(c);
      if (c.id === undefined) continue;
      const seen = first.get(c.id);
      if (seen === undefined) first.set(c.id, c);
      else
        malformed.push(
          `MALFORMED ${c.file}: ${c.path}.id: duplicate id ${JSON.stringify(c.id)} (first at ${seen.file} ${seen.path})`,
        );
    }
  }
  if (malformed.length > 0) return { lines: malformed, exitCode: 2 };

  const lines: string[] = [];
  const counts = { PASS: 0, FAIL: 0, UNSUPPORTED: 0 };
  for (const c of all) {
    const run = c.run;
    if (run === undefined || c.id === undefined)
      throw new Error(`internal: case ${c.file} ${c.path} was not prepared`);
    const r = run();
    counts[r.status]++;
    lines.push(
      r.status === 'PASS'
        ? `PASS ${c.id}`
        : r.status === 'FAIL'
          ? `FAIL ${c.id}: ${r.path}: expected ${r.expected} got ${r.got}`
          : `UNSUPPORTED ${c.id}: ${r.path}: ${r.what}`,
    );
  }
  lines.push(
    `conformance: ${counts.PASS} passed, ${counts.FAIL} failed, ${counts.UNSUPPORTED} unsupported of ${all.length}`,
  );
  return { lines, exitCode: counts.FAIL === 0 && counts.UNSUPPORTED === 0 ? 0 : 1 };
};
