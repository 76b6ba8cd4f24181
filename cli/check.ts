import { counterexamplePath, counterexampleStatus, writeCounterexample } from '../counterexamples/store.ts';
import { type CheckRun, checkVerdict, type PairCheck } from '../properties/gate.ts';
import { GATE_RUNS, SEED } from '../properties/settings.ts';
import { writeJunit, writeReports } from '../reports/render/write.ts';
import { loadDesigns } from '../spec/designs/load.ts';
import { DESIGN_IDS, type DesignId } from '../spec/designs/schema.ts';
import { INVARIANTS } from '../spec/invariants/index.ts';
import { INVARIANT_IDS, type InvariantId } from '../spec/invariants/types.ts';
import { loadVerdicts } from '../spec/verdicts.ts';
import { type FlagSpec, helpText, oneOf, parseArgs, UsageError } from './args.ts';
import { matrixText, progress } from './output.ts';
import { VERSION } from './version.ts';

export const CHECK_FLAGS: readonly FlagSpec[] = [
  { name: 'design', kind: 'list', help: 'only these designs (repeat or comma-separate); default: all 18' },
  { name: 'invariant', kind: 'list', help: 'only these invariants; default: all 13' },
  { name: 'runs', kind: 'int', help: `random scenarios per pair (default ${GATE_RUNS}, or MSISPEC_RUNS)` },
  { name: 'seed', kind: 'int', help: `base seed (default ${SEED}, or MSISPEC_SEED)` },
  { name: 'json', kind: 'boolean', help: 'print the results as JSON instead of the matrix' },
  { name: 'junit', kind: 'string', help: 'also write a JUnit XML report of the gate to FILE' },
  {
    name: 'verdicts',
    kind: 'string',
    help: 'judge against this verdict table instead of spec/verdicts.json',
  },
  { name: 'no-reports', kind: 'boolean', help: 'do not rewrite reports/' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const CHECK_HELP = helpText(
  'msispec check [--design ID…] [--invariant ID…] [--runs N] [--seed S] [--json] [--junit FILE]',
  'Runs the verdict gate: every design × invariant pair against spec/verdicts.json. Writes reports/ and,\nfor a pair that finds a new violation, counterexamples/<invariant>/<design>.json (status "new").\nExit 0 when every verdict matches, 1 when the gate fails, 2 on bad input.',
  CHECK_FLAGS,
);

/** `msispec check`: returns the exit code. */
export const check = (argv: readonly string[], out: (s: string) => void): number => {
  const { flags, positional } = parseArgs(argv, CHECK_FLAGS);
  if (flags.has('help')) {
    out(CHECK_HELP);
    return 0;
  }
  if (positional.length > 0)
    throw new UsageError(`check takes no positional arguments, got '${positional.join(' ')}'`);
  const designs = ((flags.get('design') as string[] | undefined) ?? [...DESIGN_IDS]).map((d) =>
    oneOf<DesignId>('design', d, DESIGN_IDS),
  );
  const invariants = ((flags.get('invariant') as string[] | undefined) ?? [...INVARIANT_IDS]).map((i) =>
    oneOf<InvariantId>('invariant', i, INVARIANT_IDS),
  );
  const seed = flags.has('seed') ? Number(flags.get('seed')) : SEED;
  const runs = flags.has('runs') ? Number(flags.get('runs')) : GATE_RUNS;
  if (runs < 1) throw new UsageError(`--runs must be at least 1, got ${runs}`);
  const catalogue = loadDesigns();
  const verdictsFile = flags.get('verdicts');
  const verdicts = typeof verdictsFile === 'string' ? loadVerdicts(verdictsFile) : loadVerdicts();
  const date = new Date().toISOString().slice(0, 10);
  const json = flags.has('json');
  if (!json)
    out(
      `msispec ${VERSION}: ${designs.length} designs × ${invariants.length} invariants, seed ${seed}, ${runs} runs per pair`,
    );
  const results: PairCheck[] = [];
  const bar = progress(designs.length * invariants.length, json ? () => {} : out);
  for (const id of designs) {
    const design = catalogue.get(id);
    if (design === undefined) throw new Error(`design ${id} is missing from spec/designs`);
    for (const invId of invariants) {
      const inv = INVARIANTS.get(invId);
      if (inv === undefined) throw new Error(`invariant ${invId} has no file in spec/invariants`);
      const r = checkVerdict(design, inv, verdicts[id][invId], seed, runs);
      results.push(r);
      bar.tick(`${id} × ${invId}`);
      if (r.search?.violated) {
        // A reviewed counterexample (status "expected") is never overwritten by a run.
        const kept = counterexampleStatus(invId, id) === 'expected';
        if (kept)
          bar.note(
            `kept the reviewed counterexamples/${counterexamplePath(invId, id)}; the verdict table says ${r.expected.verdict}`,
          );
        else {
          const file = writeCounterexample({
            invariant: invId,
            design: id,
            status: 'new',
            scenario: r.search.scenario,
            violation: { afterOp: r.search.index, witness: r.search.violation.witness },
            found: {
              seed: r.search.seed,
              path: r.search.path,
              runs: r.search.runs,
              shrinks: r.search.shrinks,
            },
            date,
            msispec: VERSION,
          });
          bar.note(`new counterexample: ${file}`);
        }
      }
    }
    bar.group(id);
  }
  bar.done();
  const run: CheckRun = { seed, runs, date, results };
  const failed = results.filter((r) => !r.ok);
  if (json)
    out(JSON.stringify({ seed, runs, date, failed: failed.length, results: results.map(summary) }, null, 2));
  else {
    out(matrixText(designs, invariants, results));
    if (failed.length === 0) out(`gate passed: ${results.length} pairs match spec/verdicts.json`);
    else {
      out(`gate FAILED: ${failed.length} of ${results.length} pairs differ from spec/verdicts.json`);
      for (const r of failed) out(`  ✗ ${r.design} × ${r.invariant}: ${r.why}`);
    }
  }
  if (!flags.has('no-reports')) {
    const written = writeReports(
      run,
      designs.length === DESIGN_IDS.length && invariants.length === INVARIANT_IDS.length,
    );
    if (!json) out(`reports written: ${written}`);
  }
  const junit = flags.get('junit');
  if (typeof junit === 'string') writeJunit(run, junit);
  return failed.length === 0 ? 0 : 1;
};

const summary = (r: PairCheck) => ({
  design: r.design,
  invariant: r.invariant,
  expected: r.expected.verdict,
  found: r.found,
  ok: r.ok,
  ...(r.why === undefined ? {} : { why: r.why }),
  seed: r.seed,
});
