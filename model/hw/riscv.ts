import { z } from 'zod';
import { hex } from '../types/addr.ts';
import type { Trace } from '../types/hop.ts';
import type { Outcome } from '../types/outcome.ts';
import type { Access } from '../types/page-map.ts';
import { accessOf, type Write } from '../types/write.ts';
import { type ImsicConfig, ImsicConfigSchema, imsicWrite } from './riscv-aia/imsic.ts';
import { type RiscvIommuConfig, RiscvIommuConfigSchema } from './riscv-iommu/config.ts';
import { riscvIommuTranslate } from './riscv-iommu/translate.ts';

/** A RISC-V platform: one IOMMU in front of every device, IMSICs as the only MSI targets. */
export const RiscvPlatformSchema = z.object({
  arch: z.literal('riscv'),
  iommu: RiscvIommuConfigSchema,
  imsic: ImsicConfigSchema,
});
export type RiscvPlatform = z.infer<typeof RiscvPlatformSchema>;

/** Where a physical access lands: an IMSIC file (which never checks the writer) or memory. */
const toPhysical = (
  imsic: ImsicConfig | undefined,
  pa: bigint,
  w: Pick<Write, 'data' | 'size'>,
  access: Access,
  trace: Trace,
): Outcome =>
  (imsic === undefined ? undefined : imsicWrite(imsic, pa, w.data, w.size, trace, access)) ?? {
    kind: 'memory',
    pa,
    data: w.data,
  };

/**
 * A RISC-V IOMMU in front of memory and, optionally, IMSICs (without them no physical address is an
 * interrupt file). MRIF mode stores big-endian MSIs exactly when the IMSICs implement seteipnum_be
 * (AIA, IOMMU "MSI PTE, MRIF mode").
 */
export const deliverRiscvIommu = (
  iommu: RiscvIommuConfig,
  imsic: ImsicConfig | undefined,
  w: Write,
  trace?: Trace,
): Outcome => {
  const access = accessOf(w);
  const r = riscvIommuTranslate(iommu, w, access, trace, imsic?.beMsi ?? false);
  switch (r.kind) {
    case 'pa': {
      const o = toPhysical(imsic, r.pa, w, access, trace);
      return o.kind === 'memory' && r.msiFile !== undefined ? { ...o, msiFile: r.msiFile } : o;
    }
    case 'mrif': {
      // The IOMMU sets the pending bit for D in the MRIF (doubleword D div 64, bit D mod 64), then
      // sends the notice MSI: NID zero-extended, little-endian, to NPPN << 12 (AIA, MRIF mode).
      const noticePa = r.nppn << 12n;
      return {
        kind: 'interrupt',
        controller: 'mrif',
        target: hex(r.mrifAddr),
        identity: r.identity,
        mrif: {
          address: r.mrifAddr,
          pendingDoubleword: r.mrifAddr + BigInt(r.identity >>> 6) * 16n,
          bit: r.identity & 63,
          byteOrder: r.byteOrder,
          noticePa,
          noticeData: r.nid,
          noticeByteOrder: 'little',
        },
        notice: toPhysical(imsic, noticePa, { data: r.nid, size: 4 }, 'write', trace),
      };
    }
    case 'outcome':
      return r.outcome;
    // Stryker disable next-line BlockStatement: unreachable, the switch covers every member of the union
    default: {
      const never: never = r;
      return never;
    }
  }
};

/** deliver() for RISC-V: IOMMU (DC → first stage → MSI table | G-stage), then IMSIC or memory. */
export const deliverRiscv = (p: RiscvPlatform, w: Write, trace?: Trace): Outcome =>
  deliverRiscvIommu(p.iommu, p.imsic, w, trace);
