import { attribute } from '../model/platform/attribution.ts';
import { build } from '../model/platform/build.ts';
import { deliverFrom } from '../model/platform/deliver.ts';
import { step } from '../model/platform/step.ts';
import type { Hop } from '../model/types/hop.ts';
import { hopSentence, opText, ownerText, resultText } from '../reports/render/hops.ts';
import { loadDesigns } from '../spec/designs/load.ts';
import { INVARIANT_IDS } from '../spec/invariants/types.ts';
import { expectedOf, loadVerdicts } from '../spec/verdicts.ts';
import { type FlagSpec, helpText, oneOf, parseArgs, UsageError } from './args.ts';
import type { Context } from './context.ts';

const FLAGS: readonly FlagSpec[] = [{ name: 'help', kind: 'boolean', help: 'show this help' }];
const help = (ids: readonly string[]) =>
  helpText(
    'msispec explain DESIGN',
    `What a design is, its sources, its kernel policy knobs, its verdicts, and how one MSI travels on it
(device → IOMMU → MSI table / ITS / IRTE → controller → identity → IRQ owner), from its canonical
scenario. Designs (the files in spec/designs): ${ids.join(', ')}`,
    FLAGS,
  );

/** `msispec explain DESIGN`: returns the exit code. */
export const explain = (argv: readonly string[], ctx: Context): number => {
  const out = ctx.out;
  const { flags, positional } = parseArgs(argv, FLAGS);
  const designs = loadDesigns(ctx.repo.designs);
  const ids = [...designs.keys()];
  if (flags.has('help')) {
    out(help(ids));
    return 0;
  }
  const [raw, ...extra] = positional;
  if (raw === undefined || extra.length > 0)
    throw new UsageError(`explain takes exactly one DESIGN id; one of: ${ids.join(', ')}`);
  const d = designs.get(oneOf('design', raw, ids));
  if (d === undefined) throw new UsageError(`unknown design ${raw}`);
  out(`${d.id} — ${d.title}\n\n${d.summary}\n`);
  out(`seeds: ${d.seeds.length > 0 ? d.seeds.join(', ') : 'none'}`);
  out('sources:');
  for (const s of d.sources) out(`  - ${s.ref}: ${s.says}`);
  out(
    `\nhardware: ${Object.entries(d.hardware)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}`,
  );
  out(
    `kernel policy: ${Object.entries(d.policy)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}`,
  );
  out(`claims ISOLATED_MSI: ${d.policy.isolatedMsiClaim ? 'yes' : 'no'}; ${d.claims.statements.join(' ')}`);
  if (d.simplifications.length > 0) {
    out('model simplifications:');
    for (const s of d.simplifications) out(`  - ${s}`);
  }
  const verdicts = loadVerdicts(ctx.repo.verdicts, ids);
  out('\nverdicts (spec/verdicts.json):');
  for (const inv of INVARIANT_IDS) {
    const v = expectedOf(verdicts, d.id, inv);
    const detail =
      v.verdict === 'violated'
        ? `${v.note} (counterexamples/${v.counterexample})`
        : v.verdict === 'n/a'
          ? v.reason
          : v.verdict === 'unreviewed'
            ? `unreviewed: run npx msispec check --design ${d.id}, then npx msispec accept`
            : '';
    const mark =
      v.verdict === 'holds' ? '✓' : v.verdict === 'violated' ? '✗' : v.verdict === 'n/a' ? 'n/a' : '?';
    out(`  ${mark.padEnd(3)} ${inv.padEnd(26)} ${detail}`);
  }
  // Run the canonical scenario, then follow one MSI: an assigned device's if there is one.
  out('\ncanonical scenario:');
  let s = build(d, d.canonical.topology);
  d.canonical.ops.forEach((op, i) => {
    const r = step(s, op);
    s = r.state;
    out(`  ${String(i + 1).padStart(2)}. ${opText(op, d.canonical.topology)} → ${resultText(r.result, op)}`);
  });
  const q = s.irqs.find((x) => x.owner !== 'host') ?? s.irqs[0];
  if (q === undefined) {
    out('\nthe canonical scenario allocates no MSI to follow.');
    return 0;
  }
  const bdf = s.devices[q.device]?.bdf ?? '?';
  out(
    `\nhow IRQ ${q.irq} (${bdf}, vector ${q.vector}, owned by ${ownerText(q.owner)}) travels: the device writes data ${q.msg.data} to 0x${q.msg.addr.toString(16)}`,
  );
  const hops: Hop[] = [];
  const r = deliverFrom(s, q.device, q.msg.addr, q.msg.data, hops);
  for (const [i, h] of hops.entries()) out(`  ${i + 1}. ${hopSentence(h)}  [${h.ref}]`);
  if (r.outcome.kind === 'interrupt') {
    const a = attribute(s, r.outcome);
    out(
      `  → Linux: ${a.kind === 'irq' ? `IRQ ${a.irq.irq} of ${s.devices[a.irq.device]?.bdf ?? '?'}` : a.kind}, owned by ${ownerText(a.owner)}`,
    );
  } else
    out(
      `  → ${r.outcome.kind}${r.outcome.kind === 'fault' ? ` ${r.outcome.cause} (${r.outcome.code})` : ''}`,
    );
  return 0;
};
