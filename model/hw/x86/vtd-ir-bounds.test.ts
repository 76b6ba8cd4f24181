import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { write32 } from '../../types/write.ts';
import {
  type Irte,
  parseVtdIrConfig,
  type VtdIrConfig,
  vtdHandle,
  vtdInterrupt,
  vtdSidOk,
} from './vtd-ir.ts';

/**
 * Each VT-d interrupt-remapping check on both sides, with the hop it records (Intel VT-d spec ch. 5
 * "Interrupt Remapping": remappable format address bit 4, handle[14:0] in bits 19:5 and handle[15]
 * in bit 2, SHV bit 3 with data[15:0] as sub-handle and data[31:16] reserved; IRTE SVT / SQ / SID;
 * QEMU hw/i386/intel_iommu.c vtd_interrupt_remap_msi, vtd_irte_get: index >= intr_size is 0x21;
 * Linux drivers/iommu/intel/irq_remapping.c set_irte_sid, set_irte_verify_bus).
 */
const REF_REMAP = 'QEMU hw/i386/intel_iommu.c vtd_interrupt_remap_msi';
const REF_GET = 'QEMU hw/i386/intel_iommu.c vtd_irte_get';
const RID = 0x0108;
const remappable = (handle: number, shv = false): bigint =>
  0xfee0_0010n | (BigInt(handle & 0x7fff) << 5n) | (BigInt((handle >> 15) & 1) << 2n) | (shv ? 8n : 0n);
const irte = (over: Partial<Extract<Irte, { im: 0 }>> = {}): Irte => ({
  present: true,
  fpd: false,
  vector: 0x41,
  dest: 0x0300,
  im: 0,
  svt: 1,
  sq: 0,
  sid: RID,
  reservedSet: false,
  ...over,
});
const cfg = (irt: [number, Irte][], over: Partial<VtdIrConfig> = {}): VtdIrConfig => ({
  ires: true,
  cfis: false,
  eime: false,
  irtSize: 8,
  irt: new Map(irt),
  ...over,
});
const run = (c: VtdIrConfig, addr: bigint, data = 0, rid = RID) => {
  const trace: Hop[] = [];
  return { outcome: vtdInterrupt(c, write32(rid, addr, data), trace), trace };
};
const f = (cause: string, code: number) => ({ kind: 'fault', arch: 'vtd', cause, code });
const indexHop = (handle: number, shv: boolean, index: number): Hop => ({
  block: 'vtd-ir',
  step: 'index',
  ref: REF_REMAP,
  facts: { handle, shv, index },
});

describe('handle and index', () => {
  it('handle[14:0] = address bits 19:5, handle[15] = address bit 2; bits 4:3 and 1:0 are not part of it', () => {
    expect(vtdHandle(0xfee0_0020n)).toBe(1);
    expect(vtdHandle(0xfeef_ffe0n)).toBe(0x7fff);
    expect(vtdHandle(0xfee0_0004n)).toBe(0x8000);
    expect(vtdHandle(0xfee0_001bn)).toBe(0);
    expect(vtdHandle(0xfef0_0000n)).toBe(0);
  });
  it('index irtSize - 1 is read, irtSize is 0x21 (recorded with both)', () => {
    expect(run(cfg([[7, irte()]]), remappable(7)).outcome).toMatchObject({
      kind: 'interrupt',
      identity: 0x41,
    });
    expect(run(cfg([[7, irte()]], { irtSize: 7 }), remappable(7))).toEqual({
      outcome: f('VTD_FR_IR_INDEX_OVER', 0x21),
      trace: [
        indexHop(7, false, 7),
        {
          block: 'vtd-ir',
          step: 'index-over',
          ref: REF_GET,
          facts: { index: 7, irtSize: 7, fault: 'VTD_FR_IR_INDEX_OVER' },
        },
      ],
    });
  });
  it('SHV adds data[15:0] to the handle; data[31:16] must then be 0 (0x20, after the IRTE checks)', () => {
    const c = cfg([[7, irte()]]);
    expect(run(c, remappable(3, true), 4).trace[0]).toEqual(indexHop(3, true, 7));
    expect(run(c, remappable(3, true), 0x1_0004)).toEqual({
      outcome: f('VTD_FR_IR_REQ_RSVD', 0x20),
      trace: [
        indexHop(3, true, 7),
        expect.objectContaining({ step: 'sid-check' }),
        {
          block: 'vtd-ir',
          step: 'data-hi-reserved',
          ref: REF_REMAP,
          facts: { data: '0x10004', fault: 'VTD_FR_IR_REQ_RSVD' },
        },
      ],
    });
    // Without SHV the data is not an index and data[31:16] is not checked.
    expect(run(c, remappable(7), 0xffff_0000).outcome).toMatchObject({ kind: 'interrupt' });
  });
});

