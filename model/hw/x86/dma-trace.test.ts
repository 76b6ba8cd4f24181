import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { rw } from '../../types/page-map.ts';
import { type Write, write32 } from '../../types/write.ts';
import { type DmaRemap, type DmaUnit, dmaTranslate, parseDmaRemap } from './dma.ts';

// Whole outcomes and traces of x86 DMA remapping: QEMU hw/i386/intel_iommu.c vtd_do_iommu_translate /
// vtd_iova_to_slpte and hw/i386/amd_iommu.c amdvi_do_translate; the interrupt-address range
// 0xFEE00000–0xFEEFFFFF (Intel VT-d spec 3.14 "Handling Requests to Interrupt Address Range").
const RO = { ppn: 0x9_0000n, r: true, w: false, x: false };
const dma = (scalable?: boolean): DmaRemap =>
  new Map([
    [0x0100, { mode: 'passthrough' as const }],
    [
      0x0200,
      {
        mode: 'translate' as const,
        map: new Map([
          [0x10n, rw(0x8_0000n)],
          [0x11n, rw(0xfee00n)], // first page of the interrupt range
          [0x13n, rw(0xfeeffn)], // last page of the interrupt range
          [0x14n, rw(0xfedffn)], // the page below it
          [0x15n, rw(0xfef00n)], // the page above it
          [0x12n, RO],
        ]),
        ...(scalable === undefined ? {} : { scalable }),
      },
    ],
  ]);
const run = (unit: DmaUnit, w: Write, m = dma()) => {
  const trace: Hop[] = [];
  const outcome = dmaTranslate(m, unit, w, trace);
  return { outcome, trace };
};
const VTD = 'QEMU hw/i386/intel_iommu.c vtd_do_iommu_translate';
const AMD = 'QEMU hw/i386/amd_iommu.c amdvi_do_translate';
const find = (ref: string, rid: string, mode: string): Hop => ({
  block: 'x86-dma',
  step: 'find-domain',
  ref,
  facts: { rid, mode },
});

