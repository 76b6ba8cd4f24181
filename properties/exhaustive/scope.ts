import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { FIRMWARE_REGIONS, HexAddrSchema } from '../../model/platform/scenario.ts';
import { InputFileError, readJsonFile } from '../../spec/input-error.ts';

/**
 * A scope S of the exhaustive search: a union of boxes of topologies, each with an op depth, and
 * the finite value domains of op arguments that are not indices (IOVAs). "Holds within S" means no
 * scenario of S violates the invariant: every topology of every box, every op sequence up to the
 * box's depth with every argument drawn from its domain.
 */
const ValuesSchema = z.record(z.string(), z.array(HexAddrSchema).min(1));

const range = (lo: number, hi: number) =>
  z
    .tuple([z.number().int().min(lo).max(hi), z.number().int().min(lo).max(hi)])
    .refine(([a, b]) => a <= b, 'a range [min, max] with min ≤ max');

export const BoxSchema = z.object({
  harts: range(1, 4),
  devices: range(1, 4),
  /** Groups per topology; default: any partition of the devices into groups. */
  groups: range(1, 4).optional(),
  /** Vectors of each device. */
  vectors: range(1, 4),
  vms: range(0, 2),
  /** Firmware regions a device may report, as lists (`[]`: none). */
  resv: z.array(z.array(z.enum(FIRMWARE_REGIONS)).max(1)).min(1),
  /** Ops per scenario, at most. */
  depth: z.number().int().min(0).max(12),
  /** Value domains for this box's scenarios, by field; a field not named takes the scope's. */
  values: ValuesSchema.optional(),
});
export type Box = z.infer<typeof BoxSchema>;

export const ScopeSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, 'a lower-case name such as "ci"'),
  description: z.string().min(1),
  boxes: z.array(BoxSchema).min(1),
  /** Value domains of op fields that are not indices, by field name (e.g. `iova`). */
  values: ValuesSchema,
  /**
   * Symmetry reduction: `topologies` explores one topology per isomorphism class (devices and
   * groups renamed); `groups` merges states that differ by swapping two interchangeable groups;
   * `owners` merges states that differ by a renaming of interchangeable VFIO owners; `irqs` merges
   * states that differ only in Linux IRQ numbers (allocation order kept); `records` merges states
   * that differ only in what the last step recorded and no invariant reads (its kernel events).
   */
  symmetry: z
    .object({
      topologies: z.boolean(),
      groups: z.boolean(),
      owners: z.boolean(),
      irqs: z.boolean(),
      records: z.boolean(),
    })
    .default({ topologies: true, groups: true, owners: true, irqs: true, records: true }),
  /** Distinct states one design may store at most; beyond it the search is refused up front or truncated. */
  maxStates: z.number().int().min(1).default(50_000_000),
});
export type Scope = z.infer<typeof ScopeSchema>;

export const SCOPES_DIR = new URL('./scopes/', import.meta.url).pathname;

/** The names of the scopes shipped in properties/exhaustive/scopes/. */
export const scopeNames = (): string[] =>
  readdirSync(SCOPES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();

export class ScopeError extends InputFileError {}

/** A scope by name (properties/exhaustive/scopes/NAME.json) or by file path. */
export const loadScope = (nameOrFile: string): Scope => {
  const isFile = nameOrFile.includes('/') || nameOrFile.endsWith('.json');
  const file = isFile ? nameOrFile : join(SCOPES_DIR, `${nameOrFile}.json`);
  if (!isFile && !existsSync(file))
    throw new ScopeError(file, {
      path: '$',
      message: `no scope named '${nameOrFile}'`,
      allowed: scopeNames(),
    });
  return readJsonFile(file, ScopeSchema, (f, e) => new ScopeError(f, e));
};
