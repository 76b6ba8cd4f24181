import { z } from 'zod';
import { hex } from '../types/addr.ts';
import type { Trace } from '../types/hop.ts';
import type { Outcome } from '../types/outcome.ts';
import { parseWith } from '../types/validate.ts';
import type { Write } from '../types/write.ts';
import { ImsicConfigSchema, imsicWrite } from './riscv-aia/imsic.ts';
import { RiscvIommuConfigSchema } from './riscv-iommu/config.ts';
import { riscvIommuTranslate } from './riscv-iommu/translate.ts';

/** A RISC-V platform: one IOMMU in front of every device, IMSICs as the only MSI targets. */
export const RiscvPlatformSchema = z.object({
  arch: z.literal('riscv'),
  iommu: RiscvIommuConfigSchema,
  imsic: ImsicConfigSchema,
});
export type RiscvPlatform = z.infer<typeof RiscvPlatformSchema>;
export const parseRiscvPlatform = (input: unknown) => parseWith(RiscvPlatformSchema, input);

/** Where a physical write lands: an IMSIC file (which never checks the writer) or memory. */
const toPhysical = (p: RiscvPlatform, pa: bigint, data: number, size: number, trace: Trace): Outcome =>
  imsicWrite(p.imsic, pa, data, size, trace) ?? { kind: 'memory', pa, data };

/** deliver() for RISC-V: IOMMU (DC → first stage → MSI table | G-stage), then IMSIC or memory. */
export const deliverRiscv = (p: RiscvPlatform, w: Write, trace?: Trace): Outcome => {
  const r = riscvIommuTranslate(p.iommu, w, 'write', trace);
  switch (r.kind) {
    case 'pa':
      return toPhysical(p, r.pa, w.data, w.size, trace);
    case 'mrif':
      // The IOMMU sets the pending bit in the MRIF, then sends the notice MSI (NID, little-endian).
      return {
        kind: 'interrupt',
        controller: 'mrif',
        target: hex(r.mrifAddr),
        identity: r.identity,
        notice: toPhysical(p, r.nppn << 12n, r.nid, 4, trace),
      };
    case 'outcome':
      return r.outcome;
    default: {
      const never: never = r;
      return never;
    }
  }
};
