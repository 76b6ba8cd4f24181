import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { write32 } from '../../types/write.ts';
import {
  VTD_FR_IR_ENTRY_P,
  VTD_FR_IR_INDEX_OVER,
  VTD_FR_IR_IRTE_RSVD,
  VTD_FR_IR_REQ_COMPAT,
  VTD_FR_IR_REQ_RSVD,
  VTD_FR_IR_SID_ERR,
} from './causes.ts';
import { type Irte, parseVtdIrConfig, type VtdIrConfig, vtdHandle, vtdInterrupt } from './vtd-ir.ts';

const faultOf = (c: { name: string; code: number }) => ({
  kind: 'fault',
  arch: 'vtd',
  cause: c.name,
  code: c.code,
});

/** Remappable-format address for `handle` (bit 4 = 1; handle[14:0] in 19:5, handle[15] in bit 2). */
const remappable = (handle: number, shv = false): bigint =>
  0xfee0_0000n |
  (BigInt(handle & 0x7fff) << 5n) |
  (BigInt((handle >> 15) & 1) << 2n) |
  (1n << 4n) |
  (shv ? 1n << 3n : 0n);

const irte = (over: Partial<Extract<Irte, { im: 0 }>> = {}): Irte => ({
  present: true,
  fpd: false,
  vector: 0x41,
  dest: 0x0300, // xAPIC: APIC id 3 in dest[15:8]
  im: 0,
  svt: 1,
  sq: 0,
  sid: 0x0108, // 01:01.0
  reservedSet: false,
  ...over,
});

const cfg = (irt: [number, Irte][], over: Partial<VtdIrConfig> = {}): VtdIrConfig => ({
  ires: true,
  cfis: false,
  eime: false,
  irtSize: 256,
  irt: new Map(irt),
  ...over,
});

