import { match } from 'ts-pattern';
import { z } from 'zod';
import type { Trace } from '../types/hop.ts';
import type { Outcome } from '../types/outcome.ts';
import { parseWith } from '../types/validate.ts';
import type { Write } from '../types/write.ts';
import { ArmPlatformSchema, deliverArm } from './arm.ts';
import { deliverRiscv, RiscvPlatformSchema } from './riscv.ts';
import { deliverX86, X86PlatformSchema } from './x86/index.ts';

/** Every platform the hardware layer models, discriminated by architecture. */
export const PlatformSchema = z.discriminatedUnion('arch', [
  RiscvPlatformSchema,
  ArmPlatformSchema,
  X86PlatformSchema,
]);
export type Platform = z.infer<typeof PlatformSchema>;

/** Validates a platform configuration: the first error names its JSON path and the allowed values. */
export const parsePlatform = (input: unknown) => parseWith(PlatformSchema, input);

/**
 * The hardware layer's one entry point: what a device write does on a platform. Pure and total
 * over valid platforms; pass `trace` to collect the hops the write took.
 */
export const deliver = (platform: Platform, w: Write, trace?: Trace): Outcome =>
  match(platform)
    .with({ arch: 'riscv' }, (p) => deliverRiscv(p, w, trace))
    .with({ arch: 'arm' }, (p) => deliverArm(p, w, trace))
    .with({ arch: 'x86' }, (p) => deliverX86(p, w, trace))
    .exhaustive();
