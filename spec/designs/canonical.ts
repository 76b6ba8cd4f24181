import type { ErrnoName, KResult } from '../../model/kernel/errno.ts';
import type { DesignCore } from '../../model/kernel/policy.ts';
import { build } from '../../model/platform/build.ts';
import { deliverFrom } from '../../model/platform/deliver.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import type { State } from '../../model/platform/state.ts';
import { step } from '../../model/platform/step.ts';
import { type Canonical, OWNER_KINDS, type OwnerKind, ownerKind } from './schema.ts';

/** build, then step every op; states[i] / results[i] are after ops[i]. */
export const replayOps = (
  d: DesignCore,
  ops: readonly Op[],
  topology: Topology,
): { readonly states: readonly State[]; readonly results: readonly KResult[]; readonly final: State } => {
  let s = build(d, topology);
  const states: State[] = [];
  const results: KResult[] = [];
  for (const op of ops) {
    const r = step(s, op);
    s = r.state;
    states.push(s);
    results.push(r.result);
  }
  return { states, results, final: s };
};

/** What a canonical scenario shows on a design: its refused ops, and where each owner's MSIs end. */
export interface CanonicalFindings {
  readonly refusals: readonly { readonly op: number; readonly errno: ErrnoName }[];
  /** For each owner kind with an IRQ: how its programmed MSIs ended, after every op ('arrives' or an outcome kind). */
  readonly endings: ReadonlyMap<OwnerKind, ReadonlySet<string>>;
  readonly irqs: number;
}

/**
 * Runs `canonical` on `d`: after every op, each IRQ's device writes its own programmed message
 * (model/platform/deliver.ts deliverFrom) and either it arrives on that IRQ or it ends otherwise.
 */
export const canonicalFindings = (
  d: DesignCore,
  canonical: Pick<Canonical, 'topology' | 'ops'>,
): CanonicalFindings => {
  const { states, results } = replayOps(d, canonical.ops, canonical.topology);
  const refusals = results.flatMap((r, op) => (r.ok ? [] : [{ op, errno: r.errno }]));
  const endings = new Map<OwnerKind, Set<string>>();
  let irqs = 0;
  for (const s of states) {
    for (const q of s.irqs) {
      irqs++;
      const del = deliverFrom(s, q.device, q.msg.addr, q.msg.data);
      const arrives = del.attribution?.kind === 'irq' && del.attribution.irq.irq === q.irq;
      const kind = ownerKind(q.owner);
      const set = endings.get(kind) ?? new Set<string>();
      set.add(arrives ? 'arrives' : del.outcome.kind);
      endings.set(kind, set);
    }
  }
  return { refusals, endings, irqs };
};

/**
 * Where the canonical scenario of `d` differs from what its file says it shows (canonical.refusals
 * and canonical.undelivered): one line per difference, empty when it shows exactly that.
 */
export const canonicalProblems = (d: DesignCore & { readonly canonical: Canonical }): string[] => {
  const c = d.canonical;
  const f = canonicalFindings(d, c);
  const out: string[] = [];
  for (const r of f.refusals) {
    const listed = c.refusals.find((x) => x.op === r.op);
    if (listed === undefined)
      out.push(`canonical op ${r.op} is refused ${r.errno}, not listed in canonical.refusals`);
    else if (listed.errno !== r.errno)
      out.push(`canonical op ${r.op} is refused ${r.errno}, canonical.refusals says ${listed.errno}`);
  }
  for (const x of c.refusals)
    if (!f.refusals.some((r) => r.op === x.op))
      out.push(`canonical op ${x.op} succeeds; canonical.refusals says ${x.errno}`);
  if (f.irqs === 0) out.push('the canonical scenario allocates no IRQ, so it shows no MSI');
  for (const kind of OWNER_KINDS) {
    const ends = f.endings.get(kind);
    const listed = c.undelivered.find((u) => u.owner === kind);
    if (ends === undefined) {
      if (listed !== undefined)
        out.push(`canonical.undelivered lists ${kind}, but the scenario gives ${kind} no IRQ`);
      continue;
    }
    const want = listed === undefined ? 'arrives' : listed.outcome;
    const other = [...ends].filter((e) => e !== want);
    if (other.length > 0)
      out.push(
        `${kind} MSIs of the canonical scenario end in ${[...ends].join(' and ')}; the design file says ${listed === undefined ? 'they arrive' : `they end in ${want}`}`,
      );
  }
  return out;
};
