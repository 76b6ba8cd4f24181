import { describe, expect, it } from 'vitest';
import type { Hop } from '../types/hop.ts';
import { rw } from '../types/page-map.ts';
import { type Write, write32 } from '../types/write.ts';
import type { ArmPlatform } from './arm.ts';
import { deliver } from './deliver.ts';
import { deliverRiscvIommu } from './riscv.ts';
import { bareDc, testImsic, testIommu } from './riscv-fixture.ts';
import { dmaTranslate } from './x86/dma.ts';
import { deliverX86, type X86Platform } from './x86/index.ts';

/**
 * The platform entry points: which block each write reaches and what each records (Arm IORT DEN
 * 0049 ID mappings and QEMU hw/arm/smmuv3.c smmuv3_translate; QEMU hw/i386/intel_iommu.c
 * vtd_find_add_as, vtd_mem_ir_write, vtd_iova_to_slpte and hw/i386/amd_iommu.c amdvi_do_translate;
 * RISC-V IOMMU spec v1.0.1, Process to translate an IOVA, with the AIA IMSIC as the only MSI target).
 */
const f = (arch: string, cause: string, code: number) => ({ kind: 'fault', arch, cause, code });

describe('Arm: IORT mapping, SMMU, then ITS / GICv2m / distributor / memory', () => {
  const arm: ArmPlatform = {
    arch: 'arm',
    smmu: { streams: new Map([[3, { config: 'bypass' as const }]]) },
    its: [],
    v2m: [{ base: 0x0802_0000n, firstSpi: 64, numSpis: 32 }],
    rids: new Map([[0x10, { sid: 3, deviceId: 9 }]]),
  };
  it('a rid with no IORT mapping has no StreamID: C_BAD_STREAMID, recorded as unmapped', () => {
    const trace: Hop[] = [];
    expect(deliver(arm, write32(0x11, 0x1000n, 1), trace)).toEqual(f('smmuv3', 'C_BAD_STREAMID', 2));
    expect(trace).toEqual([
      {
        block: 'arm',
        step: 'iort-id-mapping',
        ref: 'Arm IORT (DEN 0049) ID mappings: RID → StreamID / DeviceID; docs/hardware.md#arm-platform',
        facts: { rid: 0x11, mapped: false },
      },
    ]);
  });
  it('a mapped rid records its StreamID and DeviceID; a PA in no frame is a memory write', () => {
    const trace: Hop[] = [];
    expect(deliver(arm, write32(0x10, 0x1000n, 7), trace)).toEqual({ kind: 'memory', pa: 0x1000n, data: 7 });
    expect(trace[0]?.facts).toEqual({ rid: 0x10, mapped: true, sid: 3, deviceId: 9 });
    expect(trace.at(-1)).toEqual({
      block: 'arm',
      step: 'memory-write',
      ref: 'docs/hardware.md#arm-delivery-step-by-step',
      facts: { pa: '0x1000' },
    });
  });
  it('a PA in the GICv2m frame reaches it; a distributor frame is consulted after v2m', () => {
    expect(deliver(arm, write32(0x10, 0x0802_0040n, 70))).toEqual({
      kind: 'interrupt',
      controller: 'gic-spi',
      target: 'dist',
      identity: 70,
    });
    const withGicd: ArmPlatform = {
      ...arm,
      v2m: [],
      gicd: [{ base: 0x0800_0000n, spis: 64, mbis: true }],
    };
    expect(deliver(withGicd, write32(0x10, 0x0800_0040n, 40))).toMatchObject({
      kind: 'interrupt',
      identity: 40,
    });
  });
});

