import { describe, expect, it } from 'vitest';
import { write32 } from '../types/write.ts';
import { smmuTranslate } from './arm-smmuv3/translate.ts';
import { qemuPieces } from './qemu-access.ts';
import { deliverRiscv } from './riscv.ts';
import { bareDc, testRiscv } from './riscv-fixture.ts';
import { deviceIdBits } from './riscv-iommu/translate.ts';
import { amdInterrupt } from './x86/amd-ir.ts';
import { decodeAmdIrte, encodeAmdIrte } from './x86/amd-irte.ts';
import { decodeIrte, encodeIrte, vtdInterrupt } from './x86/vtd-ir.ts';

describe('QEMU access pieces (system/physmem.c flatview_write_continue → memory_access_size)', () => {
  it('splits a 16-byte write into 4-byte pieces, only the first carrying the data', () => {
    expect(qemuPieces(0x1040n, 16, 0x1234_5678, 4)).toEqual([
      { addr: 0x1040n, size: 4, data: 0x1234_5678 },
      { addr: 0x1044n, size: 4, data: 0 },
      { addr: 0x1048n, size: 4, data: 0 },
      { addr: 0x104cn, size: 4, data: 0 },
    ]);
  });
  it('bounds each piece by its address alignment and rounds to a power of two', () => {
    expect(qemuPieces(0x1001n, 4, 0x4433_2211, 4).map((p) => [p.size, p.data])).toEqual([
      [1, 0x11],
      [2, 0x3322],
      [1, 0x44],
    ]);
  });
  it('takes an unset valid.max_access_size as 4 bytes', () => {
    expect(qemuPieces(0x40n, 8, 0x60, 0).map((p) => p.size)).toEqual([4, 4]);
  });
});

describe('RISC-V IOMMU transaction types (IOMMU spec, Process to translate an IOVA)', () => {
  const rid = 0x08;
  it('device_id width follows the DDT depth and the DC format (steps 3-5)', () => {
    expect(deviceIdBits(testRiscv({ ddtp: { iommu_mode: 'DDT', levels: 1 } }).iommu)).toBe(6);
    expect(deviceIdBits(testRiscv({ ddtp: { iommu_mode: 'DDT', levels: 2 } }).iommu)).toBe(15);
    const base = testRiscv({
      ddtp: { iommu_mode: 'DDT', levels: 1 },
      capabilities: { MSI_FLAT: false, MSI_MRIF: false, PAS: 56, gStage: 'Sv48x4' },
    });
    expect(deviceIdBits(base.iommu)).toBe(7);
  });
  it('a Translated request needs DC.tc.EN_ATS (260); with T2GPA = 0 its address is the SPA (step 8)', () => {
    const p = testRiscv({ ddt: new Map([[rid, bareDc()]]) });
    expect(deliverRiscv(p, { ...write32(rid, 0x2800_0000n, 3), translated: true })).toMatchObject({
      code: 260,
    });
    const ats = testRiscv({ ddt: new Map([[rid, bareDc({ tc: { V: true, PDTV: false, EN_ATS: true } })]]) });
    expect(deliverRiscv(ats, { ...write32(rid, 0x2800_0000n, 3), translated: true })).toMatchObject({
      kind: 'interrupt',
      target: '0.0',
      identity: 3,
    });
  });
  it('DC.tc.DTF leaves the transaction aborted but unrecorded; 258 is reported even so (fault CAUSE table)', () => {
    const dc = bareDc({
      tc: { V: true, PDTV: false, DTF: true },
      iohgatp: { MODE: 'Sv48x4', GSCID: 0, pages: new Map() },
    });
    const p = testRiscv({ ddt: new Map([[rid, dc]]) });
    expect(deliverRiscv(p, write32(rid, 0x1000n, 1))).toEqual({
      kind: 'fault',
      arch: 'riscv-iommu',
      cause: 'WRITE_AMO_GUEST_PAGE_FAULT',
      code: 23,
      unrecorded: true,
    });
    expect(deliverRiscv(p, write32(rid + 1, 0x1000n, 1))).not.toHaveProperty('unrecorded');
  });
  it('a read of an IMSIC file returns zero and raises nothing (AIA, memory region of an interrupt file)', () => {
    const p = testRiscv({ ddtp: { iommu_mode: 'Bare' } });
    expect(deliverRiscv(p, { ...write32(rid, 0x2800_0000n, 3), access: 'read' })).toEqual({
      kind: 'dropped',
      reason: 'imsic-read-zero',
    });
  });
});

