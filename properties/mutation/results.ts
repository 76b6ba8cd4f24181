import { z } from 'zod';

/**
 * Stryker's results (the mutation-testing-report-schema JSON it writes as its report and its
 * incremental file), the parts msispec reads: each mutated file's mutants with their status and the
 * tests that cover and kill them, and each test file's tests. Everything else is kept as written.
 */
const MutantSchema = z
  .object({
    id: z.string(),
    status: z.enum([
      'Killed',
      'Survived',
      'NoCoverage',
      'Timeout',
      'CompileError',
      'RuntimeError',
      'Ignored',
      'Pending',
    ]),
    coveredBy: z.array(z.string()).optional(),
    killedBy: z.array(z.string()).optional(),
    mutatorName: z.string().optional(),
    replacement: z.string().optional(),
    /** 1-based lines and columns, end exclusive (mutation-testing-report-schema). */
    location: z
      .object({
        start: z.object({ line: z.number().int(), column: z.number().int() }),
        end: z.object({ line: z.number().int(), column: z.number().int() }),
      })
      .optional(),
  })
  .loose();
const TestSchema = z.object({ id: z.string(), name: z.string() }).loose();
export const ResultsSchema = z
  .object({
    files: z.record(z.string(), z.object({ source: z.string(), mutants: z.array(MutantSchema) }).loose()),
    testFiles: z.record(z.string(), z.object({ tests: z.array(TestSchema) }).loose()).optional(),
  })
  .loose();
export type Results = z.infer<typeof ResultsSchema>;
export type MutantStatus = z.infer<typeof MutantSchema>['status'];

/**
 * The results of `run` laid over `base`: every file `run` mutated takes `run`'s mutants, the other
 * files keep `base`'s. Stryker numbers tests per run, so every test gets one id for its file and
 * name across both, and each mutant's coveredBy and killedBy are renumbered with it.
 */
export const mergeResults = (base: Results, run: Results): Results => {
  const ids = new Map<string, string>();
  const testFiles: NonNullable<Results['testFiles']> = {};
  const renumber = (from: Results): Map<string, string> => {
    const local = new Map<string, string>();
    for (const [file, tf] of Object.entries(from.testFiles ?? {})) {
      testFiles[file] ??= { ...tf, tests: [] };
      const into = testFiles[file];
      for (const t of tf.tests) {
        const key = `${file}\0${t.name}`;
        let id = ids.get(key);
        if (id === undefined) {
          id = String(ids.size);
          ids.set(key, id);
          into.tests.push({ ...t, id });
        }
        local.set(t.id, id);
      }
    }
    return local;
  };
  const files: Results['files'] = {};
  // The run's tests first: they are the suite as it is now.
  const fromRun = renumber(run);
  const fromBase = renumber(base);
  const take = (from: Results, local: Map<string, string>, only: (f: string) => boolean) => {
    for (const [file, f] of Object.entries(from.files)) {
      if (!only(file)) continue;
      const map = (xs: string[] | undefined) => xs?.flatMap((x) => local.get(x) ?? []);
      files[file] = {
        ...f,
        mutants: f.mutants.map((m) => ({
          ...m,
          ...(m.coveredBy === undefined ? {} : { coveredBy: map(m.coveredBy) }),
          ...(m.killedBy === undefined ? {} : { killedBy: map(m.killedBy) }),
        })),
      };
    }
  };
  take(run, fromRun, () => true);
  take(base, fromBase, (f) => !(f in run.files));
  const sorted = <T>(r: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...base, ...run, files: sorted(files), testFiles: sorted(testFiles) };
};

export interface Tally {
  readonly mutants: number;
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly ignored: number;
  /** Killed or timed out, of the mutants that count (all but ignored and errors), in percent. */
  readonly score: number;
  readonly noCoveragePercent: number;
}

