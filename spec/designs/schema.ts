import { z } from 'zod';
import { ERRNO, type ErrnoName } from '../../model/kernel/errno.ts';
import { HardwareSchema, PolicySchema } from '../../model/kernel/policy.ts';
import { OpSchema, SCENARIO_VERSION, ScenarioSchema, TopologySchema } from '../../model/platform/scenario.ts';
import { INVARIANT_IDS } from '../invariants/types.ts';

/**
 * A design id: lower-case words joined by `-`. The designs are the files in spec/designs; an id is
 * valid when `<id>.json` is there (spec/designs/load.ts).
 */
export const DESIGN_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export type DesignId = string;

const SourceSchema = z.object({
  /** A seed (number and message id), a spec section with its revision, a kernel path and function at Linux 7.0, a patch by subject and message id, or a section of the docs pages. */
  ref: z.string().min(1),
  /** What that source says about this design, in one sentence. */
  says: z.string().min(1),
});

const ERRNO_NAMES = Object.keys(ERRNO) as [ErrnoName, ...ErrnoName[]];

/** Who holds an IRQ, as the kernel model names owners (`host`, `userspace:<n>`, `vm:<n>`). */
export const OWNER_KINDS = ['host', 'userspace', 'vm'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];
export const ownerKind = (owner: string): OwnerKind =>
  owner.startsWith('vm:') ? 'vm' : owner.startsWith('userspace:') ? 'userspace' : 'host';

export const OUTCOME_KINDS = ['memory', 'interrupt', 'dropped', 'fault', 'register'] as const;

/**
 * The hand-written canonical scenario (build, assign, allocate MSIs, move affinity) and what it
 * shows: the ops it deliberately has refused, and the IRQ owners whose programmed MSIs the design
 * does not deliver. `msispec new-design` derives both by running the scenario on the new design.
 */
const CanonicalSchema = z
  .object({
    topology: TopologySchema,
    ops: z.array(OpSchema),
    /** Ops (by index) the kernel refuses in this scenario, with the errno and why. */
    refusals: z.array(
      z.object({ op: z.number().int().min(0), errno: z.enum(ERRNO_NAMES), why: z.string().min(1) }),
    ),
    /** IRQs of these owners do not arrive: their own programmed message ends in `outcome` instead. */
    undelivered: z.array(
      z.object({ owner: z.enum(OWNER_KINDS), outcome: z.enum(OUTCOME_KINDS), why: z.string().min(1) }),
    ),
  })
  .superRefine((c, ctx) => {
    // The ops must name devices, groups, harts and VMs of the topology (the Scenario rules).
    const s = ScenarioSchema.safeParse({
      version: SCENARIO_VERSION,
      design: 'canonical',
      topology: c.topology,
      ops: c.ops,
    });
    for (const issue of s.success ? [] : s.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    const seen = new Set<number>();
    c.refusals.forEach((r, i) => {
      if (r.op >= c.ops.length)
        ctx.addIssue({
          code: 'custom',
          path: ['refusals', i, 'op'],
          message: `must be below ${c.ops.length}, the number of canonical ops`,
        });
      if (seen.has(r.op))
        ctx.addIssue({ code: 'custom', path: ['refusals', i, 'op'], message: `op ${r.op} listed twice` });
      seen.add(r.op);
    });
    const owners = new Set<string>();
    c.undelivered.forEach((u, i) => {
      if (owners.has(u.owner))
        ctx.addIssue({
          code: 'custom',
          path: ['undelivered', i, 'owner'],
          message: `${u.owner} listed twice`,
        });
      owners.add(u.owner);
    });
  });
export type Canonical = z.infer<typeof CanonicalSchema>;

/**
 * One design under review: hardware, kernel policy knobs, what it claims, and where it comes from.
 * Whether it claims IRQ_DOMAIN_FLAG_ISOLATED_MSI is one knob, `policy.isolatedMsiClaim`.
 */
export const DesignSchema = z
  .object({
    id: z.string().regex(DESIGN_ID, 'lower-case words joined by "-", such as "riscv-guest-files"'),
    title: z.string().min(1),
    summary: z.string().min(1),
    seeds: z.array(z.enum(['000', '001', '002', '003', '004'])),
    sources: z.array(SourceSchema).min(1),
    hardware: HardwareSchema,
    policy: PolicySchema,
    claims: z.object({
      /** What the design's authors say it provides. */
      statements: z.array(z.string().min(1)).min(1),
    }),
    /** Where the model simplifies this design, each with the source of what it simplifies. */
    simplifications: z.array(z.string().min(1)),
    /** What would make a violated invariant hold, where the sources say so, with the invariants it addresses. */
    remedies: z.array(z.object({ for: z.array(z.enum(INVARIANT_IDS)).min(1), text: z.string().min(1) })),
    canonical: CanonicalSchema,
  })
  .superRefine((d, ctx) => {
    // The nesting knobs mean something only together (model/kernel/kvm/guest-s1.ts guestStage1).
    const p = d.policy;
    const hw = d.hardware;
    if (p.nestedGuest !== 'none' && (hw.arch !== 'arm' || hw.irqchip !== 'gicv3-its'))
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'nestedGuest'],
        message:
          'nesting is modelled on hardware.arch "arm" with hardware.irqchip "gicv3-its" only; use "none"',
      });
    if (p.guestRmr !== undefined && p.nestedGuest !== 'rmr')
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'guestRmr'],
        message: 'applies only with policy.nestedGuest "rmr"; remove it',
      });
    if (p.guestDomain !== undefined && p.nestedGuest === 'none')
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'guestDomain'],
        message: 'applies only with policy.nestedGuest "rmr", "no-rmr" or "vmm-ipa"; remove it',
      });
  });
export type Design = z.infer<typeof DesignSchema>;

/** Where a field moved, for a design file that still uses the old name. */
export const MOVED_FIELDS: Readonly<Record<string, string>> = {
  '$.claims.isolatedMsi': 'the isolation claim is one knob, policy.isolatedMsiClaim',
};
