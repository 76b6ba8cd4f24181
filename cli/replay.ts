import { readCounterexample } from '../counterexamples/store.ts';
import { strengthsOf, strengthText } from '../properties/strength.ts';
import { reportData } from '../reports/render/data.ts';
import { hopSentence, opText, outcomeText, ownerText, resultText } from '../reports/render/hops.ts';
import { loadDesigns } from '../spec/designs/load.ts';
import { loadVerdicts } from '../spec/verdicts.ts';
import { type FlagSpec, helpText, parseArgs, UsageError } from './args.ts';
import type { Context } from './context.ts';

const FLAGS: readonly FlagSpec[] = [{ name: 'help', kind: 'boolean', help: 'show this help' }];
const HELP = helpText(
  'msispec replay FILE',
  "Replays a counterexample file step by step: each op with the kernel's result, then the witness write\ntraced through the hardware hop by hop. Exit 0 when it still violates its invariant as recorded, 1 if not.",
  FLAGS,
);

/** `msispec replay FILE`: returns the exit code. */
export const replayCommand = (argv: readonly string[], ctx: Context): number => {
  const out = ctx.out;
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    out(HELP);
    return 0;
  }
  const [file, ...extra] = positional;
  if (file === undefined || extra.length > 0)
    throw new UsageError('replay takes exactly one FILE (a counterexamples/<invariant>/<design>.json)');
  const designs = loadDesigns(ctx.repo.designs);
  const c = readCounterexample(file, [...designs.keys()]);
  const design = designs.get(c.design);
  if (design === undefined) throw new UsageError(`no design ${c.design}`); // readCounterexample checked it
  // The same replay and witness trace a report shows (reports/render/data.ts).
  const strengths = strengthsOf(loadVerdicts(ctx.repo.verdicts, [...designs.keys()]), [c.design], ctx.repo);
  const d = reportData(design, c, file, { strengths, remedies: {} });
  out(`${c.invariant} on ${c.design} — ${d.invariant.title}`);
  out(`${d.invariant.statement}\n`);
  const t = c.scenario.topology;
  out(
    `topology: ${t.harts} hart(s), ${t.vms} VM(s); ${t.devices.map((dv) => `${dv.bdf} group ${dv.group}, ${dv.vectors} vector(s)${dv.resv.length > 0 ? `, firmware ${dv.resv.join('/')}` : ''}`).join('; ')}`,
  );
  for (const row of d.trace)
    out(`${String(row.index + 1).padStart(3)}. ${opText(row.op, t)} → ${resultText(row.result, row.op)}`);
  if (!d.reproduces) {
    out(
      `\nthe recorded counterexample no longer reproduces: ${c.invariant} is not violated with a '${c.violation.witness.kind}' witness.`,
    );
    return 1;
  }
  const w = d.witness;
  out(`\n${c.invariant} is violated after step ${c.violation.afterOp + 1}. Witness (${w.kind}):`);
  if (w.kind === 'write') out(`  ${w.bdf} writes data ${w.data} (0x${w.data.toString(16)}) to ${w.addr}`);
  else if (w.kind === 'delivery') {
    out(
      `  IRQ ${w.irq} of ${w.bdf}: ${w.inflight === true ? 'in-flight message of its last move' : 'programmed message'} ${w.msg.addr} / data ${w.msg.data}, expected ${w.expected}`,
    );
  } else {
    for (const [k, v] of Object.entries(w))
      if (k !== 'kind') out(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  }
  for (const [i, h] of d.hops.entries()) out(`  ${i + 1}. ${hopSentence(h)}  [${h.ref}]`);
  if (w.kind === 'write') {
    out(
      `  → ${outcomeText(w.outcome)}, owned by ${ownerText(w.reached.owner)}${w.reached.irq === undefined ? ` (${w.reached.what})` : ` (IRQ ${w.reached.irq})`}; the device belongs to ${ownerText(w.allowed)}`,
    );
  }
  if (w.kind === 'delivery') out(`  → ${outcomeText(w.outcome)}`);
  out('\nreproduces as recorded.');
  const m = c.certified;
  out(
    `${m?.by === 'exhaustive' ? 'the violation was first found' : 'found'} with seed ${c.found.seed} after ${c.found.runs} runs, shrunk in ${c.found.shrinks} steps (fast-check path ${c.found.path})`,
  );
  if (m !== undefined)
    out(
      `${m.minimal} (msispec prove): ${m.ops} ops, topology weight ${m.topologyWeight}; ${m.by === 'exhaustive' ? "this scenario is the exhaustive search's, which replaced the shrunk one (larger, or of a weaker witness class)" : 'no shorter scenario exists within the scope'}`,
    );
  const strength = d.strengths.get(c.invariant);
  if (strength !== undefined) out(`strength of the recorded verdict: ${strengthText(strength)}`);
  return 0;
};