describe('VT-d interrupt remapping (docs/hardware.md#vt-d-delivery-step-by-step, QEMU vtd_interrupt_remap_msi / vtd_irte_get)', () => {
  it('remaps a matching request to the IRTE destination and vector, xAPIC dest = IRTE.dest[15:8]', () => {
    const o = vtdInterrupt(cfg([[5, irte()]]), write32(0x0108, remappable(5), 0), undefined);
    expect(o).toEqual({ kind: 'interrupt', controller: 'lapic', target: 'apic3', identity: 0x41 });
  });

  it('delivers with the IRTE DLM, never the request data[10:8]; a reserved DLM (011, 110) raises nothing (Intel VT-d spec ch. 5 IRTE "Delivery Mode"; QEMU vtd_remap_irq_get)', () => {
    const c = cfg([
      [5, irte({ dlm: 4 })],
      [6, irte({ dlm: 3 })],
      [7, irte()],
    ]);
    expect(vtdInterrupt(c, write32(0x0108, remappable(5), 0), undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic3',
      identity: 0x41,
      deliveryMode: 'nmi',
    });
    expect(vtdInterrupt(c, write32(0x0108, remappable(6), 0), undefined)).toEqual({
      kind: 'dropped',
      reason: 'lapic-reserved-delivery-mode',
    });
    // data 0x400 (NMI in compatibility format) is ignored without SHV: the IRTE says fixed
    expect(vtdInterrupt(c, write32(0x0108, remappable(7), 0x400), undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic3',
      identity: 0x41,
    });
  });

  it('with CFIS the compatibility format passes with its own delivery mode: an NMI from any requester (Linux drivers/iommu/intel/irq_remapping.c iommu_enable_irq_remapping; Intel SDM vol. 3 "Message Data Register Format")', () => {
    const o = vtdInterrupt(cfg([], { cfis: true }), write32(0x0200, 0xfee0_3000n, 0x400), undefined);
    expect(o).toMatchObject({ kind: 'interrupt', target: 'apic3', deliveryMode: 'nmi' });
  });

  it('uses the full 32-bit IRTE.dest in x2APIC mode (EIME = 1; docs/hardware.md#vt-d-delivery-step-by-step, step 9: xAPIC destination in bits 15:8)', () => {
    const o = vtdInterrupt(
      cfg([[5, irte({ dest: 0x1_0000 })]], { eime: true }),
      write32(0x0108, remappable(5), 0),
      undefined,
    );
    expect(o).toMatchObject({ target: 'apic65536' });
  });

  it('decodes handle[15] from address bit 2 (QEMU union VTD_IR_MSIAddress index_h)', () => {
    expect(vtdHandle(remappable(0x8003))).toBe(0x8003);
    const c = cfg([[0x8003, irte()]], { irtSize: 0x10000 });
    expect(vtdInterrupt(c, write32(0x0108, remappable(0x8003), 0), undefined)).toMatchObject({
      kind: 'interrupt',
    });
  });

  it('passes through to the LAPIC in compatibility format when IR is disabled (IRES = 0), any device', () => {
    const o = vtdInterrupt(cfg([], { ires: false }), write32(0x0999, 0xfee0_7000n, 0x21), undefined);
    expect(o).toEqual({ kind: 'interrupt', controller: 'lapic', target: 'apic7', identity: 0x21 });
  });

  describe('SID check (SVT/SQ; Linux set_msi_sid, QEMU vtd_svt_mask)', () => {
    // rid differing from SID 0x0108 only in function bit 0, 1, 2 respectively.
    const cases: [number, number, boolean, boolean, boolean][] = [
      // sq, mask, passes 0x0109 (fn bit0), passes 0x010a (fn bit1), passes 0x010c (fn bit2)
      [0, 0xffff, false, false, false],
      [1, 0xfffb, false, false, true],
      [2, 0xfff9, false, true, true],
      [3, 0xfff8, true, true, true],
    ];
    for (const [sq, mask, b0, b1, b2] of cases) {
      it(`SVT=1 SQ=${sq} compares rid & ${mask.toString(16)}: other rids fault 0x26`, () => {
        const c = cfg([[9, irte({ sq: sq as 0 | 1 | 2 | 3 })]]);
        const at = (rid: number) => vtdInterrupt(c, write32(rid, remappable(9), 0), undefined).kind;
        expect(at(0x0108)).toBe('interrupt');
        expect(at(0x0109)).toBe(b0 ? 'interrupt' : 'fault');
        expect(at(0x010a)).toBe(b1 ? 'interrupt' : 'fault');
        expect(at(0x010c)).toBe(b2 ? 'interrupt' : 'fault');
        expect(at(0x0208)).toBe('fault'); // other bus never passes
        expect(vtdInterrupt(c, write32(0x0208, remappable(9), 0), undefined)).toEqual(
          faultOf(VTD_FR_IR_SID_ERR),
        );
      });
    }

    it('SVT=2 accepts buses in [SID[15:8], SID[7:0]] only (VT-d IRTE SID/SVT; Linux set_irte_verify_bus)', () => {
      const c = cfg([[9, irte({ svt: 2, sid: 0x0306 })]]); // (start_bus << 8) | end_bus: buses 3..6
      const at = (bus: number) => vtdInterrupt(c, write32((bus << 8) | 0x05, remappable(9), 0), undefined);
      expect(at(2)).toEqual(faultOf(VTD_FR_IR_SID_ERR));
      expect(at(3).kind).toBe('interrupt');
      expect(at(6).kind).toBe('interrupt');
      expect(at(7)).toEqual(faultOf(VTD_FR_IR_SID_ERR));
    });

    it('SVT=0 does no check: any requester uses the entry (the x86-vtd-ir-nosid gap: drivers/iommu/irq_remapping.c disable_sourceid_checking, Linux 7.0; docs/invariants.md#remap-entries-belong-to-their-requester)', () => {
      const c = cfg([[9, irte({ svt: 0 })]]);
      expect(vtdInterrupt(c, write32(0xbeef, remappable(9), 0), undefined).kind).toBe('interrupt');
    });

    it('SVT=3 is reserved and always fails with 0x26', () => {
      const c = cfg([[9, irte({ svt: 3 })]]);
      expect(vtdInterrupt(c, write32(0x0108, remappable(9), 0), undefined)).toEqual(
        faultOf(VTD_FR_IR_SID_ERR),
      );
    });
  });

  describe('compatibility format (address bit 4 = 0; Linux iommu_enable_irq_remapping, VTD_FR_IR_REQ_COMPAT)', () => {
    const compat = write32(0x0777, 0xfee0_2000n, 0x30);
    it('is blocked with 0x25 when CFIS = 0', () => {
      expect(vtdInterrupt(cfg([]), compat, undefined)).toEqual(faultOf(VTD_FR_IR_REQ_COMPAT));
    });
    it('is blocked with 0x25 when EIME = 1 even if CFIS = 1', () => {
      expect(vtdInterrupt(cfg([], { cfis: true, eime: true }), compat, undefined)).toEqual(
        faultOf(VTD_FR_IR_REQ_COMPAT),
      );
    });
    it('passes to any (APIC, vector) when CFIS = 1 and EIME = 0 (UNSAFE, "vulnerable to IRQ injection")', () => {
      const trace: Hop[] = [];
      const o = vtdInterrupt(cfg([], { cfis: true }), compat, trace);
      expect(o).toEqual({ kind: 'interrupt', controller: 'lapic', target: 'apic2', identity: 0x30 });
      expect(trace.some((h) => h.step === 'compat-passthrough' && h.facts.unsafe === true)).toBe(true);
    });
  });

  it('faults 0x21 for an index at or beyond the IRT size (VTD_FR_IR_INDEX_OVER)', () => {
    const c = cfg([[15, irte()]], { irtSize: 16 });
    expect(vtdInterrupt(c, write32(0x0108, remappable(15), 0), undefined).kind).toBe('interrupt');
    expect(vtdInterrupt(c, write32(0x0108, remappable(16), 0), undefined)).toEqual(
      faultOf(VTD_FR_IR_INDEX_OVER),
    );
  });

  it('faults 0x22 for a not-present IRTE and for an index with no entry (VTD_FR_IR_ENTRY_P)', () => {
    const c = cfg([[1, irte({ present: false })]]);
    expect(vtdInterrupt(c, write32(0x0108, remappable(1), 0), undefined)).toEqual(faultOf(VTD_FR_IR_ENTRY_P));
    expect(vtdInterrupt(c, write32(0x0108, remappable(2), 0), undefined)).toEqual(faultOf(VTD_FR_IR_ENTRY_P));
  });

  it('faults 0x24 for a present IRTE with reserved bits set, before the SID check (VTD_FR_IR_IRTE_RSVD)', () => {
    const c = cfg([[1, irte({ reservedSet: true })]]);
    expect(vtdInterrupt(c, write32(0xffff, remappable(1), 0), undefined)).toEqual(
      faultOf(VTD_FR_IR_IRTE_RSVD),
    );
  });

  it('faults 0x20 when address bits 63:32 are set (VTD_FR_IR_REQ_RSVD)', () => {
    const c = cfg([[5, irte()]]);
    expect(vtdInterrupt(c, write32(0x0108, remappable(5) | (1n << 32n), 0), undefined)).toEqual(
      faultOf(VTD_FR_IR_REQ_RSVD),
    );
  });

  describe('SHV sub-handle (VT-d 5.1.2.2; QEMU vtd_interrupt_remap_msi)', () => {
    it('adds data[15:0] to the handle when SHV = 1', () => {
      const c = cfg([[0x13, irte({ vector: 0x77 })]]);
      expect(vtdInterrupt(c, write32(0x0108, remappable(0x10, true), 3), undefined)).toMatchObject({
        identity: 0x77,
      });
    });
    it('ignores the data for the lookup when SHV = 0', () => {
      const c = cfg([[0x10, irte({ vector: 0x66 })]]);
      expect(vtdInterrupt(c, write32(0x0108, remappable(0x10), 0xdead_0003), undefined)).toMatchObject({
        identity: 0x66,
      });
    });
    it('faults 0x20 when SHV = 1 and data[31:16] != 0', () => {
      const c = cfg([[0x13, irte()]]);
      expect(vtdInterrupt(c, write32(0x0108, remappable(0x10, true), 0x1_0003), undefined)).toEqual(
        faultOf(VTD_FR_IR_REQ_RSVD),
      );
    });
    it('faults 0x21 when handle + sub-handle reaches the table size', () => {
      const c = cfg([], { irtSize: 0x20 });
      expect(vtdInterrupt(c, write32(0x0108, remappable(0x10, true), 0x10), undefined)).toEqual(
        faultOf(VTD_FR_IR_INDEX_OVER),
      );
    });
  });

  it('posts the virtual vector to the descriptor address when IM = 1 (Linux intel_ir_set_vcpu_affinity)', () => {
    const posted: Irte = { ...irte(), im: 1, pda: 0x1_2345_6740n, vvector: 0x99 };
    const o = vtdInterrupt(cfg([[4, posted]]), write32(0x0108, remappable(4), 0), undefined);
    expect(o).toEqual({ kind: 'interrupt', controller: 'posted', target: '0x123456740', identity: 0x99 });
  });

  it('still checks the SID of a posted IRTE (IM = 1 does not skip vtd_irte_get validation)', () => {
    const posted: Irte = { ...irte(), im: 1, pda: 0x1000n, vvector: 0x99 };
    expect(vtdInterrupt(cfg([[4, posted]]), write32(0x0200, remappable(4), 0), undefined)).toEqual(
      faultOf(VTD_FR_IR_SID_ERR),
    );
  });

  it('parseVtdIrConfig rejects an IM = 1 IRTE without a descriptor address, naming the path', () => {
    const bad = {
      ires: true,
      cfis: false,
      eime: false,
      irtSize: 4,
      irt: new Map([[0, { ...irte(), im: 1 }]]),
    };
    const r = parseVtdIrConfig(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.path).toContain('irt');
  });
});
