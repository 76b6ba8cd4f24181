import { type Counterexample, overBound, replayClass, sizeOf } from '../counterexamples/schema.ts';
import { removeCounterexample, writeCounterexample } from '../counterexamples/store.ts';
import { allPairs, expected, type GateData, loadGateData, storedOf } from '../properties/gate-data.ts';
import { checkPair } from '../properties/pair.ts';
import { pairSeed } from '../properties/settings.ts';
import { vacuousPremise } from '../properties/strength.ts';
import { reportsSummary, writeReports } from '../reports/render/write.ts';
import type { Design } from '../spec/designs/schema.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { INVARIANT_IDS, type InvariantId, type Witness } from '../spec/invariants/types.ts';
import { classified } from '../spec/invariants/witness-class.ts';
import { replay } from '../spec/replay.ts';
import {
  type Expected,
  pairFile,
  type Verdict,
  type Verdicts,
  withVerdict,
  writeVerdicts,
} from '../spec/verdicts.ts';
import { type FlagSpec, helpText, oneOf, parseArgs, UsageError } from './args.ts';
import { type Context, cleanTemps, ioMessage, OutputError, plural, runsFlag, seedFlag } from './context.ts';
import { classOf } from './snapshot.ts';
import { VERSION } from './version.ts';

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'all-new',
    kind: 'boolean',
    help: 'every unreviewed pair and every pair with a new counterexample',
  },
  {
    name: 'note',
    kind: 'string',
    help: "the reviewer's one-line reading, recorded with a violated verdict, or with a vacuous holding one: why its premise never arises",
  },
  {
    name: 'runs',
    kind: 'int',
    help: 'runs of the search for a pair with no stored counterexample (default: the gate’s)',
  },
  { name: 'seed', kind: 'int', help: 'base seed of that search (default: the gate’s)' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

const HELP = helpText(
  'msispec accept <invariant>/<design>… [--note "…"]   or   msispec accept --all-new [--note "…"]',
  `Records what the model finds for each pair in spec/verdicts.json. A stored counterexample that still
reproduces is recorded as violated (with --note, or a note saying what it shows): its file gets
status "expected", its size bound and today's witness. One that no longer reproduces is recorded
as holding (n/a stays n/a) and its file and reports are removed. A pair without a stored
counterexample is searched as the gate does. A holding pair whose certificate is vacuous (its
premise never arises within the scope) records --note as why the premise cannot arise in the
design, or keeps the note it had; --note on any other holding pair is refused. Every file is written in the repository's format and
the affected reports re-rendered.`,
  FLAGS,
);

/** What accept decided for one pair. */
interface Decision {
  readonly design: string;
  readonly invariant: InvariantId;
  readonly before: Expected;
  readonly verdict: Verdict;
  /** The counterexample file to write, or `remove`, or nothing to change. */
  readonly file?: Counterexample | 'remove';
  readonly says: string;
}

const parsePair = (raw: string, data: GateData): { design: string; invariant: InvariantId } => {
  const [inv, design, ...extra] = raw
    .replace(/\.json$/, '')
    .replace(/^counterexamples\//, '')
    .split('/');
  if (inv === undefined || design === undefined || extra.length > 0)
    throw new UsageError(
      `'${raw}' is not a pair; write <invariant>/<design>, such as msi-isolation/x86-vtd-ir`,
    );
  return {
    invariant: oneOf('invariant', inv, INVARIANT_IDS),
    design: oneOf('design', design, [...data.designs.keys()]),
  };
};

const defaultNote = (w: Witness, afterOp: number): string =>
  `${classOf(w)}, ${afterOp < 0 ? 'at boot' : `after op ${afterOp + 1}`} (accepted without a reviewer's note)`;

/**
 * The verdict a pair gets when the model finds it holding: n/a stays n/a; a ✓ whose certificate is
 * vacuous (`premise` never met) carries `note`, or the note it had.
 */
const holding = (before: Expected, note: string | undefined, premise: string | undefined): Verdict => {
  if (before.verdict === 'n/a') return before;
  const kept = note ?? (before.verdict === 'holds' ? before.note : undefined);
  return premise === undefined || kept === undefined
    ? { verdict: 'holds' }
    : { verdict: 'holds', note: kept };
};

const decide = (
  data: GateData,
  design: Design,
  invariant: InvariantId,
  note: string | undefined,
  seed: number,
  runs: number,
): Decision => {
  const inv = getInvariant(invariant);
  const before = expected(data, design.id, invariant);
  const stored = storedOf(data, design.id, invariant);
  const file = `counterexamples/${pairFile(invariant, design.id)}`;
  const premise = vacuousPremise(design.id, invariant, data.repo.certificates);
  const holds = (how: string, remove: boolean): Decision => {
    const verdict = holding(before, note, premise);
    if (note !== undefined && verdict.verdict === 'holds' && premise === undefined)
      throw new UsageError(
        `--note on ${invariant}/${design.id}: a holding verdict's note says why its premise never arises, and certificates/${pairFile(invariant, design.id)} is not vacuous (run msispec prove --design ${design.id} first if it should be)`,
      );
    const dropped = before.verdict === 'holds' && before.note !== undefined && !('note' in verdict);
    return {
      design: design.id,
      invariant,
      before,
      verdict,
      ...(remove ? { file: 'remove' as const } : {}),
      says: `${verdict.verdict}: ${how}${dropped ? '; its note is dropped, the certificate is no longer vacuous' : ''}`,
    };
  };
  const violated = (c: Counterexample, how: string): Decision => {
    const keep = c.bound !== undefined && overBound(c.scenario, c.bound).length === 0;
    const bound = keep && c.bound !== undefined ? c.bound : sizeOf(c.scenario);
    const noteText =
      note ??
      (before.verdict === 'violated' ? before.note : defaultNote(c.violation.witness, c.violation.afterOp));
    return {
      design: design.id,
      invariant,
      before,
      verdict: { verdict: 'violated', counterexample: pairFile(invariant, design.id), note: noteText },
      file: { ...c, status: 'expected', bound },
      says: `violated: ${how} (${classOf(c.violation.witness)}, ${plural(c.scenario.ops.length, 'op')})`,
    };
  };
  if (stored !== undefined) {
    const r = replay(design, stored.scenario, [inv], replayClass(stored));
    if (r.violation === undefined)
      return holds(`${file} no longer reproduces; it and its reports are removed`, true);
    const now = classified({ afterOp: r.violation.index, witness: r.violation.violation.witness });
    const changed = JSON.stringify(now) !== JSON.stringify(stored.violation);
    return violated(
      { ...stored, violation: now },
      `${file} reproduces${changed ? ' (witness updated from the replay)' : ''}`,
    );
  }
  const s = checkPair(design, inv, pairSeed(seed, design.id, invariant), runs);
  if (!s.violated) return holds(`no counterexample in ${s.runs} runs (seed ${seed})`, false);
  return violated(
    {
      invariant,
      design: design.id,
      status: 'expected',
      scenario: s.scenario,
      violation: classified({ afterOp: s.index, witness: s.violation.witness }),
      found: {
        seed: s.seed,
        path: s.path,
        runs: s.runs,
        shrinks: s.shrinks,
        ...(s.firstClass === undefined ? {} : { firstClass: s.firstClass }),
      },
      date: new Date().toISOString().slice(0, 10),
      msispec: VERSION,
    },
    `found after ${s.runs} runs, written to ${file}`,
  );
};

/** `msispec accept`: returns the exit code. */
export const accept = (argv: readonly string[], ctx: Context): number => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    ctx.out(HELP);
    return 0;
  }
  const allNew = flags.has('all-new');
  if (allNew === positional.length > 0)
    throw new UsageError('accept takes pairs <invariant>/<design>… or --all-new (one of the two)');
  const noteRaw = flags.get('note');
  const note = typeof noteRaw === 'string' ? noteRaw.trim() : undefined;
  if (note !== undefined && (note === '' || note.includes('\n')))
    throw new UsageError('--note must be one non-empty line');
  const seed = seedFlag(flags, ctx);
  const runs = runsFlag(flags, ctx);
  const data = loadGateData(ctx.repo);
  const targets = allNew
    ? allPairs(data).filter(
        (p) =>
          expected(data, p.design, p.invariant).verdict === 'unreviewed' ||
          storedOf(data, p.design, p.invariant)?.status === 'new',
      )
    : [
        ...new Map(
          positional.map((raw) => parsePair(raw, data)).map((p) => [`${p.invariant}/${p.design}`, p]),
        ).values(),
      ];
  if (targets.length === 0) {
    ctx.out('nothing to accept: every pair has a verdict and no counterexample is new');
    return 0;
  }
  // Decide everything first; only then write.
  const decisions = targets.map((p) => {
    const design = data.designs.get(p.design);
    if (design === undefined) throw new UsageError(`unknown design ${p.design}`);
    return decide(data, design, p.invariant, note, seed, runs);
  });
  let table: Verdicts = data.verdicts;
  for (const d of decisions) {
    const same =
      JSON.stringify(d.before) === JSON.stringify(d.verdict) &&
      (d.file === undefined ||
        (d.file !== 'remove' &&
          JSON.stringify(d.file) === JSON.stringify(storedOf(data, d.design, d.invariant))));
    ctx.out(`${d.invariant}/${d.design}: ${d.says}${same ? ' — already recorded' : ''}`);
    if (note !== undefined && d.verdict.verdict === 'n/a')
      ctx.out('  (--note not recorded: an n/a verdict has its reason)');
    table = withVerdict(table, d.design, d.invariant, d.verdict);
  }
  cleanTemps(ctx);
  try {
    for (const d of decisions) {
      if (d.file === 'remove') removeCounterexample(d.invariant, d.design, ctx.repo.counterexamples);
      else if (d.file !== undefined) writeCounterexample(d.file, ctx.repo.counterexamples);
    }
    writeVerdicts(ctx.repo.verdicts, table);
    ctx.out(`spec/verdicts.json: ${plural(decisions.length, 'verdict')} recorded`);
    ctx.out(reportsSummary(writeReports(loadGateData(ctx.repo))));
  } catch (e) {
    throw new OutputError(`could not write: ${ioMessage(e)}`);
  }
  return 0;
};
