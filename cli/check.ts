import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { type PairCheck, reproduceCommand, shrunkOps } from '../properties/gate.ts';
import { type GateData, loadGateData } from '../properties/gate-data.ts';
import { DEFAULT_GATE_RUNS, DEFAULT_SEED, MAX_RUNS } from '../properties/settings.ts';
import {
  diffReports,
  renderReports,
  reportsSummary,
  writeJunit,
  writeReports,
} from '../reports/render/write.ts';
import { INVARIANT_IDS, type InvariantId } from '../spec/invariants/types.ts';
import { pairFile } from '../spec/verdicts.ts';
import { type FlagSpec, helpText, parseArgs, someOf, UsageError } from './args.ts';
import { type Context, cleanTemps, ioMessage, OutputError, plural, runsFlag, seedFlag } from './context.ts';
import { matrixText, progress } from './output.ts';
import { type GateOutcome, pairPaths, runGate } from './run-gate.ts';
import { snapshotOf } from './snapshot.ts';
import { VERSION } from './version.ts';

export const CHECK_FLAGS: readonly FlagSpec[] = [
  { name: 'design', kind: 'list', help: 'only these designs (repeat or comma-separate); default: all' },
  { name: 'invariant', kind: 'list', help: 'only these invariants; default: all 13' },
  {
    name: 'runs',
    kind: 'int',
    help: `random scenarios per pair, 1 to ${MAX_RUNS} (default ${DEFAULT_GATE_RUNS}, or MSISPEC_RUNS)`,
  },
  {
    name: 'seed',
    kind: 'int',
    help: `base seed, a 32-bit integer (default ${DEFAULT_SEED}, or MSISPEC_SEED)`,
  },
  { name: 'json', kind: 'boolean', help: 'print the results as JSON (format 1) instead of the matrix' },
  {
    name: 'junit',
    kind: 'string',
    help: 'also write a JUnit XML report of the gate to FILE (never under spec/ or counterexamples/)',
  },
  {
    name: 'verdicts',
    kind: 'string',
    help: 'judge against this verdict table instead of spec/verdicts.json; writes nothing',
  },
  { name: 'no-reports', kind: 'boolean', help: 'do not rewrite reports/' },
  {
    name: 'dry-run',
    kind: 'boolean',
    help: 'write nothing: no counterexample, no report (--junit still written)',
  },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const CHECK_HELP = helpText(
  'msispec check [--design ID…] [--invariant ID…] [--runs N] [--seed S] [--json] [--junit FILE] [--verdicts FILE] [--no-reports] [--dry-run]',
  `Runs the verdict gate: every design × invariant pair against spec/verdicts.json, a pair with no
verdict yet as unreviewed. For a pair that finds a new violation it writes
counterexamples/<invariant>/<design>.json (status "new"), then brings reports/ up to date with the
stored data. Exit 0 when every verdict matches, 1 when the gate fails, 2 on bad input or a file it
could not write.`,
  CHECK_FLAGS,
);

/** The folder of `p`, resolved through symlinks where it exists. */
const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

const inside = (file: string, dir: string): boolean => {
  const r = relative(real(dir), file);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && r !== '..');
};

/** Whether `file` starts like a JUnit report msispec wrote (so rewriting it loses nothing else). */
const isOurJunit = (file: string): boolean => {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(200);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').includes('<testsuites name="msispec check"');
  } finally {
    closeSync(fd);
  }
};

/**
 * Where --junit may write: not under spec/ or counterexamples/ (inputs), into an existing folder,
 * and over an existing file only if it is a JUnit report msispec wrote.
 */
export const junitTarget = (ctx: Context, raw: string): string => {
  const parent = real(dirname(resolve(raw)));
  const file = join(parent, basename(resolve(raw)));
  for (const dir of [join(ctx.repo.root, 'spec'), ctx.repo.counterexamples])
    if (inside(file, dir))
      throw new UsageError(
        `--junit ${raw}: refused, it is under ${relative(ctx.repo.root, dir)}/, which holds inputs`,
      );
  if (!existsSync(parent) || !statSync(parent).isDirectory())
    throw new UsageError(`--junit ${raw}: no such folder ${dirname(raw)}`);
  if (existsSync(file)) {
    if (!statSync(file).isFile()) throw new UsageError(`--junit ${raw}: exists and is not a regular file`);
    if (!isOurJunit(file))
      throw new UsageError(
        `--junit ${raw}: refused, the file exists and is not a JUnit report msispec wrote`,
      );
  }
  return file;
};