const tally = (statuses: readonly MutantStatus[]): Tally => {
  const n = (s: MutantStatus) => statuses.filter((x) => x === s).length;
  const ignored = n('Ignored');
  const mutants = statuses.length - ignored - n('CompileError') - n('RuntimeError');
  const detected = n('Killed') + n('Timeout');
  return {
    mutants,
    killed: n('Killed'),
    timeout: n('Timeout'),
    survived: n('Survived'),
    noCoverage: n('NoCoverage'),
    ignored,
    score: mutants === 0 ? 100 : (100 * detected) / mutants,
    noCoveragePercent: mutants === 0 ? 0 : (100 * n('NoCoverage')) / mutants,
  };
};

/**
 * The files whose results no longer describe them: the source each was mutated from differs from
 * `current(file)` (the file as it is now; undefined when it is gone). Their mutants' locations and
 * statuses belong to the old text, so the score over them is not a measurement of the model.
 */
export const outOfDate = (r: Results, current: (file: string) => string | undefined): string[] =>
  Object.entries(r.files)
    .filter(([file, f]) => current(file) !== f.source)
    .map(([file]) => file)
    .sort();

/**
 * An equivalent mutant marked by itself (properties/mutation/equivalent.json), for a line whose
 * other mutants of the same mutator are killed: Stryker's disable comment would set those aside
 * too. `line` is the mutated line as it reads (trimmed), `original` the text the mutant replaces.
 */
export const EquivalentSchema = z.strictObject({
  file: z.string().startsWith('model/'),
  line: z.string().min(1),
  mutator: z.string().min(1),
  original: z.string().min(1),
  replacement: z.string(),
  /**
   * Which of the mutants matching the other fields it is (1 the first, in source order), required
   * when more than one does (a line that occurs twice, a literal twice on the line).
   */
  nth: z.number().int().min(1).optional(),
  why: z.string().min(10),
});
export type Equivalent = z.infer<typeof EquivalentSchema>;

/**
 * The text a mutant replaces: `lines` from `start` to `end` (mutation-testing-report-schema
 * locations: 1-based lines and columns, end exclusive).
 */
const slice = (
  lines: readonly string[],
  loc: NonNullable<Results['files'][string]['mutants'][number]['location']>,
) => {
  const { start, end } = loc;
  const at = (n: number) => lines[n - 1] ?? '';
  if (start.line === end.line) return at(start.line).slice(start.column - 1, end.column - 1);
  return [
    at(start.line).slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    at(end.line).slice(0, end.column - 1),
  ].join('\n');
};

/**
 * `r` with each mutant a mark of `marks` names set aside as equivalent (status Ignored), and the
 * marks that no longer hold: one that names no mutant (its line changed) and one whose mutant a
 * test kills (it is not equivalent). A mark on a mutant not yet run is left for its run.
 */
export const markEquivalent = (
  r: Results,
  marks: readonly Equivalent[],
): { results: Results; problems: string[] } => {
  const problems: string[] = [];
  const files: Results['files'] = { ...r.files };
  for (const m of marks) {
    const f = files[m.file];
    const name = `${m.file}: ${m.mutator} ${JSON.stringify(m.original)} → ${JSON.stringify(m.replacement)} on '${m.line}'`;
    if (f === undefined) {
      problems.push(`equivalence mark ${name}: the file has no results`);
      continue;
    }
    const lines = f.source.split('\n');
    const matching = f.mutants
      .flatMap((x, i) =>
        x.location !== undefined &&
        x.mutatorName === m.mutator &&
        x.replacement === m.replacement &&
        (lines[x.location.start.line - 1] ?? '').trim() === m.line &&
        slice(lines, x.location) === m.original
          ? [{ i, at: x.location.start }]
          : [],
      )
      .sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
    if (matching.length > 1 && m.nth === undefined) {
      problems.push(
        `equivalence mark ${name}: ${matching.length} mutants match; give nth (1 to ${matching.length})`,
      );
      continue;
    }
    const one = matching[(m.nth ?? 1) - 1];
    const x = one === undefined ? undefined : f.mutants[one.i];
    if (one === undefined || x === undefined) {
      problems.push(`equivalence mark ${name}: no such mutant (the line changed?)`);
      continue;
    }
    if (x.status === 'Killed' || x.status === 'Timeout')
      problems.push(
        `equivalence mark ${name}: the mutant is ${x.status === 'Killed' ? 'killed' : 'timed out'}, so it is not equivalent`,
      );
    else if (x.status === 'Survived' || x.status === 'NoCoverage') {
      const mutants = [...f.mutants];
      mutants[one.i] = { ...x, status: 'Ignored', statusReason: `equivalent: ${m.why}` };
      files[m.file] = { ...f, mutants };
    }
  }
  return { results: { ...r, files }, problems };
};