describe('IRTE checks', () => {
  it('not present (0x22) records the index and FPD; FPD leaves the fault unrecorded', () => {
    expect(run(cfg([]), remappable(2)).trace.at(-1)).toEqual({
      block: 'vtd-ir',
      step: 'irte-not-present',
      ref: REF_GET,
      facts: { index: 2, fpd: false, fault: 'VTD_FR_IR_ENTRY_P' },
    });
    expect(run(cfg([[2, irte({ present: false, fpd: true })]]), remappable(2)).outcome).toEqual({
      ...f('VTD_FR_IR_ENTRY_P', 0x22),
      unrecorded: true,
    });
  });
  it('reserved bits (0x24) record the index and FPD', () => {
    expect(run(cfg([[2, irte({ reservedSet: true })]]), remappable(2)).trace.at(-1)).toEqual({
      block: 'vtd-ir',
      step: 'irte-reserved',
      ref: REF_GET,
      facts: { index: 2, fpd: false, fault: 'VTD_FR_IR_IRTE_RSVD' },
    });
  });
  it('the SID check records requester, SVT, SQ, SID and its verdict; a mismatch is 0x26', () => {
    expect(run(cfg([[2, irte({ fpd: true })]]), remappable(2), 0, 0x0109)).toEqual({
      outcome: { ...f('VTD_FR_IR_SID_ERR', 0x26), unrecorded: true },
      trace: [
        indexHop(2, false, 2),
        {
          block: 'vtd-ir',
          step: 'sid-check',
          ref: REF_GET,
          facts: { index: 2, rid: '0x109', svt: 1, sq: 0, sid: '0x108', ok: false },
        },
        {
          block: 'vtd-ir',
          step: 'sid-mismatch',
          ref: REF_GET,
          facts: { index: 2, fpd: true, fault: 'VTD_FR_IR_SID_ERR' },
        },
      ],
    });
  });
  it('SQ masks: 1 ignores SID bit 2, 2 bits 2:1, 3 bits 2:0, and no more', () => {
    const ok = (sq: 0 | 1 | 2 | 3, rid: number) => vtdSidOk(irte({ sq, sid: 0x0108 }), rid);
    expect([ok(0, 0x0108), ok(0, 0x010c)]).toEqual([true, false]);
    expect([ok(1, 0x010c), ok(1, 0x010a), ok(1, 0x0109)]).toEqual([true, false, false]);
    expect([ok(2, 0x010e), ok(2, 0x0109), ok(2, 0x0118)]).toEqual([true, false, false]);
    expect([ok(3, 0x010f), ok(3, 0x0110), ok(3, 0x0008)]).toEqual([true, false, false]);
  });
  it('SVT = 2: StartBus# in SID[15:8], EndBus# in SID[7:0], both inclusive', () => {
    const ok = (rid: number) => vtdSidOk(irte({ svt: 2, sid: 0x0204 }), rid);
    expect([ok(0x01ff), ok(0x0200), ok(0x04ff), ok(0x0500)]).toEqual([false, true, true, false]);
  });
});

