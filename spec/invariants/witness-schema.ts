import { z } from 'zod';

const Hex = z.string().regex(/^0x[0-9a-f]+$/);
/** An outcome as plain JSON (addresses as hex strings). */
export const JsonOutcomeSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** The evidence of a violation, as stored in a counterexample file. `kind` is what a replay must reproduce. */
export const WitnessSchema = z.discriminatedUnion('kind', [
  /** A write the device can make (any address, any data) and where it landed. */
  z.object({
    kind: z.literal('write'),
    device: z.number().int(),
    bdf: z.string(),
    addr: Hex,
    data: z.number().int(),
    outcome: JsonOutcomeSchema,
    /** Who owns what it reached: owner key, what it is, and the Linux IRQ and its device if one. */
    reached: z.object({
      owner: z.string(),
      what: z.string(),
      irq: z.number().int().optional(),
      device: z.number().int().optional(),
    }),
    /** The owner the device was assigned to. */
    allowed: z.string(),
  }),
  /** A programmed MSI that did not arrive where it was allocated. */
  z.object({
    kind: z.literal('delivery'),
    irq: z.number().int(),
    device: z.number().int(),
    bdf: z.string(),
    msg: z.object({ addr: Hex, data: z.number().int() }),
    expected: z.string(),
    outcome: JsonOutcomeSchema,
    /** The message is one the IRQ was programmed with during its last affinity move, not its current one (Irq.inflight). */
    inflight: z.literal(true).optional(),
  }),
  z.object({
    kind: z.literal('gate'),
    group: z.number().int(),
    isolated: z.boolean(),
    unsafe: z.boolean(),
    result: z.string(),
  }),
  z.object({ kind: z.literal('mapping'), domain: z.number().int(), iova: Hex, conflict: z.string() }),
  z.object({
    kind: z.literal('direct'),
    device: z.number().int(),
    bdf: z.string(),
    region: z.string(),
    problem: z.string(),
  }),
  z.object({ kind: z.literal('atomic-mapping'), irq: z.number().int(), page: Hex }),
  z.object({
    kind: z.literal('msi-iova'),
    domain: z.number().int(),
    iova: Hex,
    doorbell: Hex,
    window: z.string(),
  }),
  z.object({
    kind: z.literal('regions'),
    device: z.number().int(),
    bdf: z.string(),
    regions: z.array(z.string()),
    problem: z.string(),
  }),
]);
export type Witness = z.infer<typeof WitnessSchema>;
export type JsonOutcome = z.infer<typeof JsonOutcomeSchema>;