/** `files` by the folder that holds each (not its subfolders), folders in path order. */
export const byFolder = (files: readonly string[]): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  for (const f of files) {
    const dir = f.slice(0, f.lastIndexOf('/'));
    out.set(dir, [...(out.get(dir) ?? []), f]);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};

/**
 * The folders a full run still has to run, in order: those not `done` since it began, and a done
 * one whose files' results are missing from `r` or out of date against `current` (a file edited
 * after its folder ran).
 */
export const foldersToRun = (
  folders: ReadonlyMap<string, readonly string[]>,
  done: ReadonlySet<string>,
  r: Results | undefined,
  current: (file: string) => string | undefined,
): [string, readonly string[]][] =>
  [...folders].filter(
    ([dir, files]) =>
      !done.has(dir) || files.some((f) => r?.files[f] === undefined || r.files[f].source !== current(f)),
  );

/** `model/hw/x86/vtd-ir.ts` → `model/hw`: the folders the score targets are stated for. */
export const folderOf = (file: string): string => file.split('/').slice(0, 2).join('/');

export interface Targets {
  readonly overall: number;
  readonly folder: number;
  readonly noCoverageMax: number;
}

export interface Scores {
  readonly overall: Tally;
  readonly folders: ReadonlyMap<string, Tally>;
  /** Each target missed, in words; empty when every target holds. */
  readonly missed: readonly string[];
  /** Pending mutants: the results hold files no run has finished. */
  readonly pending: number;
}

/** The score of every folder and of the whole, against the targets. */
export const scoresOf = (r: Results, targets: Targets): Scores => {
  const byFolder = new Map<string, MutantStatus[]>();
  const all: MutantStatus[] = [];
  for (const [file, f] of Object.entries(r.files))
    for (const m of f.mutants) {
      const folder = folderOf(file);
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), m.status]);
      all.push(m.status);
    }
  const folders = new Map([...byFolder].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, tally(v)]));
  const overall = tally(all);
  const pct = (x: number) => `${x.toFixed(1)}%`;
  const missed = [
    ...(overall.score < targets.overall ? [`overall ${pct(overall.score)} < ${targets.overall}%`] : []),
    ...[...folders]
      .filter(([, t]) => t.score < targets.folder)
      .map(([f, t]) => `${f} ${pct(t.score)} < ${targets.folder}%`),
    ...(overall.noCoveragePercent > targets.noCoverageMax
      ? [`no coverage ${pct(overall.noCoveragePercent)} > ${targets.noCoverageMax}%`]
      : []),
  ];
  return { overall, folders, missed, pending: all.filter((s) => s === 'Pending').length };
};

/** The scores as a Markdown table, a row per folder and one for the whole. */
export const scoreTable = (s: Scores): string => {
  const row = (name: string, t: Tally) =>
    `| ${name} | ${t.mutants} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.ignored} | ${t.score.toFixed(1)}% |`;
  return [
    '| folder | mutants | killed | timed out | survived | no coverage | marked equivalent | score |',
    '|---|---|---|---|---|---|---|---|',
    ...[...s.folders].map(([f, t]) => row(f, t)),
    row('**model/**', s.overall),
  ].join('\n');
};