describe('SMMUv3 and ATS Translated transactions (STE.EATS = 0b00: F_TRANSL_FORBIDDEN)', () => {
  const smmu = {
    streams: new Map([
      [1, { config: 'bypass' as const }],
      [2, { config: 's1' as const, s1: new Map([[0n, { ppn: 5n, r: true, w: true, x: false }]]) }],
    ]),
  };
  it('passes a bypass STE unchanged and refuses a translating one', () => {
    expect(smmuTranslate(smmu, 1, 0x10n, 'write', undefined, true)).toEqual({ kind: 'ok', pa: 0x10n });
    expect(smmuTranslate(smmu, 2, 0x10n, 'write', undefined, true)).toMatchObject({
      cause: 'F_TRANSL_FORBIDDEN',
      code: 7,
    });
    expect(smmuTranslate(smmu, 2, 0x10n, 'write', undefined)).toEqual({ kind: 'ok', pa: 0x5010n });
  });
});

describe('VT-d IRTE bit layout (Linux include/linux/dmar.h struct irte) and FPD (QEMU vtd_irte_get)', () => {
  it('reads back the remapped-format fields it was built from', () => {
    const { lo, hi } = encodeIrte({ P: true, FPD: true, vector: 0x4a, DST: 0x2b, SID: 0x218, SQ: 2, SVT: 1 });
    expect(decodeIrte(lo, hi)).toEqual({
      present: true,
      fpd: true,
      vector: 0x4a,
      dest: 0x2b,
      sid: 0x218,
      sq: 2,
      svt: 1,
      im: 0,
      dlm: 0,
      reservedSet: false,
    });
  });
  it('posted format: the descriptor address is pda_h:pda_l and DM/RH/TM/DLM bits are reserved', () => {
    const posted = encodeIrte({ P: true, IM: 1, vector: 0x91, DST: 0x1234_5640 }, [96]);
    expect(decodeIrte(posted.lo, posted.hi)).toMatchObject({
      im: 1,
      pda: 0x1_1234_5640n,
      vvector: 0x91,
      reservedSet: false,
    });
    const dm = encodeIrte({ P: true, IM: 1, DM: 1 });
    expect(decodeIrte(dm.lo, dm.hi).reservedSet).toBe(true);
    const rsvd = encodeIrte({ P: true }, [100]);
    expect(decodeIrte(rsvd.lo, rsvd.hi).reservedSet).toBe(true);
  });
  it('FPD suppresses recording of a not-present IRTE fault; the request is still blocked', () => {
    const { lo, hi } = encodeIrte({ P: false, FPD: true });
    const cfg = { ires: true, cfis: false, eime: true, irtSize: 16, irt: new Map([[4, decodeIrte(lo, hi)]]) };
    expect(vtdInterrupt(cfg, write32(0x10, 0xfee0_0090n, 0), undefined)).toMatchObject({
      kind: 'fault',
      code: 0x22,
      unrecorded: true,
    });
  });
});

describe('AMD-Vi IRTE layouts (QEMU hw/i386/amd_iommu.h union irte, struct irte_ga)', () => {
  const fields = { RemapEn: true, SupIOPF: true, IntType: 1, Destination: 0x04, Vector: 0x3c };
  it('puts the vector in bits 23:16 (legacy) or 71:64 (GA) and reads each back', () => {
    expect(encodeAmdIrte(fields, false)).toBe(0x3c04_07n);
    expect(encodeAmdIrte(fields, true)).toBe((0x3cn << 64n) | 0x04_07n);
    for (const ga of [false, true])
      expect(decodeAmdIrte(encodeAmdIrte(fields, ga), ga)).toMatchObject({
        remapEn: true,
        supIOPF: true,
        intType: 1,
        destination: 4,
        vector: 0x3c,
      });
  });
  it('SupIOPF leaves a target abort unrecorded', () => {
    const dte = {
      iv: true,
      intCtl: 2 as const,
      irt: new Map(),
      irtRaw: new Map([[3, encodeAmdIrte({ RemapEn: false, SupIOPF: true }, false)]]),
      pass: { nmi: false, init: false, extint: false },
    };
    expect(
      amdInterrupt({ devices: new Map([[0x10, dte]]) }, write32(0x10, 0xfee0_0000n, 3), undefined),
    ).toMatchObject({
      cause: 'AMDVI_IR_TARGET_ABORT',
      unrecorded: true,
    });
  });
});
