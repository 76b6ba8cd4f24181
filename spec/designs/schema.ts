import { z } from 'zod';
import { HardwareSchema, PolicySchema } from '../../model/kernel/policy.ts';
import { OpSchema, TopologySchema } from '../../model/platform/scenario.ts';
import { INVARIANT_IDS } from '../invariants/types.ts';

/** The design ids under review (DESIGN.md): exactly these, so reports and history stay comparable. */
export const DESIGN_IDS = [
  'arm-smmuv3-gicv3-its',
  'arm-smmuv3-gicv2m',
  'arm-nested-rmr',
  'arm-nested-no-rmr',
  'x86-vtd-ir',
  'x86-vtd-ir-nosid',
  'x86-amd-ir',
  'x86-no-ir',
  'riscv-no-msi-window',
  'riscv-hart-only-msi-table',
  'riscv-map-all-imsics',
  'riscv-resv-direct-relaxable',
  'riscv-prepare-msi',
  'riscv-s2-preferred',
  'riscv-guest-files',
  'vfio-per-vector-msi-address',
  'dma-iommu-mixed-domain',
  'direct-flag-dma-only',
] as const;
export type DesignId = (typeof DESIGN_IDS)[number];

const SourceSchema = z.object({
  /** A seed file, fact-sheet section, spec section, kernel function or Message-ID. */
  ref: z.string().min(1),
  /** What that source says about this design, in one sentence. */
  says: z.string().min(1),
});

/** One design under review: hardware, kernel policy knobs, what it claims, and where it comes from. */
export const DesignSchema = z
  .object({
    id: z.enum(DESIGN_IDS),
    title: z.string().min(1),
    summary: z.string().min(1),
    seeds: z.array(z.enum(['000', '001', '002', '003', '004'])),
    sources: z.array(SourceSchema).min(1),
    hardware: HardwareSchema,
    policy: PolicySchema,
    claims: z.object({
      /** Whether the design's MSI irq domain claims IRQ_DOMAIN_FLAG_ISOLATED_MSI. */
      isolatedMsi: z.boolean(),
      /** What the design's authors say it provides. */
      statements: z.array(z.string().min(1)).min(1),
    }),
    /** Where the model simplifies this design, each with the source of what it simplifies. */
    simplifications: z.array(z.string().min(1)),
    /** What would make a violated invariant hold, where the sources say so, with the invariants it addresses. */
    remedies: z.array(z.object({ for: z.array(z.enum(INVARIANT_IDS)).min(1), text: z.string().min(1) })),
    /** The hand-written canonical scenario: build, assign, allocate MSIs, move affinity. */
    canonical: z.object({ topology: TopologySchema, ops: z.array(OpSchema) }),
  })
  .superRefine((d, ctx) => {
    if (d.claims.isolatedMsi !== d.policy.isolatedMsiClaim) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'isolatedMsiClaim'],
        message: 'must equal claims.isolatedMsi',
      });
    }
  });
export type Design = z.infer<typeof DesignSchema>;