describe('x86 DMA remapping, whole outcome and trace', () => {
  it('VT-d: no context entry → fault 0x2 recorded on a no-context hop', () => {
    expect(run('vtd', write32(0x0300, 0x1000n, 0))).toEqual({
      outcome: { kind: 'fault', arch: 'vtd', cause: 'VTD_FR_CONTEXT_ENTRY_P', code: 0x2 },
      trace: [
        find(VTD, '0x300', 'none'),
        {
          block: 'x86-dma',
          step: 'no-context',
          ref: VTD,
          facts: { rid: '0x300', fault: 'VTD_FR_CONTEXT_ENTRY_P' },
        },
      ],
    });
  });
  it('AMD-Vi: no DTE of its own → IO_PAGE_FAULT (Linux drivers/iommu/amd/init.c init_device_table_dma leaves V = 1, TV = 1, no permission)', () => {
    expect(run('amd-vi', write32(0x0300, 0x1000n, 0))).toEqual({
      outcome: { kind: 'fault', arch: 'amd-vi', cause: 'IO_PAGE_FAULT', code: 0x2 },
      trace: [
        find(AMD, '0x300', 'none'),
        { block: 'x86-dma', step: 'no-dte', ref: AMD, facts: { rid: '0x300', fault: 'IO_PAGE_FAULT' } },
      ],
    });
  });
  it('pass-through returns the input address and the data, on both units, even inside the interrupt range', () => {
    for (const unit of ['vtd', 'amd-vi'] as const) {
      const r = run(unit, write32(0x0100, 0xfee0_0000n, 9));
      expect(r.outcome).toEqual({ kind: 'memory', pa: 0xfee0_0000n, data: 9 });
      expect(r.trace.map((h) => h.step)).toEqual(['find-domain', 'translated']);
      expect(r.trace[0]).toEqual(find(unit === 'vtd' ? VTD : AMD, '0x100', 'passthrough'));
    }
  });
  it('VT-d: a read of an unmapped page is VTD_FR_READ (0x6), a write to a read-only page VTD_FR_WRITE (0x5) (vtd_iova_to_slpte)', () => {
    const rd = run('vtd', { ...write32(0x0200, 0x20_000n, 0), access: 'read' });
    expect(rd.outcome).toEqual({ kind: 'fault', arch: 'vtd', cause: 'VTD_FR_READ', code: 0x6 });
    expect(rd.trace[1]).toEqual({
      block: 'x86-dma',
      step: 'no-read',
      ref: 'QEMU hw/i386/intel_iommu.c vtd_iova_to_slpte',
      facts: { iova: '0x20000', result: 'not-mapped', fault: 'VTD_FR_READ' },
    });
    const wr = run('vtd', write32(0x0200, 0x12_000n, 0));
    expect(wr.outcome).toEqual({ kind: 'fault', arch: 'vtd', cause: 'VTD_FR_WRITE', code: 0x5 });
    expect(wr.trace[1]?.facts).toEqual({ iova: '0x12000', result: 'no-permission', fault: 'VTD_FR_WRITE' });
    expect(run('vtd', { ...write32(0x0200, 0x12_004n, 0), access: 'read' }).outcome).toEqual({
      kind: 'memory',
      pa: 0x9000_0004n,
      data: 0,
    });
  });
  it('AMD-Vi: a missing leaf or permission is IO_PAGE_FAULT for reads and writes; the step names the access that failed', () => {
    const rd = run('amd-vi', { ...write32(0x0200, 0x20_000n, 0), access: 'read' });
    expect(rd.outcome).toEqual({ kind: 'fault', arch: 'amd-vi', cause: 'IO_PAGE_FAULT', code: 0x2 });
    expect(rd.trace[1]?.step).toBe('no-read');
    expect(run('amd-vi', write32(0x0200, 0x12_000n, 0)).trace[1]?.step).toBe('no-write');
    expect(run('amd-vi', write32(0x0200, 0x12_000n, 0)).trace[1]?.facts).toEqual({
      iova: '0x12000',
      result: 'no-permission',
      fault: 'IO_PAGE_FAULT',
    });
  });
  it('VT-d legacy: output in the first or last page of the interrupt range faults 0xE (LGN.4); the pages either side are memory', () => {
    for (const page of [0x11n, 0x13n]) {
      const r = run('vtd', write32(0x0200, (page << 12n) | 0x40n, 1));
      expect(r.outcome).toEqual({ kind: 'fault', arch: 'vtd', cause: 'VTD_FR_INTERRUPT_ADDR', code: 0xe });
      expect(r.trace[1]?.step).toBe('output-in-interrupt-range');
    }
    expect(run('vtd', write32(0x0200, 0x14_ffcn, 1)).outcome).toEqual({
      kind: 'memory',
      pa: 0xfedf_fffcn,
      data: 1,
    });
    expect(run('vtd', write32(0x0200, 0x15_000n, 1)).outcome).toEqual({
      kind: 'memory',
      pa: 0xfef0_0000n,
      data: 1,
    });
  });
  it('VT-d scalable: the same output faults 0x87 (SGN.8); scalable: false is legacy', () => {
    expect(run('vtd', write32(0x0200, 0x11_040n, 1), dma(true))).toEqual({
      outcome: { kind: 'fault', arch: 'vtd', cause: 'VTD_FR_SM_INTERRUPT_ADDR', code: 0x87 },
      trace: [
        find(VTD, '0x200', 'translate'),
        {
          block: 'x86-dma',
          step: 'output-in-interrupt-range',
          ref: 'QEMU hw/i386/intel_iommu.c vtd_iova_to_slpte (LGN.4)',
          facts: { iova: '0x11040', pa: '0xfee00040', fault: 'VTD_FR_SM_INTERRUPT_ADDR' },
        },
      ],
    });
    expect(run('vtd', write32(0x0200, 0x11_040n, 1), dma(false)).outcome).toMatchObject({ code: 0xe });
  });
  it('AMD-Vi: output into the interrupt range is returned as a memory write (model simplification, docs/hardware.md#x86-interrupt-window)', () => {
    expect(run('amd-vi', write32(0x0200, 0x11_040n, 1)).outcome).toEqual({
      kind: 'memory',
      pa: 0xfee0_0040n,
      data: 1,
    });
  });
  it('an ATS Translated request passes untranslated only in VT-d scalable mode (QEMU vtd_iommu_translate pre-translated addresses); otherwise it is translated', () => {
    const t = { ...write32(0x0200, 0x10_008n, 3), translated: true };
    const sm = run('vtd', t, dma(true));
    expect(sm.outcome).toEqual({ kind: 'memory', pa: 0x10_008n, data: 3 });
    expect(sm.trace[1]).toEqual({
      block: 'x86-dma',
      step: 'translated',
      ref: VTD,
      facts: { iova: '0x10008', pa: '0x10008' },
    });
    expect(run('vtd', t, dma(false)).outcome).toEqual({ kind: 'memory', pa: 0x8000_0008n, data: 3 });
    expect(run('amd-vi', t, dma(true)).outcome).toEqual({ kind: 'memory', pa: 0x8000_0008n, data: 3 });
  });
});

describe('DmaRemapSchema requester-id bound (PCI requester id: 16 bits, bus:dev.fn; Intel VT-d spec 3.4.1 "Root Table")', () => {
  const at = (rid: number) => parseDmaRemap(new Map([[rid, { mode: 'passthrough' }]])).ok;
  it('0 and 0xffff are accepted; −1, 0x10000 and 1.5 are rejected', () => {
    expect([at(0), at(0xffff), at(-1), at(0x1_0000), at(1.5)]).toEqual([true, true, false, false, false]);
  });
});
