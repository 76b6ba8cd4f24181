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
export const deliver = (platform: Platform, w: Write, trace?: Trace): Outcome => {
  // A switch rather than ts-pattern here: this runs for every write the invariants enumerate.
  switch (platform.arch) {
    case 'riscv':
      return deliverRiscv(platform, w, trace);
    case 'arm':
      return deliverArm(platform, w, trace);
    case 'x86':
      return deliverX86(platform, w, trace);
    // Stryker disable next-line BlockStatement: unreachable, the switch covers every member of the union
    default: {
      const never: never = platform;
      return never;
    }
  }
};
