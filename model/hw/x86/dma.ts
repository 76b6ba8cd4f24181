import { match } from 'ts-pattern';
import { z } from 'zod';
import { hex } from '../../types/addr.ts';
import { type Hop, hop, type Trace } from '../../types/hop.ts';
import { type FaultCause, type Outcome, tracedFault } from '../../types/outcome.ts';
import { lookupPage, PageMapSchema } from '../../types/page-map.ts';
import { parseWith } from '../../types/validate.ts';
import type { Write } from '../../types/write.ts';
import { accessOf, isTranslated } from '../../types/write.ts';
import {
  IO_PAGE_FAULT,
  VTD_FR_CONTEXT_ENTRY_P,
  VTD_FR_INTERRUPT_ADDR,
  VTD_FR_READ,
  VTD_FR_SM_INTERRUPT_ADDR,
  VTD_FR_WRITE,
} from './causes.ts';
import { inInterruptWindow } from './window.ts';

const BLOCK = 'x86-dma';

/**
 * DMA remapping per requester id: identity pass-through, or translation through a page map
 * (VT-d context entry TT / second-level table; AMD-Vi DTE Mode / page table). The table formats
 * are abstracted to their leaves (model/types/page-map.ts).
 */
export const DmaDomainSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('passthrough') }),
  z.object({
    mode: z.literal('translate'),
    map: PageMapSchema,
    /** VT-d scalable mode (root_scalable): output-in-window fault 0x87 instead of 0xE, Translated requests pass. */
    scalable: z.boolean().optional(),
  }),
]);
export type DmaDomain = z.infer<typeof DmaDomainSchema>;

export const DmaRemapSchema = z.map(z.number().int().min(0).max(0xffff), DmaDomainSchema);
export type DmaRemap = z.infer<typeof DmaRemapSchema>;

export const parseDmaRemap = (input: unknown) => parseWith(DmaRemapSchema, input);

/** Which unit translates: the fault names and the 0xFEE output check differ (docs/hardware.md#x86-interrupt-window). */
export type DmaUnit = 'vtd' | 'amd-vi';

const dmaFault = (
  unit: DmaUnit,
  cause: FaultCause,
  trace: Trace,
  step: string,
  ref: string,
  facts: Hop['facts'],
): Outcome => tracedFault(trace, unit, cause, { block: BLOCK, step, ref, facts });

const REF = {
  vtd: 'QEMU hw/i386/intel_iommu.c vtd_do_iommu_translate',
  'amd-vi': 'QEMU hw/i386/amd_iommu.c amdvi_do_translate',
} as const;

/**
 * A DMA access outside the interrupt window, translated for its requester. The caller guarantees
 * the input address is not in the window (window writes are interrupt requests, never DMA).
 * Simplifications: second-level leaves carry no execute permission, so a read-for-execute is
 * checked as a read; an ATS Translated request passes untranslated only in VT-d scalable mode
 * (QEMU "intel_iommu: Support memory operations with pre-translated addresses", vtd_iommu_translate)
 * and is translated like any other request otherwise (QEMU amdvi_translate has no address type).
 */
export const dmaTranslate = (dma: DmaRemap, unit: DmaUnit, w: Write, trace: Trace): Outcome => {
  // 1. Find the requester's domain. A rid with none: VT-d has no present context entry; on AMD-Vi
  //    it has the DTE Linux's init_device_table_dma leaves (V = 1, TV = 1, no permission) → IO_PAGE_FAULT.
  const d = dma.get(w.rid);
  hop(trace, {
    block: BLOCK,
    step: 'find-domain',
    ref: REF[unit],
    facts: { rid: hex(w.rid), mode: d?.mode ?? 'none' },
  });
  if (d === undefined) {
    return unit === 'vtd'
      ? dmaFault(unit, VTD_FR_CONTEXT_ENTRY_P, trace, 'no-context', REF.vtd, { rid: hex(w.rid) })
      : dmaFault(unit, IO_PAGE_FAULT, trace, 'no-dte', REF['amd-vi'], { rid: hex(w.rid) });
  }
  // 2. Translate (pass-through: output = input).
  const write = accessOf(w) === 'write';
  const scalable = d.mode === 'translate' && d.scalable === true;
  const t = match(d)
    .with({ mode: 'passthrough' }, () => ({ kind: 'ok' as const, pa: w.addr }))
    .with({ mode: 'translate' }, (x) =>
      unit === 'vtd' && scalable && isTranslated(w)
        ? { kind: 'ok' as const, pa: w.addr }
        : lookupPage(x.map, w.addr, write ? 'write' : 'read'),
    )
    .exhaustive();
  if (t.kind !== 'ok') {
    // A missing leaf is a not-present entry (R = W = 0), reported like a missing permission.
    return unit === 'vtd'
      ? dmaFault(
          unit,
          write ? VTD_FR_WRITE : VTD_FR_READ,
          trace,
          write ? 'no-write' : 'no-read',
          'QEMU hw/i386/intel_iommu.c vtd_iova_to_slpte',
          { iova: hex(w.addr), result: t.kind },
        )
      : dmaFault(unit, IO_PAGE_FAULT, trace, write ? 'no-write' : 'no-read', REF['amd-vi'], {
          iova: hex(w.addr),
          result: t.kind,
        });
  }
  // 3. VT-d only: translated output inside the interrupt range is blocked (LGN.4, fault 0xE; SGN.8,
  //    0x87 in scalable mode). Simplification: AMD-Vi output into the window is returned as a memory write.
  if (unit === 'vtd' && d.mode === 'translate' && inInterruptWindow(t.pa)) {
    return dmaFault(
      unit,
      scalable ? VTD_FR_SM_INTERRUPT_ADDR : VTD_FR_INTERRUPT_ADDR,
      trace,
      'output-in-interrupt-range',
      'QEMU hw/i386/intel_iommu.c vtd_iova_to_slpte (LGN.4)',
      {
        iova: hex(w.addr),
        pa: hex(t.pa),
      },
    );
  }
  hop(trace, {
    block: BLOCK,
    step: 'translated',
    ref: REF[unit],
    facts: { iova: hex(w.addr), pa: hex(t.pa) },
  });
  return { kind: 'memory', pa: t.pa, data: w.data };
};
