import { z } from 'zod';
import { OpSchema, TopologySchema } from '../../model/platform/scenario.ts';
import { DESIGN_ID } from '../../spec/designs/schema.ts';
import { InputFileError, readJsonFile } from '../../spec/input-error.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { WITNESS_CLASSES } from '../../spec/invariants/witness-class.ts';
import { WitnessSchema } from '../../spec/invariants/witness-schema.ts';
import type { Shard } from './enumerate.ts';
import { ScopeSchema } from './scope.ts';

/**
 * The result of one shard of a scope (`msispec prove --shard k/n --out FILE`): every topology of
 * the shard, per design, with the sources it ran on. `msispec prove --merge` combines the shards
 * 1..n of one scope into certificates; nothing else is shared between the runners.
 */
const Finding = z.object({ ops: z.array(OpSchema), witness: WitnessSchema });
const TopologySummarySchema = z.object({
  index: z.number().int().min(0),
  weight: z.number().int().min(1),
  topology: TopologySchema,
  depth: z.number().int().min(0),
  depthReached: z.number().int().min(0),
  complete: z.boolean(),
  distinct: z.number().int().min(0),
  generated: z.number().int().min(0),
  perLevel: z.array(z.number().int().min(0)),
  violations: z.partialRecord(z.enum(INVARIANT_IDS), Finding),
  byClass: z.partialRecord(z.enum(INVARIANT_IDS), z.partialRecord(z.enum(WITNESS_CLASSES), Finding)),
  premises: z.array(z.enum(INVARIANT_IDS)),
  tableBytes: z.number().int().min(0),
});

export const ShardFileSchema = z.object({
  scope: ScopeSchema,
  shard: z.object({ k: z.number().int().min(1), n: z.number().int().min(1) }),
  designs: z.array(
    z.object({
      design: z.string().regex(DESIGN_ID),
      sources: z.string(),
      invariants: z.array(z.enum(INVARIANT_IDS)),
      topologies: z.array(TopologySummarySchema),
    }),
  ),
});
export type ShardFile = z.infer<typeof ShardFileSchema>;

export class ShardError extends InputFileError {}

export const readShard = (file: string): ShardFile =>
  readJsonFile(file, ShardFileSchema, (f, e) => new ShardError(f, e));

/** Parses `k/n` (1 ≤ k ≤ n); undefined when malformed. */
export const parseShard = (s: string): Shard | undefined => {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (m === null) return undefined;
  const k = Number(m[1]);
  const n = Number(m[2]);
  return k >= 1 && k <= n ? { k, n } : undefined;
};
