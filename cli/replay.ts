import { readCounterexample } from '../counterexamples/store.ts';
import { deliverFrom } from '../model/platform/deliver.ts';
import type { Hop } from '../model/types/hop.ts';
import { hopSentence, opText, outcomeText, ownerText, resultText } from '../reports/render/hops.ts';
import { getDesign } from '../spec/designs/load.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { replay } from '../spec/replay.ts';
import { type FlagSpec, helpText, parseArgs, UsageError } from './args.ts';

const FLAGS: readonly FlagSpec[] = [{ name: 'help', kind: 'boolean', help: 'show this help' }];
const HELP = helpText(
  'msispec replay FILE',
  "Replays a counterexample file step by step: each op with the kernel's result, then the witness write\ntraced through the hardware hop by hop. Exit 0 when it still violates its invariant as recorded, 1 if not.",
  FLAGS,
);

/** `msispec replay FILE`: returns the exit code. */
export const replayCommand = (argv: readonly string[], out: (s: string) => void): number => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    out(HELP);
    return 0;
  }
  const [file, ...extra] = positional;
  if (file === undefined || extra.length > 0)
    throw new UsageError('replay takes exactly one FILE (a counterexamples/<invariant>/<design>.json)');
  const c = readCounterexample(file);
  const design = getDesign(c.design);
  const inv = getInvariant(c.invariant);
  out(`${c.invariant} on ${c.design} — ${inv.title}`);
  out(`${inv.statement}\n`);
  const t = c.scenario.topology;
  out(
    `topology: ${t.harts} hart(s), ${t.vms} VM(s); ${t.devices.map((d) => `${d.bdf} group ${d.group}, ${d.vectors} vector(s)${d.resv.length > 0 ? `, firmware ${d.resv.join('/')}` : ''}`).join('; ')}`,
  );
  const r = replay(design, c.scenario, [inv]);
  for (const st of r.steps) {
    if (st.index < 0 || st.result === undefined) continue;
    const op = c.scenario.ops[st.index];
    if (op !== undefined)
      out(`${String(st.index + 1).padStart(3)}. ${opText(op, t)} → ${resultText(st.result, op)}`);
  }
  if (r.violation === undefined) {
    out(
      `\nno violation: ${c.invariant} holds after every step. The recorded counterexample no longer reproduces.`,
    );
    return 1;
  }
  const w = r.violation.violation.witness;
  out(`\n${c.invariant} is violated after step ${r.violation.index + 1}. Witness (${w.kind}):`);
  const final = r.steps[r.steps.length - 1]?.state;
  const hops: Hop[] = [];
  if (final !== undefined && w.kind === 'write') {
    out(`  ${w.bdf} writes data ${w.data} (0x${w.data.toString(16)}) to ${w.addr}`);
    deliverFrom(final, w.device, BigInt(w.addr), w.data, hops);
  } else if (final !== undefined && w.kind === 'delivery') {
    out(
      `  IRQ ${w.irq} of ${w.bdf}: programmed message ${w.msg.addr} / data ${w.msg.data}, expected ${w.expected}`,
    );
    deliverFrom(final, w.device, BigInt(w.msg.addr), w.msg.data, hops);
  } else {
    for (const [k, v] of Object.entries(w))
      if (k !== 'kind') out(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  }
  for (const [i, h] of hops.entries()) out(`  ${i + 1}. ${hopSentence(h)}  [${h.ref}]`);
  if (w.kind === 'write')
    out(
      `  → ${outcomeText(w.outcome)}, owned by ${ownerText(w.reached.owner)}${w.reached.irq === undefined ? ` (${w.reached.what})` : ` (IRQ ${w.reached.irq})`}; the device belongs to ${ownerText(w.allowed)}`,
    );
  if (w.kind === 'delivery') out(`  → ${outcomeText(w.outcome)}`);
  const same = w.kind === c.violation.witness.kind;
  out(
    same
      ? '\nreproduces as recorded.'
      : `\nreproduces with a '${w.kind}' witness, recorded as '${c.violation.witness.kind}'.`,
  );
  out(
    `found with seed ${c.found.seed} after ${c.found.runs} runs, shrunk in ${c.found.shrinks} steps (fast-check path ${c.found.path})`,
  );
  return same ? 0 : 1;
};
