/**
 * npm run bench: msispec's performance figures in one run, with the machine noted. Rates are per
 * second of wall time on this machine; compare runs by their ratios, not their absolute values.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import fc from 'fast-check';
import { build } from '../model/platform/build.ts';
import type { Scenario } from '../model/platform/scenario.ts';
import { step } from '../model/platform/step.ts';
import { scenarioArb } from '../properties/arbitraries/scenario.ts';
import { opCoverage } from '../properties/coverage.ts';
import { GATE_RUNS, pairSeed, SEED } from '../properties/settings.ts';
import { getDesign, loadDesigns } from '../spec/designs/load.ts';
import type { DesignId } from '../spec/designs/schema.ts';
import { getInvariant, INVARIANTS } from '../spec/invariants/index.ts';
import type { InvariantId } from '../spec/invariants/types.ts';
import { replay } from '../spec/replay.ts';
import { loadVerdicts } from '../spec/verdicts.ts';

const SCENARIOS = 400;
const SEEDS = 20;
const FIND_BUDGET = 2000;

const cpu = cpus();
console.log(
  `msispec bench — ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
console.log(`seed ${SEED}; figures are wall-clock rates on this machine\n`);

const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

// 1. Step rate: the real harness (build + step + all 13 invariants after every step) against the
//    same generator and loop with a trivial model (every op ignored, no invariant).
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
const trivial = time(() => {
  for (const { scenario } of samples) for (const op of scenario.ops) sink += op.op.length;
});
const modelOnly = time(() => {
  for (const { design, scenario } of samples) {
    let s = build(design, scenario.topology);
    for (const op of scenario.ops) s = step(s, op).state;
    sink += s.irqs.length;
  }
});
const full = time(() => {
  for (const { design, scenario } of samples) sink += replay(design, scenario, invariants).steps.length;
});
// The harness both share: fast-check generating the same scenarios.
const generate = time(() => {
  for (const design of designs)
    fc.sample(scenarioArb(design.id), {
      seed: pairSeed(SEED, design.id, 'bench'),
      numRuns: SCENARIOS / designs.length,
    });
});
const rate = (t: number) => ops / t;
console.log('1. Step rate (all designs, %d scenarios, %d ops)', samples.length, ops);
console.log(`   generation alone                 ${(samples.length / generate).toFixed(0)} scenarios/s`);
console.log(
  `   trivial model (harness + loop)   ${(samples.length / (generate + trivial)).toFixed(0)} scenarios/s, ${rate(generate + trivial).toFixed(0)} steps/s`,
);
console.log(
  `   model steps only                 ${(samples.length / (generate + modelOnly)).toFixed(0)} scenarios/s, ${rate(generate + modelOnly).toFixed(0)} steps/s`,
);
console.log(
  `   model + all 13 invariants        ${(samples.length / (generate + full)).toFixed(0)} scenarios/s, ${rate(generate + full).toFixed(0)} steps/s`,
);
const ratio = (generate + trivial) / (generate + full);
console.log(
  `   ratio full / trivial harness     ${ratio.toFixed(2)} (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'})\n`,
);

// 2. Runs until the first counterexample for each violated pair, median over SEEDS seeds, and the
//    shrink steps of the stored counterexample's search.
const verdicts = loadVerdicts();
console.log(
  `2. Runs until the first counterexample, median over ${SEEDS} seeds (budget ${FIND_BUDGET}; shrinking off)`,
);
let worst = 0;
for (const [design, row] of Object.entries(verdicts) as [
  DesignId,
  Record<InvariantId, { verdict: string }>,
][]) {
  for (const [inv, v] of Object.entries(row) as [InvariantId, { verdict: string }][]) {
    if (v.verdict !== 'violated') continue;
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
}
console.log(`   worst median: ${worst} runs (target ≤ 100: ${worst <= 100 ? 'met' : 'NOT met'})\n`);

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
if (sink < 0) console.log(sink);
