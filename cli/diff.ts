import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadGateData } from '../properties/gate-data.ts';
import { conform } from '../spec/conformance/runner.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { type FlagSpec, helpText, parseArgs, UsageError } from './args.ts';
import { selection } from './check.ts';
import { type Context, plural, runsFlag, seedFlag } from './context.ts';
import { runGate } from './run-gate.ts';
import {
  type CounterexampleSnapshot,
  type PairSnapshot,
  type Snapshot,
  SnapshotSchema,
  snapshotOf,
} from './snapshot.ts';

const FLAGS: readonly FlagSpec[] = [
  { name: 'markdown', kind: 'boolean', help: 'print Markdown (for a pull-request comment) instead of text' },
  { name: 'json', kind: 'boolean', help: 'print the sections as JSON' },
  { name: 'design', kind: 'list', help: 'only these designs (default: all, on either side)' },
  { name: 'invariant', kind: 'list', help: 'only these invariants (default: all 13)' },
  { name: 'runs', kind: 'int', help: 'random scenarios per pair on both sides (default: the gate’s)' },
  { name: 'seed', kind: 'int', help: 'base seed on both sides (default: the gate’s)' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

const HELP = helpText(
  'msispec diff [REF] [--markdown | --json] [--design ID…] [--invariant ID…] [--runs N] [--seed S]',
  `What this working tree changes in behaviour compared with REF (default: the merge base with main):
the gate runs on both trees, each with its own code and data, and the diff lists the verdict flips
(with the counterexample that appeared or is gone), the counterexamples that changed (witness,
class, trace, length) and the conformance cases whose outcome changed, each marked recorded or not.
Nothing is written. Exit 0 when every change is already recorded (spec/verdicts.json and the
counterexample files; a conformance case passing), 1 when one is not, 2 on bad input or a REF it
cannot run.`,
  FLAGS,
);

/** One tree's results: the gate's and the conformance corpus's. */
export interface Side {
  readonly label: string;
  readonly gate: Snapshot;
  /** Each conformance case's outcome line by id (`msispec conform`); undefined when the tree has no runner. */
  readonly conformance?: Conformance;
}

/** Outcome lines by case id, or the MALFORMED lines when the corpus does not load. */
export type Conformance =
  | { readonly cases: ReadonlyMap<string, string> }
  | { readonly malformed: readonly string[] };

export interface Change {
  /** `design × invariant`, or the design. */
  readonly subject: string;
  readonly what: string;
  readonly details: readonly string[];
  /** Whether the tree after the change already records it (the gate passes on it). */
  readonly recorded: boolean;
}

export interface DiffSection {
  readonly title: string;
  readonly changes: readonly Change[];
}

const key = (p: Pick<PairSnapshot, 'design' | 'invariant'>) => `${p.design} × ${p.invariant}`;
const byPair = (s: Snapshot) => new Map(s.results.map((r) => [key(r), r]));

const summary = (c: CounterexampleSnapshot): string =>
  `${c.class}, ${c.afterOp < 0 ? 'at boot' : `after op ${c.afterOp + 1}`} of ${plural(c.ops, 'op')}`;

/** Designs present on one side only. */
export const designSection = (before: Side, after: Side): DiffSection => {
  const designsOf = (s: Snapshot) => new Set(s.results.map((r) => r.design));
  const b = designsOf(before.gate);
  const a = designsOf(after.gate);
  const changes: Change[] = [];
  for (const d of a) {
    if (b.has(d)) continue;
    const rs = after.gate.results.filter((r) => r.design === d);
    const violated = rs.filter((r) => r.found === 'violated');
    changes.push({
      subject: d,
      what: `added: ${plural(violated.length, 'pair')} violated, ${rs.length - violated.length} holding`,
      details: violated.map(
        (r) => `${r.invariant}: ${r.counterexample === undefined ? 'violated' : summary(r.counterexample)}`,
      ),
      recorded: rs.every((r) => r.ok),
    });
  }
  for (const d of b)
    if (!a.has(d)) changes.push({ subject: d, what: 'removed', details: [], recorded: true });
  return { title: 'Designs', changes };
};

/** Pairs on both sides whose finding changed: holds ↔ violated, with the counterexample that appeared or is gone. */
export const verdictSection = (before: Side, after: Side): DiffSection => {
  const b = byPair(before.gate);
  const changes: Change[] = [];
  for (const r of after.gate.results) {
    const old = b.get(key(r));
    if (old === undefined || old.found === r.found) continue;
    const details =
      r.found === 'violated'
        ? [
            `counterexample appeared: ${r.counterexample === undefined ? 'violated' : summary(r.counterexample)}`,
          ]
        : [
            `counterexample gone${old.counterexample?.file === undefined ? '' : `: ${old.counterexample.file} no longer reproduces`}`,
          ];
    changes.push({
      subject: key(r),
      what: `${old.found} → ${r.found}`,
      details: [...details, ...(r.ok ? [] : [`spec/verdicts.json: ${r.expected}`])],
      recorded: r.ok,
    });
  }
  return { title: 'Verdict flips', changes };
};

/** The witness fields that differ, as `witness.addr: 0x… → 0x…`. */
const witnessChanges = (a: unknown, b: unknown): string[] => {
  const flat = (v: unknown, path: string, out: Map<string, string>): Map<string, string> => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      for (const [k, x] of Object.entries(v)) flat(x, `${path}.${k}`, out);
    else out.set(path, JSON.stringify(v));
    return out;
  };
  const x = flat(a, 'witness', new Map());
  const y = flat(b, 'witness', new Map());
  return [...new Set([...x.keys(), ...y.keys()])]
    .filter((k) => x.get(k) !== y.get(k))
    .map((k) => `${k}: ${x.get(k) ?? '(none)'} → ${y.get(k) ?? '(none)'}`);
};

/** Pairs violated on both sides whose counterexample changed: witness, class, trace or length. */
export const counterexampleSection = (before: Side, after: Side): DiffSection => {
  const b = byPair(before.gate);
  const changes: Change[] = [];
  for (const r of after.gate.results) {
    const old = b.get(key(r))?.counterexample;
    const now = r.counterexample;
    if (old === undefined || now === undefined) continue;
    const details: string[] = [];
    if (old.class !== now.class) details.push(`class: ${old.class} → ${now.class}`);
    if (old.ops !== now.ops || old.afterOp !== now.afterOp)
      details.push(
        `length: ${plural(old.ops, 'op')}, violated after op ${old.afterOp + 1} → ${plural(now.ops, 'op')}, after op ${now.afterOp + 1}`,
      );
    details.push(...witnessChanges(old.witness, now.witness));
    // Past the shorter trace the length says it; compare the ops both traces have.
    for (let i = 0; i < Math.min(old.trace.length, now.trace.length); i++)
      if (old.trace[i] !== now.trace[i]) details.push(`trace op ${i + 1}: ${old.trace[i]} → ${now.trace[i]}`);
    if (details.length === 0) continue;
    changes.push({ subject: key(r), what: 'changed', details, recorded: r.ok && now.recorded });
  }
  return { title: 'Counterexamples changed', changes };
};

const OUTCOME = /^(PASS|FAIL|UNSUPPORTED) (\S+?)(?::|$)/;

/** `msispec conform` output lines as outcomes by case id. */
export const conformanceOf = (lines: readonly string[], exitCode: number): Conformance =>
  exitCode === 2
    ? { malformed: lines.filter((l) => l.startsWith('MALFORMED')) }
    : {
        cases: new Map(
          lines.flatMap((l) => {
            const id = OUTCOME.exec(l)?.[2];
            return id === undefined ? [] : [[id, l] as const];
          }),
        ),
      };

/**
 * Conformance cases whose outcome changed (msispec conform on both trees): a change is recorded
 * when the case now passes (CI requires every case to pass; there is no table to record a FAIL in).
 */
export const conformanceSection = (before: Side, after: Side): DiffSection => {
  const a = after.conformance;
  const b = before.conformance;
  if (a === undefined || b === undefined) return { title: 'Conformance outcomes', changes: [] };
  if ('malformed' in a)
    return {
      title: 'Conformance outcomes',
      changes: [
        { subject: 'spec/conformance', what: 'malformed', details: a.malformed.slice(0, 5), recorded: false },
      ],
    };
  const old = 'cases' in b ? b.cases : new Map<string, string>();
  const status = (l: string | undefined) => (l === undefined ? 'absent' : (OUTCOME.exec(l)?.[1] ?? '?'));
  const changes: Change[] = [];
  for (const id of [...new Set([...old.keys(), ...a.cases.keys()])].sort()) {
    const [x, y] = [old.get(id), a.cases.get(id)];
    if (x === y) continue;
    changes.push({
      subject: id,
      what: `${status(x)} → ${status(y)}`,
      details: y === undefined || y.startsWith('PASS') ? [] : [y],
      recorded: y === undefined || y.startsWith('PASS'),
    });
  }
  return { title: 'Conformance outcomes', changes };
};

/** The sections of a diff, in order; each is one function of the two sides. */
export const SECTIONS: readonly ((before: Side, after: Side) => DiffSection)[] = [
  designSection,
  verdictSection,
  counterexampleSection,
  conformanceSection,
];

export const diffSides = (before: Side, after: Side): DiffSection[] => SECTIONS.map((f) => f(before, after));

const mark = (c: Change) => (c.recorded ? 'recorded' : 'NOT recorded');

export const diffText = (before: Side, after: Side, sections: readonly DiffSection[]): string => {
  const lines = [
    `msispec diff: ${before.label} → ${after.label} (seed ${after.gate.seed}, ${after.gate.runs} runs per pair)`,
  ];
  for (const s of sections) {
    if (s.changes.length === 0) continue;
    lines.push('', `${s.title} (${s.changes.length}):`);
    for (const c of s.changes) {
      lines.push(`  ${c.subject}: ${c.what} — ${mark(c)}`);
      for (const d of c.details) lines.push(`      ${d}`);
    }
  }
  lines.push('', verdictLine(sections));
  return lines.join('\n');
};

const cellText = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export const diffMarkdown = (before: Side, after: Side, sections: readonly DiffSection[]): string => {
  const lines = [
    '### msispec diff',
    '',
    `\`${before.label}\` → \`${after.label}\` (seed \`${after.gate.seed}\`, ${after.gate.runs} runs per pair)`,
  ];
  for (const s of sections) {
    if (s.changes.length === 0) continue;
    lines.push(
      '',
      `#### ${s.title} (${s.changes.length})`,
      '',
      '| pair | change | details | recorded |',
      '|---|---|---|---|',
    );
    for (const c of s.changes)
      lines.push(
        `| \`${cellText(c.subject)}\` | ${cellText(c.what)} | ${c.details.map(cellText).join('<br>')} | ${c.recorded ? '✓' : '✗ not yet'} |`,
      );
  }
  lines.push('', verdictLine(sections));
  return lines.join('\n');
};

const verdictLine = (sections: readonly DiffSection[]): string => {
  const all = sections.flatMap((s) => s.changes);
  const open = all.filter((c) => !c.recorded);
  if (all.length === 0) return 'No behavioural change.';
  if (open.length === 0) return `${plural(all.length, 'change')}, all recorded.`;
  const pairs = open
    .filter((c) => c.subject.includes(' × '))
    .map((c) => {
      const [design, invariant] = c.subject.split(' × ');
      return `${invariant}/${design}`;
    });
  const designs = open.filter((c) => !c.subject.includes(' × '));
  const how = [
    ...(pairs.length > 0 ? [`npx msispec accept ${pairs.join(' ')}`] : []),
    ...(designs.length > 0 ? ['npx msispec accept --all-new (for the new designs)'] : []),
  ];
  return `${plural(all.length, 'change')}, ${open.length} not recorded: read them, then ${how.join('; ')}`;
};

const git = (root: string, args: readonly string[]): { ok: boolean; out: string; err: string } => {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return {
    ok: r.status === 0,
    out: (r.stdout ?? '').trim(),
    err: (r.stderr ?? r.error?.message ?? '').trim(),
  };
};

/** REF as a commit, and how to name it; the default is the merge base of HEAD with main. */
const resolveRef = (root: string, raw: string | undefined): { sha: string; label: string } => {
  if (!git(root, ['rev-parse', '--git-dir']).ok)
    throw new UsageError(`diff needs a git checkout; ${root} is not one`);
  if (raw !== undefined) {
    const r = git(root, ['rev-parse', '--verify', '--quiet', `${raw}^{commit}`]);
    if (!r.ok) throw new UsageError(`unknown git ref '${raw}'`);
    return { sha: r.out, label: `${raw} (${r.out.slice(0, 12)})` };
  }
  for (const main of ['main', 'origin/main']) {
    const r = git(root, ['merge-base', 'HEAD', main]);
    if (r.ok) return { sha: r.out, label: `merge base with ${main} (${r.out.slice(0, 12)})` };
  }
  throw new UsageError('no REF given and no branch main (or origin/main) to take the merge base with');
};

/** Whether the working tree (tracked and untracked files) differs from `sha`. */
const treeChanged = (root: string, sha: string): boolean =>
  !git(root, ['diff', '--quiet', sha, '--']).ok ||
  git(root, ['ls-files', '--others', '--exclude-standard']).out !== '';

/** Runs REF's own `msispec check --json --dry-run` in a copy of REF's tree. */
/** What `msispec check --json` printed before format 1. */
const LegacySchema = z.object({
  seed: z.number().int(),
  runs: z.number().int(),
  results: z.array(
    z.object({
      design: z.string(),
      invariant: z.enum(INVARIANT_IDS),
      expected: z.enum(['holds', 'violated', 'n/a']),
      found: z.enum(['holds', 'violated']),
      ok: z.boolean(),
      why: z.string().optional(),
      seed: z.number().int(),
    }),
  ),
});

const conformanceFiles = (root: string): string[] => {
  const dir = join(root, 'spec', 'conformance');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join('spec', 'conformance', f))
    : [];
};