describe('delivery', () => {
  it('xAPIC destination is IRTE.dest[15:8]; x2APIC the whole field; the remapped hop records them', () => {
    const e = irte({ dest: 0x0001_2a00, dlm: 1 });
    expect(run(cfg([[1, e]]), remappable(1))).toEqual({
      outcome: {
        kind: 'interrupt',
        controller: 'lapic',
        target: 'apic42',
        identity: 0x41,
        deliveryMode: 'lowest-priority',
      },
      trace: [
        indexHop(1, false, 1),
        expect.objectContaining({ step: 'sid-check' }),
        {
          block: 'vtd-ir',
          step: 'remapped',
          ref: REF_REMAP,
          facts: { index: 1, dest: 42, vector: 0x41, eime: false, dlm: 1 },
        },
      ],
    });
    expect(run(cfg([[1, e]], { eime: true }), remappable(1)).outcome).toMatchObject({ target: 'apic76288' });
  });
  it('IRES = 0 passes the request unremapped and records it', () => {
    expect(run(cfg([], { ires: false }), 0xfee0_1000n, 0x30).trace[0]).toEqual({
      block: 'vtd-ir',
      step: 'ir-disabled',
      ref: 'Intel VT-d spec ch. 5 Interrupt Remapping (GSTS.IRES = 0)',
      facts: { rid: RID },
    });
  });
  it('compatibility format: blocked 0x25 with CFIS and EIME recorded; passed with CFIS = 1, EIME = 0', () => {
    expect(run(cfg([]), 0xfee0_1000n, 0x30)).toEqual({
      outcome: f('VTD_FR_IR_REQ_COMPAT', 0x25),
      trace: [
        {
          block: 'vtd-ir',
          step: 'compat-blocked',
          ref: 'QEMU intel_iommu_internal.h VTD_FR_IR_REQ_COMPAT',
          facts: { cfis: false, eime: false, fault: 'VTD_FR_IR_REQ_COMPAT' },
        },
      ],
    });
    expect(run(cfg([], { cfis: true }), 0xfee0_1000n, 0x30).trace[0]).toEqual({
      block: 'vtd-ir',
      step: 'compat-passthrough',
      ref: 'Linux drivers/iommu/intel/irq_remapping.c iommu_enable_irq_remapping (CFIS warning)',
      facts: { rid: RID, unsafe: true },
    });
  });
  it('address bits 63:32 set: 0x20 recorded with the address', () => {
    expect(run(cfg([]), 0x1_fee0_0010n).trace).toEqual([
      {
        block: 'vtd-ir',
        step: 'addr-hi-reserved',
        ref: REF_REMAP,
        facts: { addr: '0x1fee00010', fault: 'VTD_FR_IR_REQ_RSVD' },
      },
    ]);
  });
});

describe('VtdIrConfigSchema bounds', () => {
  it('irtSize 0..0x10000, IRT index 0..0xffff, vector 0..0xff, SID 0..0xffff, DLM 0..7', () => {
    const ok = (o: Partial<VtdIrConfig>) => parseVtdIrConfig(cfg([], o)).ok;
    expect([ok({ irtSize: -1 }), ok({ irtSize: 0x10000 }), ok({ irtSize: 0x10001 })]).toEqual([
      false,
      true,
      false,
    ]);
    const at = (i: number, e: Irte) => parseVtdIrConfig(cfg([[i, e]])).ok;
    expect([at(0xffff, irte()), at(0x10000, irte()), at(-1, irte())]).toEqual([true, false, false]);
    expect([
      at(0, irte({ vector: 0xff })),
      at(0, irte({ vector: 0x100 })),
      at(0, irte({ vector: -1 })),
    ]).toEqual([true, false, false]);
    expect([
      at(0, irte({ sid: 0xffff })),
      at(0, irte({ sid: 0x10000 })),
      at(0, irte({ dlm: 7 })),
      at(0, irte({ dlm: 8 })),
    ]).toEqual([true, false, true, false]);
    expect([
      at(0, irte({ dest: 0xffffffff })),
      at(0, irte({ dest: 2 ** 32 })),
      at(0, irte({ dest: -1 })),
    ]).toEqual([true, false, false]);
  });
});

describe('VtdIrConfigSchema keeps what it is given and fills the documented defaults (VT-d spec 9.10 IRTE; QEMU VTD_IR_TableEntry)', () => {
  const posted = (over: Partial<Extract<Irte, { im: 1 }>> = {}): Irte => ({
    ...irte(),
    im: 1,
    pda: (1n << 64n) - 64n,
    vvector: 0x30,
    ...over,
  });
  it('a remapped and a posted IRTE with fpd and reservedSet set parse to themselves', () => {
    const c = cfg([
      [1, irte({ fpd: true, reservedSet: true, dlm: 1 })],
      [2, posted({ fpd: true })],
    ]);
    const r = parseVtdIrConfig(c);
    expect(r.ok ? r.value : r.error).toEqual(c);
  });
  it('an absent fpd or reservedSet reads as 0', () => {
    const { fpd: _f, reservedSet: _r, ...rest } = irte();
    const r = parseVtdIrConfig(cfg([[0, rest as Irte]]));
    const e = r.ok ? r.value.irt.get(0) : undefined;
    expect([e?.fpd, e?.reservedSet]).toEqual([false, false]);
  });
  it('the posted-descriptor address is 0..2^64 − 1', () => {
    const at = (pda: bigint) => parseVtdIrConfig(cfg([[0, posted({ pda })]])).ok;
    expect([at(-1n), at(0n), at((1n << 64n) - 1n), at(1n << 64n)]).toEqual([false, true, true, false]);
  });
});
