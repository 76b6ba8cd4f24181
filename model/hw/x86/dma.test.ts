import { describe, expect, it } from 'vitest';
import { rw } from '../../types/page-map.ts';
import { write32 } from '../../types/write.ts';
import { IO_PAGE_FAULT, VTD_FR_CONTEXT_ENTRY_P, VTD_FR_INTERRUPT_ADDR, VTD_FR_WRITE } from './causes.ts';
import { type DmaRemap, dmaTranslate, parseDmaRemap } from './dma.ts';

const dma: DmaRemap = new Map([
  [0x0100, { mode: 'passthrough' as const }],
  [
    0x0200,
    {
      mode: 'translate' as const,
      map: new Map([
        [0x10n, rw(0x8_0000n)],
        [0x11n, rw(0xfee00n)], // IOVA page 0x11 → the interrupt window
        [0x12n, { ppn: 0x9_0000n, r: true, w: false, x: false }],
      ]),
    },
  ],
]);

describe('x86 DMA remapping (docs/hardware.md#x86-interrupt-window, docs/hardware.md#x86-dma-remapping)', () => {
  it('translates through the requester page map, keeping the page offset', () => {
    expect(dmaTranslate(dma, 'vtd', write32(0x0200, 0x10_123n, 7), undefined)).toEqual({
      kind: 'memory',
      pa: 0x8000_0123n,
      data: 7,
    });
  });

  it('passes the address through unchanged in pass-through mode', () => {
    expect(dmaTranslate(dma, 'vtd', write32(0x0100, 0x1234_5678n, 1), undefined)).toMatchObject({
      pa: 0x1234_5678n,
    });
  });

  it('VT-d: a requester with no domain faults VTD_FR_CONTEXT_ENTRY_P (context entry not present)', () => {
    expect(dmaTranslate(dma, 'vtd', write32(0x0300, 0x1000n, 0), undefined)).toMatchObject({
      cause: VTD_FR_CONTEXT_ENTRY_P.name,
      code: 2,
    });
  });

  it('VT-d: an unmapped or read-only IOVA faults VTD_FR_WRITE (QEMU vtd_iova_to_slpte access_right_check)', () => {
    expect(dmaTranslate(dma, 'vtd', write32(0x0200, 0x13_000n, 0), undefined)).toMatchObject({
      cause: VTD_FR_WRITE.name,
      code: 5,
    });
    expect(dmaTranslate(dma, 'vtd', write32(0x0200, 0x12_000n, 0), undefined)).toMatchObject({
      cause: VTD_FR_WRITE.name,
    });
  });

  it('VT-d: a translation whose output is in 0xFEE00000–0xFEEFFFFF faults 0xE (VTD_FR_INTERRUPT_ADDR, LGN.4)', () => {
    expect(dmaTranslate(dma, 'vtd', write32(0x0200, 0x11_040n, 0x41), undefined)).toEqual({
      kind: 'fault',
      arch: 'vtd',
      cause: VTD_FR_INTERRUPT_ADDR.name,
      code: 0xe,
    });
  });

  it('AMD-Vi: no domain and unmapped IOVA both log IO_PAGE_FAULT; output into the window is not blocked', () => {
    expect(dmaTranslate(dma, 'amd-vi', write32(0x0300, 0x1000n, 0), undefined)).toMatchObject({
      arch: 'amd-vi',
      cause: IO_PAGE_FAULT.name,
    });
    expect(dmaTranslate(dma, 'amd-vi', write32(0x0200, 0x13_000n, 0), undefined)).toMatchObject({
      cause: IO_PAGE_FAULT.name,
    });
    expect(dmaTranslate(dma, 'amd-vi', write32(0x0200, 0x11_040n, 0), undefined)).toMatchObject({
      kind: 'memory',
      pa: 0xfee0_0040n,
    });
  });

  it('parseDmaRemap rejects an unknown mode (only passthrough | translate)', () => {
    const r = parseDmaRemap(new Map([[1, { mode: 'bypass' }]]));
    expect(r.ok).toBe(false);
  });
});
