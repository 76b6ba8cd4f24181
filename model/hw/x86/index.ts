import { match } from 'ts-pattern';
import { z } from 'zod';
import { hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import type { Outcome } from '../../types/outcome.ts';
import { fault } from '../../types/outcome.ts';
import { parseWith } from '../../types/validate.ts';
import { isTranslated, type Write } from '../../types/write.ts';
import { AmdIrConfigSchema, amdInterrupt } from './amd-ir.ts';
import { VTD_FR_SM_INTERRUPT_ADDR } from './causes.ts';
import { DmaRemapSchema, type DmaUnit, dmaTranslate } from './dma.ts';
import { VtdIrConfigSchema, vtdInterrupt } from './vtd-ir.ts';
import {
  compatWindowAccess,
  inInterruptWindow,
  irWindowAccess,
  MSI_WINDOW_END,
  MSI_WINDOW_START,
} from './window.ts';

export * from './amd-ir.ts';
export * from './amd-irte.ts';
export * from './causes.ts';
export * from './dma.ts';
export * from './vtd-ir.ts';
export * from './window.ts';

/** An x86 platform: which interrupt-remapping unit sits over the 0xFEE window, and DMA remapping. */
export const X86PlatformSchema = z.object({
  arch: z.literal('x86'),
  ir: z.discriminatedUnion('kind', [
    VtdIrConfigSchema.extend({ kind: z.literal('vtd') }),
    AmdIrConfigSchema.extend({ kind: z.literal('amd') }),
    z.object({ kind: z.literal('none') }),
  ]),
  dma: DmaRemapSchema,
});
export type X86Platform = z.infer<typeof X86PlatformSchema>;

export const parseX86Platform = (input: unknown) => parseWith(X86PlatformSchema, input);

/**
 * One device write on an x86 platform (docs/hardware.md#x86-interrupt-window): a write inside
 * 0xFEE00000–0xFEEFFFFF is an interrupt request, decoded by the IR unit and NEVER DMA-translated
 * (QEMU overlays the IR MemoryRegion at priority 1 over every device's DMA address space); any
 * other write is DMA-translated for its requester. Model choice: with `ir.kind: 'none'` DMA faults
 * are named as VT-d's (a VT-d unit with no interrupt remapping). PASIDs are ignored. An ATS
 * Translated write to the window is refused by VT-d with 0x87 (QEMU "intel_iommu: Support memory
 * operations with pre-translated addresses", vtd_mem_ir_write); AMD-Vi decodes it like any request.
 */
export const deliverX86 = (p: X86Platform, w: Write, trace?: Trace): Outcome => {
  const inWindow = inInterruptWindow(w.addr);
  hop(trace, {
    block: 'x86-window',
    step: 'window-check',
    ref: 'QEMU hw/i386/intel_iommu.c vtd_find_add_as; hw/i386/amd_iommu.c amdvi_host_dma_iommu',
    facts: {
      addr: hex(w.addr),
      inWindow,
      start: hex(MSI_WINDOW_START),
      end: hex(MSI_WINDOW_END),
      ir: p.ir.kind,
    },
  });
  const unit: DmaUnit = p.ir.kind === 'amd' ? 'amd-vi' : 'vtd';
  if (!inWindow) return dmaTranslate(p.dma, unit, w, trace);
  // No interrupt remapping: every window write is compatibility format straight to the LAPIC.
  if (p.ir.kind === 'none') return compatWindowAccess(w, trace);
  const a = irWindowAccess(w, trace);
  if (a.kind === 'done') return a.outcome;
  const req: Write = { ...w, addr: a.addr, data: a.data, size: 4 };
  return match(p.ir)
    .with({ kind: 'vtd' }, (cfg) => {
      if (isTranslated(w)) {
        hop(trace, {
          block: 'vtd-ir',
          step: 'translated-in-window',
          ref: 'QEMU hw/i386/intel_iommu.c vtd_mem_ir_write (pre-translated addresses, 2025-10)',
          facts: { addr: hex(w.addr) },
        });
        return fault('vtd', VTD_FR_SM_INTERRUPT_ADDR);
      }
      return vtdInterrupt(cfg, req, trace);
    })
    .with({ kind: 'amd' }, (cfg) => amdInterrupt(cfg, req, trace))
    .exhaustive();
};