export interface CheckSelection {
  readonly designs: readonly string[];
  readonly invariants: readonly InvariantId[];
}

/** --design / --invariant, validated against the catalogue (closest id suggested), duplicates dropped. */
export const selection = (flags: Map<string, unknown>, data: GateData): CheckSelection => ({
  designs: someOf('design', (flags.get('design') as string[] | undefined) ?? [...data.designs.keys()], [
    ...data.designs.keys(),
  ]),
  invariants: someOf(
    'invariant',
    (flags.get('invariant') as string[] | undefined) ?? [...INVARIANT_IDS],
    INVARIANT_IDS,
  ),
});

const failureLines = (g: GateOutcome): string[] => {
  const out: string[] = [];
  const failed = g.run.results.filter((x) => !x.ok);
  const unreviewed = failed.filter((r) => r.expected.verdict === 'unreviewed');
  const report = (r: PairCheck): string | undefined => {
    const p = pairPaths(g.data, r).report;
    return p !== undefined && existsSync(join(g.data.repo.root, p)) ? p : undefined;
  };
  for (const design of [...new Set(unreviewed.map((r) => r.design))]) {
    const rs = unreviewed.filter((r) => r.design === design);
    const holding = rs.filter((r) => r.found === 'holds').map((r) => r.invariant);
    const violated = rs.filter((r) => r.found === 'violated');
    out.push(
      `  ? ${design}: ${plural(rs.length, 'unreviewed pair')} (no verdict in spec/verdicts.json yet): ${holding.length} holding${violated.length > 0 ? `, ${violated.length} violated:` : ''}`,
    );
    for (const r of violated)
      out.push(
        `      ${r.invariant}: ${report(r) ?? 'no report written'}  (reproduce: ${reproduceCommand(r, g.run.seed, g.run.runs)})`,
      );
  }
  if (unreviewed.length > 0)
    out.push(
      '    read the reports, then record what the model found: npx msispec accept --all-new [--note "…"]',
    );
  for (const r of failed.filter((x) => x.expected.verdict !== 'unreviewed')) {
    out.push(`  ✗ ${r.design} × ${r.invariant}: ${r.why}`);
    const path = report(r);
    if (path !== undefined) out.push(`      report: ${path}`);
    const c = r.counterexample;
    if (c?.source === 'search') out.push(...shrunkOps(c).map((l) => `      ${l}`));
    out.push(`      reproduce: ${reproduceCommand(r, g.run.seed, g.run.runs)}`);
  }
  // A new file of an unreviewed pair is already listed with its pair.
  const listed = new Set(unreviewed.map((r) => `counterexamples/${pairFile(r.invariant, r.design)}`));
  for (const p of g.problems.filter((x) => !listed.has(x.file)))
    out.push(`  ✗ ${p.file}: ${p.problem}\n      fix: ${p.fix}`);
  return out;
};