describe('RISC-V: IOMMU result to IMSIC or memory', () => {
  it('a PA from MSI translation that is memory carries the interrupt file number', () => {
    const iommu = testIommu({
      ddt: new Map([
        [
          1,
          bareDc({
            iohgatp: { MODE: 'Sv48x4', GSCID: 0, pages: new Map() },
            msiptp: { MODE: 1, PPN: 0x90n },
            msi_addr_mask: 0n,
            msi_addr_pattern: 0x28000n,
          }),
        ],
      ]),
      msiPtes: new Map([[0x90n << 12n, { dw0: 1n | (3n << 1n) | (0x5000n << 10n), dw1: 0n }]]),
    });
    expect(deliverRiscvIommu(iommu, testImsic(), write32(1, 0x2800_0000n, 3))).toEqual({
      kind: 'memory',
      pa: 0x500_0000n,
      data: 3,
      msiFile: 0,
    });
    expect(deliverRiscvIommu(iommu, undefined, write32(1, 0x2800_0000n, 3))).toMatchObject({ msiFile: 0 });
  });
  it('without IMSICs no physical address is an interrupt file; a non-MSI PA carries no file number', () => {
    const bare = testIommu({ ddtp: { iommu_mode: 'Bare' } });
    expect(deliverRiscvIommu(bare, undefined, write32(1, 0x2800_0000n, 3))).toEqual({
      kind: 'memory',
      pa: 0x2800_0000n,
      data: 3,
    });
    expect(deliverRiscvIommu(bare, testImsic(), write32(1, 0x2800_0000n, 3))).toMatchObject({
      kind: 'interrupt',
    });
  });
});

describe('x86: the window decides, then the IR unit or DMA translation', () => {
  const dma = new Map([[0x10, { mode: 'translate' as const, map: new Map([[0x1n, rw(0x2n)]]) }]]);
  const vtd: X86Platform = {
    arch: 'x86',
    ir: { kind: 'vtd', ires: true, cfis: false, eime: false, irtSize: 8, irt: new Map() },
    dma,
  };
  const amd: X86Platform = {
    arch: 'x86',
    ir: {
      kind: 'amd',
      devices: new Map([
        [0x10, { iv: false, intCtl: 0, irt: new Map(), pass: { nmi: false, init: false, extint: false } }],
      ]),
    },
    dma,
  };
  const translated = (w: Write): Write => ({ ...w, translated: true });
  it('records the window check with its bounds and the IR kind', () => {
    const trace: Hop[] = [];
    deliverX86(vtd, write32(0x10, 0x1000n, 1), trace);
    expect(trace[0]).toEqual({
      block: 'x86-window',
      step: 'window-check',
      ref: 'QEMU hw/i386/intel_iommu.c vtd_find_add_as; hw/i386/amd_iommu.c amdvi_host_dma_iommu',
      facts: { addr: '0x1000', inWindow: false, start: '0xfee00000', end: '0xfeefffff', ir: 'vtd' },
    });
  });
  it('outside the window: DMA translated, fault names by unit (VT-d for none and vtd, AMD-Vi for amd)', () => {
    expect(deliverX86(vtd, write32(0x10, 0x1010n, 1))).toEqual({ kind: 'memory', pa: 0x2010n, data: 1 });
    expect(deliverX86(vtd, write32(0x11, 0x1010n, 1))).toEqual(f('vtd', 'VTD_FR_CONTEXT_ENTRY_P', 2));
    expect(deliverX86({ ...vtd, ir: { kind: 'none' } }, write32(0x11, 0x1010n, 1))).toEqual(
      f('vtd', 'VTD_FR_CONTEXT_ENTRY_P', 2),
    );
    expect(deliverX86(amd, write32(0x11, 0x1010n, 1))).toEqual(f('amd-vi', 'IO_PAGE_FAULT', 2));
  });
  it('a Translated request to the window: VT-d refuses it (0x87) and records it, AMD-Vi decodes it', () => {
    const trace: Hop[] = [];
    expect(deliverX86(vtd, translated(write32(0x10, 0xfee0_0000n, 0x30)), trace)).toEqual(
      f('vtd', 'VTD_FR_SM_INTERRUPT_ADDR', 0x87),
    );
    expect(trace.at(-1)).toEqual({
      block: 'vtd-ir',
      step: 'translated-in-window',
      ref: 'QEMU hw/i386/intel_iommu.c vtd_mem_ir_write (pre-translated addresses, 2025-10)',
      facts: { addr: '0xfee00000' },
    });
    expect(deliverX86(amd, translated(write32(0x10, 0xfee0_1000n, 0x30)))).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic1',
      identity: 0x30,
    });
  });
  it('a 2-byte write to the window is a decode error under remapping; without remapping it is not an MSI', () => {
    const w = { ...write32(0x10, 0xfee0_0000n, 0x30), size: 2 };
    expect(deliverX86(amd, w)).toEqual(f('bus', 'MEMTX_DECODE_ERROR', 0));
    expect(deliverX86({ ...vtd, ir: { kind: 'none' } }, w)).toEqual({
      kind: 'dropped',
      reason: 'lapic-not-an-msi',
    });
  });
});

