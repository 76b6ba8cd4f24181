/**
 * npm run bench: msispec's performance figures in one run, with the machine noted. Step rates are
 * per CPU-second of this process, measured warm (after a first pass has compiled the hot code);
 * the gate and the CI scope are timed in wall seconds, as CI sees them. Compare runs by ratios.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { UsageError } from '../cli/args.ts';
import { COUNTEREXAMPLES_DIR } from '../counterexamples/store.ts';
import { build } from '../model/platform/build.ts';
import type { Op, Scenario } from '../model/platform/scenario.ts';
import type { State } from '../model/platform/state.ts';
import { step } from '../model/platform/step.ts';
import { collisionProbability } from '../model/types/fingerprint.ts';
import { scenarioArb } from '../properties/arbitraries/scenario.ts';
import { opCoverage } from '../properties/coverage.ts';
import { exploreTopology } from '../properties/exhaustive/bfs.ts';
import { scopeTopologies } from '../properties/exhaustive/enumerate.ts';
import { proveDesign } from '../properties/exhaustive/prove.ts';
import { loadScope } from '../properties/exhaustive/scope.ts';
import { GATE_RUNS, pairSeed, SEED } from '../properties/settings.ts';
import { getDesign, loadDesigns } from '../spec/designs/load.ts';
import type { DesignId } from '../spec/designs/schema.ts';
import { getInvariant, INVARIANTS } from '../spec/invariants/index.ts';
import type { InvariantId } from '../spec/invariants/types.ts';
import { replay } from '../spec/replay.ts';
import { loadVerdicts } from '../spec/verdicts.ts';
import { type BenchPair, type BenchPlan, parseBenchArgs } from './args.ts';

const SCENARIOS = 400;
const SEEDS = 20;
const FIND_BUDGET = 2000;

// 2. Runs until the first counterexample for each violated pair, median over SEEDS seeds, and the
//    shrink steps of the stored counterexample's search.
const findRuns = (pairs: readonly BenchPair[]): void => {
  console.log(
    `2. Runs until the first counterexample, median over ${SEEDS} seeds (budget ${FIND_BUDGET}; shrinking off)`,
  );
  let worst = 0;
  for (const { design, invariant: inv } of pairs) {
    const d = getDesign(design);
    const i = getInvariant(inv);
    const runs: number[] = [];
    for (let k = 0; k < SEEDS; k++) {
      const details = fc.check(
        fc.property(scenarioArb(design), (s) => replay(d, s, [i]).violation === undefined),
        { seed: pairSeed(SEED + k, design, inv), numRuns: FIND_BUDGET, endOnFailure: true },
      );
      runs.push(details.failed ? details.numRuns : Number.POSITIVE_INFINITY);
    }
    const m = median(runs);
    worst = Math.max(worst, m);
    const shrink = fc.check(
      fc.property(scenarioArb(design), (s) => replay(d, s, [i]).violation === undefined),
      {
        seed: pairSeed(SEED, design, inv),
        numRuns: FIND_BUDGET,
      },
    );
    console.log(
      `   ${`${design} × ${inv}`.padEnd(58)} median ${String(m).padStart(4)} runs, max ${String(Math.max(...runs)).padStart(4)}; shrink ${shrink.numShrinks} steps`,
    );
  }
  console.log(`   worst median: ${worst} runs (target ≤ 100: ${worst <= 100 ? 'met' : 'NOT met'})\n`);
};

const verdicts = loadVerdicts();
const violated: BenchPair[] = Object.entries(verdicts).flatMap(([design, row]) =>
  (Object.entries(row) as [InvariantId, { verdict: string }][])
    .filter(([, v]) => v.verdict === 'violated')
    .map(([invariant]) => ({ design: design as DesignId, invariant })),
);
let plan: BenchPlan;
try {
  plan = parseBenchArgs(process.argv.slice(2), violated);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`npm run bench: ${e.message}`);
  process.exit(2);
}

const cpu = cpus();
console.log(
  `msispec bench — ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
console.log(`seed ${SEED}; step rates per CPU-second, warm; the gate and the CI scope in wall seconds\n`);

const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
/** CPU seconds (user + system) `f` takes, run once to warm up and once measured. */
const cpuTime = (f: () => void): number => {
  f();
  const t = process.cpuUsage();
  f();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const k = (n: number) => Math.round(n).toLocaleString('en-US');

/** Every section of the bench, in order. */
const everything = (): void => {
  // 1. Random-search step rate: build + step (+ every invariant after every step) over the
  //    scenarios the gate's generator makes, warm, per CPU-second.
  const designs = [...loadDesigns().values()];
  const invariants = [...INVARIANTS.values()];
  const samples: { design: (typeof designs)[number]; scenario: Scenario }[] = designs.flatMap((design) =>
    fc
      .sample(scenarioArb(design.id), {
        seed: pairSeed(SEED, design.id, 'bench'),
        numRuns: SCENARIOS / designs.length,
      })
      .map((scenario) => ({ design, scenario })),
  );
  const ops = samples.reduce((n, s) => n + s.scenario.ops.length, 0);
  let sink = 0;
  const generate = cpuTime(() => {
    for (const design of designs)
      fc.sample(scenarioArb(design.id), {
        seed: pairSeed(SEED, design.id, 'bench'),
        numRuns: SCENARIOS / designs.length,
      });
  });
  const modelOnly = cpuTime(() => {
    for (const { design, scenario } of samples) {
      let s = build(design, scenario.topology);
      for (const op of scenario.ops) s = step(s, op).state;
      sink += s.irqs.length;
    }
  });
  const full = cpuTime(() => {
    for (const { design, scenario } of samples) sink += replay(design, scenario, invariants).steps.length;
  });
  console.log(
    '1. Random search, warm, per CPU-second (all designs, %d scenarios, %d ops)',
    samples.length,
    ops,
  );
  console.log(`   generation                       ${k(samples.length / generate)} scenarios/s`);
  console.log(`   model steps only                 ${k(ops / modelOnly)} steps/s`);
  console.log(`   model + all ${INVARIANTS.size} invariants        ${k(ops / full)} steps/s\n`);

  findRuns(violated);

  // 3. Op coverage: how often each op was generated and how it fared, summed over all designs.
  console.log('3. Op coverage (300 scenarios per design, all designs)');
  const total: Record<string, { generated: number; ok: number; refused: Record<string, number> }> = {};
  for (const d of designs) {
    for (const [op, c] of Object.entries(opCoverage(d, pairSeed(SEED, d.id, 'coverage'), 300))) {
      const t = total[op] ?? { generated: 0, ok: 0, refused: {} };
      total[op] = t;
      t.generated += c.generated;
      t.ok += c.ok;
      for (const [e, n] of Object.entries(c.refused)) t.refused[e] = (t.refused[e] ?? 0) + n;
    }
  }
  for (const [op, c] of Object.entries(total)) {
    const refused = Object.entries(c.refused)
      .map(([e, n]) => `-${e} ${n}`)
      .join(', ');
    console.log(
      `   ${op.padEnd(22)} generated ${String(c.generated).padStart(5)}, ok ${String(c.ok).padStart(5)}, refused: ${refused || 'none'}`,
    );
  }

  // 4. The whole gate at the CI budget, as CI runs it (vitest on every core).
  console.log(`\n4. Whole gate at the CI budget (${GATE_RUNS} runs per pair), vitest on ${cpu.length} cores`);
  const gate = time(() => {
    execFileSync('npx', ['vitest', 'run', 'properties/gate', '--reporter=dot'], { stdio: 'ignore' });
  });
  console.log(`   ${gate.toFixed(1)} s wall (target < 30 s: ${gate < 30 ? 'met' : 'NOT met'})`);

  // 5. The exhaustive search (msispec prove) of one design over the CI scope, and the same BFS
  //    driver over the same scope with a trivial step (the state's one counter moved by the op), so
  //    the ratio is what the model and the invariants cost over the driver's own work.
  const BENCH_DESIGN = 'arm-smmuv3-gicv3-its';
  const ci = loadScope('ci');
  const d = getDesign(BENCH_DESIGN);
  proveDesign(d, loadScope('smoke'), invariants);
  const t0 = process.cpuUsage();
  const proof = proveDesign(d, ci, invariants);
  const u0 = process.cpuUsage(t0);
  const exhaustive = (u0.user + u0.system) / 1e6;
  /** Each op, once seen, gets the next number: the trivial step adds it to the state's counter. */
  const opNumber = new WeakMap<Op, bigint>();
  let trivialOps = 0;
  const trivialStep = (st: State, op: Op) => {
    let i = opNumber.get(op);
    if (i === undefined) {
      i = BigInt(1 + (trivialOps++ % 97));
      opNumber.set(op, i);
    }
    return { state: { ...st, nextRamPage: (st.nextRamPage * 31n + i) % 4099n } };
  };
  let trivialSteps = 0;
  const t1 = process.cpuUsage();
  for (const t of scopeTopologies(ci))
    trivialSteps += exploreTopology(d, t, ci, [], { maxStates: ci.maxStates, step: trivialStep }).generated;
  const u1 = process.cpuUsage(t1);
  const trivial = (u1.user + u1.system) / 1e6;
  console.log(
    `\n5. Exhaustive search of ${BENCH_DESIGN} within scope ci (${proof.topologies.length} topologies), warm, per CPU-second`,
  );
  console.log(
    `   ${k(proof.distinct)} distinct states, ${k(proof.generated)} steps in ${exhaustive.toFixed(1)} s CPU: ${k(proof.generated / exhaustive)} steps/s, ${k(proof.distinct / exhaustive)} distinct states/s`,
  );
  console.log(`   new states per depth ${proof.perLevel.map(k).join(', ')}`);
  console.log(
    `   same BFS driver, trivial step: ${k(trivialSteps / trivial)} steps/s; exhaustive / trivial = ${(proof.generated / exhaustive / (trivialSteps / trivial)).toFixed(3)}`,
  );
  console.log(
    `   fingerprint table at most ${(proof.peakTableBytes / 2 ** 20).toFixed(1)} MiB; collision probability ${collisionProbability(Math.max(...proof.topologies.map((t) => t.distinct))).toExponential(1)} (TLC's estimate)`,
  );

  // 6. The whole CI scope as CI runs it: every design, one shard per core, merged.
  const dir = mkdtempSync(join(tmpdir(), 'msispec-bench-'));
  cpSync(COUNTEREXAMPLES_DIR, join(dir, 'counterexamples'), { recursive: true });
  let out = '';
  const wall = time(() => {
    try {
      out = execFileSync(
        process.execPath,
        [
          new URL('../cli/msispec.mjs', import.meta.url).pathname,
          'prove',
          '--scope',
          'ci',
          '--jobs',
          String(cpu.length),
          '--certificates',
          join(dir, 'certificates'),
          '--counterexamples',
          join(dir, 'counterexamples'),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 26 },
      );
    } catch (e) {
      // Exit 1 is a gate verdict (pairs that disagree), not a failure of the measurement.
      out = (e as { stdout?: string }).stdout ?? '';
    }
  });
  const states = [...out.matchAll(/: \d+ topologies, (\d+) states/g)].reduce((n, m) => n + Number(m[1]), 0);
  console.log(
    `\n6. CI scope, all ${designs.length} designs, ${cpu.length} shards in parallel: ${wall.toFixed(0)} s wall, ${k(states)} distinct states`,
  );
  console.log(`   ${/\d+ shards in .*/.exec(out)?.[0] ?? ''}`);
  console.log(`   ${out.trim().split('\n').at(-1) ?? ''}`);
  rmSync(dir, { recursive: true, force: true });
  if (sink < 0) console.log(sink);
};

if (plan.only === 'find') findRuns(plan.pairs);
else everything();