/** `msispec check`: returns the exit code. */
export const check = (argv: readonly string[], ctx: Context): number => {
  const { flags, positional } = parseArgs(argv, CHECK_FLAGS);
  if (flags.has('help')) {
    ctx.out(CHECK_HELP);
    return 0;
  }
  if (positional.length > 0)
    throw new UsageError(`check takes no positional arguments, got '${positional.join(' ')}'`);
  const seed = seedFlag(flags, ctx);
  const runs = runsFlag(flags, ctx);
  const json = flags.has('json');
  const junitRaw = flags.get('junit');
  const junit = typeof junitRaw === 'string' ? junitTarget(ctx, junitRaw) : undefined;
  const verdictsFile = flags.get('verdicts');
  const proposal = typeof verdictsFile === 'string';
  // Every input is read and validated before anything runs or is written.
  const data = loadGateData(ctx.repo, proposal ? resolve(verdictsFile) : ctx.repo.verdicts);
  const sel = selection(flags, data);
  const writes = !flags.has('dry-run') && !proposal;
  const writeReportsToo = writes && !flags.has('no-reports');
  if (writes) cleanTemps(ctx);
  const full = sel.designs.length === data.designs.size && sel.invariants.length === INVARIANT_IDS.length;
  if (!json)
    ctx.out(
      `msispec ${VERSION}: ${plural(sel.designs.length, 'design')} × ${plural(sel.invariants.length, 'invariant')}, seed ${seed}, ${runs} runs per pair${full ? '' : ` (a partial gate: ${sel.designs.length * sel.invariants.length} of ${data.designs.size * INVARIANT_IDS.length} pairs)`}${proposal ? `, judged against ${verdictsFile}` : ''}`,
    );
  const bar = progress(sel.designs.length * sel.invariants.length, ctx.out, ctx.err, json);
  let last = '';
  const g = runGate(data, {
    ...sel,
    seed,
    runs,
    writeCounterexamples: writes,
    designChecks: true,
    tick: (design) => {
      if (last !== '' && design !== last) bar.group(last);
      last = design;
      bar.tick(design);
    },
    note: (s) => bar.note(s),
  });
  if (last !== '') bar.group(last);
  bar.done();
  const problems = [...g.problems];
  const outputErrors = [...g.outputErrors];
  let reportsLine: string | undefined;
  if (writeReportsToo) {
    try {
      reportsLine = reportsSummary(writeReports(g.data));
    } catch (e) {
      outputErrors.push(`could not update reports/: ${ioMessage(e)}`);
    }
  } else if (!proposal) {
    const { changed, stale } = diffReports(renderReports(g.data), g.data.repo.reports);
    if (changed.length + stale.length > 0)
      problems.push({
        file: 'reports/',
        problem: `out of date with the stored data (${plural(changed.length, 'file')} to write, ${stale.length} stale)`,
        fix: 'npx msispec report',
      });
  }
  const outcome = { ...g, problems };
  const failed = g.run.results.filter((r) => !r.ok).length;
  const passed = failed === 0 && problems.length === 0;
  if (json) ctx.out(JSON.stringify(snapshotOf(g.run, g.data, problems), null, 2));
  else {
    ctx.out(matrixText(sel.designs, sel.invariants, g.run.results, g.data.strengths));
    if (passed)
      ctx.out(
        `gate passed: ${plural(g.run.results.length, 'pair')} match spec/verdicts.json${full ? '' : ' (partial gate)'}`,
      );
    else {
      const unreviewed = g.run.results.filter((r) => r.expected.verdict === 'unreviewed').length;
      const differ = failed - unreviewed;
      const parts = [
        ...(differ > 0
          ? [
              `${differ} of ${g.run.results.length} pairs differ from ${proposal ? verdictsFile : 'spec/verdicts.json'}`,
            ]
          : []),
        ...(unreviewed > 0 ? [plural(unreviewed, 'unreviewed pair')] : []),
        ...(problems.length > 0 ? [plural(problems.length, 'data problem')] : []),
      ];
      ctx.out(`gate FAILED: ${parts.join('; ')}`);
      for (const l of failureLines(outcome)) ctx.out(l);
    }
    if (reportsLine !== undefined) ctx.out(reportsLine);
    else if (!writes) ctx.out(proposal ? 'nothing written (--verdicts)' : 'nothing written (--dry-run)');
  }
  if (junit !== undefined) {
    try {
      writeJunit(
        g.run,
        junit,
        (r) => ({
          ...pairPaths(g.data, r),
          reproduce: reproduceCommand(r, seed, runs),
        }),
        g.data.strengths,
      );
    } catch (e) {
      outputErrors.push(`could not write ${junitRaw}: ${ioMessage(e)}`);
    }
  }
  if (outputErrors.length > 0) {
    for (const e of outputErrors) ctx.err(`msispec: ${e}`);
    if (passed)
      throw new OutputError(
        `the gate passed, but ${plural(outputErrors.length, 'file')} could not be written (above)`,
      );
  }
  return passed ? 0 : 1;
};