/** REF's own `msispec conform` over its corpus, when REF has the runner. */
const refConformance = async (dir: string, ctx: Context): Promise<Conformance | undefined> => {
  if (!existsSync(join(dir, 'cli', 'conform.ts'))) return undefined;
  const files = conformanceFiles(dir);
  if (files.length === 0) return { cases: new Map() };
  const r = await new Promise<{ code: number | null; out: string }>((done) => {
    const p = spawn(process.execPath, [join(dir, 'cli', 'msispec.mjs'), 'conform', ...files], {
      cwd: dir,
      env: { ...process.env, ...ctx.env },
    });
    let o = '';
    p.stdout.on('data', (b: Buffer) => {
      o += b.toString('utf8');
    });
    p.on('close', (c) => done({ code: c, out: o }));
    p.on('error', () => done({ code: null, out: o }));
  });
  return conformanceOf(r.out.split('\n'), r.code ?? 2);
};

/** This tree's conformance outcomes, run here. */
const headConformance = (root: string): Conformance => {
  const files = conformanceFiles(root).map((f) => join(root, f));
  if (files.length === 0) return { cases: new Map() };
  const r = conform(files);
  return conformanceOf(r.lines, r.exitCode);
};

const refSnapshot = async (
  ctx: Context,
  sha: string,
  args: readonly string[],
  designs: readonly string[] | undefined,
): Promise<{ snapshot: Snapshot; note?: string; conformance?: Conformance }> => {
  const root = ctx.repo.root;
  const dir = mkdtempSync(join(tmpdir(), 'msispec-diff-'));
  try {
    const archive = spawnSync('git', ['archive', '--format=tar', sha], {
      cwd: root,
      maxBuffer: 1024 * 1024 * 1024,
    });
    if (archive.status !== 0)
      throw new UsageError(`git archive ${sha} failed: ${String(archive.stderr).trim()}`);
    const tar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
    if (tar.status !== 0) throw new UsageError(`could not unpack ${sha}: ${String(tar.stderr).trim()}`);
    if (existsSync(join(root, 'node_modules')))
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const cli = join(dir, 'cli', 'msispec.mjs');
    if (!existsSync(cli)) throw new UsageError(`${sha} has no cli/msispec.mjs`);
    const refDesigns = existsSync(join(dir, 'spec', 'designs'))
      ? readdirSync(join(dir, 'spec', 'designs'))
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -5))
      : [];
    const picked = designs?.filter((d) => refDesigns.includes(d));
    if (picked !== undefined && picked.length === 0) return { snapshot: emptySnapshot(args) };
    const run = (extra: readonly string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const argv = [
          cli,
          'check',
          '--json',
          ...extra,
          ...args,
          ...(picked === undefined ? [] : ['--design', picked.join(',')]),
        ];
        const p = spawn(process.execPath, argv, { cwd: dir, env: { ...process.env, ...ctx.env } });
        let o = '';
        let e = '';
        p.stdout.on('data', (b: Buffer) => {
          o += b.toString('utf8');
        });
        p.stderr.on('data', (b: Buffer) => {
          e += b.toString('utf8');
        });
        p.on('close', (c) => done({ code: c, out: o, err: e }));
        p.on('error', (x) => done({ code: null, out: o, err: x.message }));
      });
    const json = (out: string): unknown => {
      try {
        return JSON.parse(out);
      } catch {
        return undefined;
      }
    };
    const conformance = await refConformance(dir, ctx);
    const withConformance = conformance === undefined ? {} : { conformance };
    const first = await run(['--dry-run']);
    const parsed = SnapshotSchema.safeParse(json(first.out));
    if ((first.code === 0 || first.code === 1) && parsed.success)
      return { snapshot: parsed.data, ...withConformance };
    // An msispec from before format 1 has no --dry-run and no counterexample details: its verdicts
    // alone can still be compared (it runs in this temporary copy, so what it writes is thrown away).
    if (first.err.includes('unknown flag --dry-run')) {
      const old = await run(['--no-reports']);
      const legacy = LegacySchema.safeParse(json(old.out));
      if ((old.code === 0 || old.code === 1) && legacy.success)
        return {
          snapshot: {
            ...emptySnapshot(args),
            seed: legacy.data.seed,
            runs: legacy.data.runs,
            results: legacy.data.results.map((r) => ({ ...r, reproduce: '' })),
          },
          note: 'its msispec predates counterexample details, so only verdict flips are compared',
          ...withConformance,
        };
    }
    throw new UsageError(
      `REF ${sha.slice(0, 12)}: its msispec check --json gave no result to compare (exit ${first.code}): ${first.err.split('\n').find((l) => l.trim() !== '') ?? ''}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const emptySnapshot = (args: readonly string[]): Snapshot => ({
  format: 1,
  msispec: '',
  seed: 0,
  runs: Number(args[args.indexOf('--runs') + 1] ?? 0),
  started: '',
  gate: 'passed',
  failed: 0,
  results: [],
  problems: [],
});

/** `msispec diff [REF]`: returns the exit code. */
export const diff = async (argv: readonly string[], ctx: Context): Promise<number> => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    ctx.out(HELP);
    return 0;
  }
  if (positional.length > 1)
    throw new UsageError(`diff takes at most one REF, got '${positional.join(' ')}'`);
  const seed = seedFlag(flags, ctx);
  const runs = runsFlag(flags, ctx);
  const data = loadGateData(ctx.repo);
  const sel = selection(flags, data);
  const ref = resolveRef(ctx.repo.root, positional[0]);
  const markdown = flags.has('markdown');
  const head: Side = { label: 'working tree', gate: emptySnapshot([]) };
  if (!treeChanged(ctx.repo.root, ref.sha)) {
    if (flags.has('json'))
      ctx.out(JSON.stringify({ before: ref.label, after: head.label, seed, runs, sections: [] }, null, 2));
    else
      ctx.out(
        markdown
          ? `### msispec diff\n\n\`${ref.label}\` → working tree: no change.`
          : `msispec diff: ${ref.label} → working tree: no change`,
      );
    return 0;
  }
  const args = [
    '--seed',
    String(seed),
    '--runs',
    String(runs),
    ...(flags.has('invariant') ? ['--invariant', sel.invariants.join(',')] : []),
  ];
  const explicit = flags.has('design') ? sel.designs : undefined;
  const before = refSnapshot(ctx, ref.sha, args, explicit);
  // This tree's gate runs here while REF's runs in its own process.
  const g = runGate(data, {
    ...sel,
    seed,
    runs,
    writeCounterexamples: false,
    designChecks: false,
    tick: () => {},
    note: () => {},
  });
  const after: Side = {
    ...head,
    gate: snapshotOf(g.run, g.data, g.problems),
    conformance: headConformance(ctx.repo.root),
  };
  const refResult = await before;
  const beforeSide: Side = {
    ...(refResult.conformance === undefined ? {} : { conformance: refResult.conformance }),
    label: [
      ref.label,
      ...(refResult.note === undefined ? [] : [refResult.note]),
      ...(refResult.conformance === undefined
        ? ['it has no msispec conform, so conformance is not compared']
        : []),
    ].join('; '),
    gate: refResult.snapshot,
  };
  const sections = diffSides(beforeSide, after);
  if (flags.has('json'))
    ctx.out(JSON.stringify({ before: beforeSide.label, after: after.label, seed, runs, sections }, null, 2));
  else ctx.out((markdown ? diffMarkdown : diffText)(beforeSide, after, sections));
  return sections.every((s) => s.changes.every((c) => c.recorded)) ? 0 : 1;
};