describe('x86 DMA translation (QEMU vtd_iova_to_slpte, amdvi_do_translate)', () => {
  const dma = new Map([
    [
      1,
      {
        mode: 'translate' as const,
        map: new Map([[0x1n, { ppn: 0x2n, r: true, w: false, x: false }]]),
      },
    ],
    [2, { mode: 'passthrough' as const }],
    [3, { mode: 'translate' as const, scalable: true, map: new Map([[0x1n, rw(0xfee00n)]]) }],
    [4, { mode: 'translate' as const, map: new Map([[0x1n, rw(0xfee00n)]]) }],
  ]);
  it('a read needs R, a write W: VTD_FR_READ 6 / VTD_FR_WRITE 5, AMD-Vi IO_PAGE_FAULT', () => {
    const trace: Hop[] = [];
    expect(dmaTranslate(dma, 'vtd', { ...write32(1, 0x1008n, 0), access: 'read' }, undefined)).toEqual({
      kind: 'memory',
      pa: 0x2008n,
      data: 0,
    });
    expect(dmaTranslate(dma, 'vtd', write32(1, 0x1008n, 0), trace)).toEqual(f('vtd', 'VTD_FR_WRITE', 5));
    expect(trace.at(-1)).toEqual({
      block: 'x86-dma',
      step: 'no-write',
      ref: 'QEMU hw/i386/intel_iommu.c vtd_iova_to_slpte',
      facts: { iova: '0x1008', result: 'no-permission', fault: 'VTD_FR_WRITE' },
    });
    expect(dmaTranslate(dma, 'vtd', { ...write32(1, 0x3008n, 0), access: 'read' }, undefined)).toEqual(
      f('vtd', 'VTD_FR_READ', 6),
    );
    expect(dmaTranslate(dma, 'amd-vi', write32(1, 0x1008n, 0), undefined)).toEqual(
      f('amd-vi', 'IO_PAGE_FAULT', 2),
    );
  });
  it('pass-through keeps the address; output in the window is 0xE, or 0x87 in scalable mode; AMD-Vi passes it', () => {
    expect(dmaTranslate(dma, 'vtd', write32(2, 0xfee0_0000n, 0), undefined)).toEqual({
      kind: 'memory',
      pa: 0xfee0_0000n,
      data: 0,
    });
    expect(dmaTranslate(dma, 'vtd', write32(4, 0x1000n, 0), undefined)).toEqual(
      f('vtd', 'VTD_FR_INTERRUPT_ADDR', 0xe),
    );
    expect(dmaTranslate(dma, 'vtd', write32(3, 0x1000n, 0), undefined)).toEqual(
      f('vtd', 'VTD_FR_SM_INTERRUPT_ADDR', 0x87),
    );
    expect(dmaTranslate(dma, 'amd-vi', write32(4, 0x1000n, 0), undefined)).toEqual({
      kind: 'memory',
      pa: 0xfee0_0000n,
      data: 0,
    });
  });
  it('a Translated request passes untranslated only in VT-d scalable mode', () => {
    const t = (rid: number, unit: 'vtd' | 'amd-vi') =>
      dmaTranslate(dma, unit, { ...write32(rid, 0x5000n, 0), translated: true }, undefined);
    expect(t(3, 'vtd')).toEqual({ kind: 'memory', pa: 0x5000n, data: 0 });
    expect(t(3, 'amd-vi')).toEqual(f('amd-vi', 'IO_PAGE_FAULT', 2));
    expect(t(4, 'vtd')).toEqual(f('vtd', 'VTD_FR_WRITE', 5));
  });
});
