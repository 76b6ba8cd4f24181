import { describe, expect, it } from 'vitest';
import { write32 } from '../../types/write.ts';
import { type AmdIrConfig, type AmdIrte, amdInterrupt, type Dte } from './amd-ir.ts';
import {
  AMDVI_IR_GUEST_MODE,
  AMDVI_IR_INTCTL_RESERVED,
  AMDVI_IR_NOT_ALLOWED,
  AMDVI_IR_TARGET_ABORT,
} from './causes.ts';

const faultOf = (c: { name: string; code: number }) => ({
  kind: 'fault',
  arch: 'amd-vi',
  cause: c.name,
  code: c.code,
});
const ADDR = 0xfee0_5000n; // compatibility destination APIC 5
const entry = (vector: number, destination: number): AmdIrte => ({
  remapEn: true,
  vector,
  destination,
  guestMode: false,
});
const dte = (over: Partial<Dte> = {}): Dte => ({
  iv: true,
  intCtl: 2,
  irt: new Map(),
  pass: { nmi: false, init: false, extint: false },
  ...over,
});
const cfg = (devices: [number, Dte][]): AmdIrConfig => ({ devices: new Map(devices) });

describe('AMD-Vi interrupt remapping (docs/hardware.md#amd-vi-delivery-step-by-step, QEMU amdvi_int_remap_msi)', () => {
  it('sends the same data from two requesters to two different IRTEs: the DTE picks the table (docs/hardware.md#amd-vi-interrupt-remapping)', () => {
    const c = cfg([
      [0x0100, dte({ irt: new Map([[3, entry(0x40, 1)]]) })],
      [0x0200, dte({ irt: new Map([[3, entry(0x50, 2)]]) })],
    ]);
    expect(amdInterrupt(c, write32(0x0100, ADDR, 3), undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic1',
      identity: 0x40,
    });
    expect(amdInterrupt(c, write32(0x0200, ADDR, 3), undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic2',
      identity: 0x50,
    });
  });

  it('indexes with data[10:0] only, so data bits above 10 cannot select another entry (AMDVI_IRTE_OFFSET)', () => {
    const c = cfg([[0x0100, dte({ irt: new Map([[3, entry(0x40, 1)]]) })]]);
    // data 0x00fff803: index = data[10:0] = 0x003; delivery mode data[10:8] = 0 (fixed).
    expect(amdInterrupt(c, write32(0x0100, ADDR, 0x00ff_f803), undefined)).toMatchObject({
      identity: 0x40,
    });
  });

  it('IntCtl = 0 target-aborts fixed interrupts (AMDVI_IR_INTCTL_ABORT)', () => {
    expect(amdInterrupt(cfg([[1, dte({ intCtl: 0 })]]), write32(1, ADDR, 0x31), undefined)).toEqual(
      faultOf(AMDVI_IR_TARGET_ABORT),
    );
  });

  it('IntCtl = 1 forwards unremapped: the write picks the APIC and vector (AMDVI_IR_INTCTL_PASS)', () => {
    expect(amdInterrupt(cfg([[1, dte({ intCtl: 1 })]]), write32(1, ADDR, 0x31), undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic5',
      identity: 0x31,
    });
  });

  it('IntCtl = 2 remaps through the IRTE (AMDVI_IR_INTCTL_REMAP)', () => {
    const c = cfg([[1, dte({ irt: new Map([[0x31, entry(0x99, 7)]]) })]]);
    expect(amdInterrupt(c, write32(1, ADDR, 0x31), undefined)).toMatchObject({
      target: 'apic7',
      identity: 0x99,
    });
  });

  it('IntCtl = 3 is reserved and refused (QEMU "int_ctl reserved" → AMDVI_IR_ERR)', () => {
    expect(amdInterrupt(cfg([[1, dte({ intCtl: 3 })]]), write32(1, ADDR, 0x31), undefined)).toEqual(
      faultOf(AMDVI_IR_INTCTL_RESERVED),
    );
  });

  it('RemapEn = 0, or an index with no IRTE, target-aborts (amdvi_int_remap_legacy "RemapEn is disabled")', () => {
    const c = cfg([[1, dte({ irt: new Map([[2, { ...entry(0x20, 1), remapEn: false }]]) })]]);
    expect(amdInterrupt(c, write32(1, ADDR, 2), undefined)).toEqual(faultOf(AMDVI_IR_TARGET_ABORT));
    expect(amdInterrupt(c, write32(1, ADDR, 9), undefined)).toEqual(faultOf(AMDVI_IR_TARGET_ABORT));
  });

  it('guest_mode IRTEs are refused (GA posting not modelled; QEMU "guest mode is not zero")', () => {
    const c = cfg([[1, dte({ irt: new Map([[2, { ...entry(0x20, 1), guestMode: true }]]) })]]);
    expect(amdInterrupt(c, write32(1, ADDR, 2), undefined)).toEqual(faultOf(AMDVI_IR_GUEST_MODE));
  });

  it('IV = 0 forwards the MSI unremapped: any (APIC, vector) (docs/hardware.md#amd-vi-delivery-step-by-step, step 1, AMDVI_IR_REMAP_ENABLE)', () => {
    const c = cfg([[1, dte({ iv: false, intCtl: 0 })]]);
    expect(amdInterrupt(c, write32(1, 0xfee3_3000n, 0xfe), undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic51',
      identity: 0xfe,
    });
  });

  it('a requester with no DTE in the config reads as an all-zero DTE (IV = 0) and is unremapped', () => {
    const c = cfg([[1, dte({ intCtl: 0 })]]);
    expect(amdInterrupt(c, write32(0x4242, ADDR, 0x33), undefined)).toMatchObject({
      target: 'apic5',
      identity: 0x33,
    });
  });

  describe('NMI / INIT / ExtINT pass bits, SMI (QEMU AMDVI_DEV_*_PASS_MASK)', () => {
    const modes = [
      ['nmi', 4],
      ['init', 5],
      ['extint', 7],
    ] as const;
    for (const [name, dlm] of modes) {
      it(`delivery mode ${dlm} (${name}) is refused without its pass bit and forwarded with it as ${name}, even under IntCtl = 2`, () => {
        const data = (dlm << 8) | 0x02;
        const without = cfg([[1, dte()]]);
        expect(amdInterrupt(without, write32(1, ADDR, data), undefined)).toEqual(
          faultOf(AMDVI_IR_NOT_ALLOWED),
        );
        const withPass = cfg([[1, dte({ pass: { nmi: false, init: false, extint: false, [name]: true } })]]);
        expect(amdInterrupt(withPass, write32(1, ADDR, data), undefined)).toEqual({
          kind: 'interrupt',
          controller: 'lapic',
          target: 'apic5',
          identity: 0x02,
          deliveryMode: name,
        });
      });
    }

    it('a remapped IRTE delivers with its own IntType (0 fixed, 1 arbitrated), whatever data[10:8] says (QEMU amdvi_int_remap_legacy; AMD IOMMU spec 2.2.5)', () => {
      const irt = new Map([
        [0, { remapEn: true, vector: 0x40, destination: 3, guestMode: false }],
        [1, { remapEn: true, vector: 0x41, destination: 3, guestMode: false, intType: 1 }],
      ]);
      const c = cfg([[1, dte({ irt })]]);
      expect(amdInterrupt(c, write32(1, ADDR, 0), undefined)).toEqual({
        kind: 'interrupt',
        controller: 'lapic',
        target: 'apic3',
        identity: 0x40,
      });
      // data 1: fixed in data[10:8], index 1, whose IRTE says arbitrated
      expect(amdInterrupt(c, write32(1, ADDR, 1), undefined)).toMatchObject({
        deliveryMode: 'lowest-priority',
      });
    });

    it('the NMI pass bit does not let INIT through', () => {
      const c = cfg([[1, dte({ pass: { nmi: true, init: false, extint: false } })]]);
      expect(amdInterrupt(c, write32(1, ADDR, 0x500), undefined)).toEqual(faultOf(AMDVI_IR_NOT_ALLOWED));
    });

    it('SMI (2) and reserved delivery modes (3, 6) are always refused (QEMU "SMI is not supported")', () => {
      const c = cfg([[1, dte({ pass: { nmi: true, init: true, extint: true } })]]);
      for (const dlm of [2, 3, 6]) {
        expect(amdInterrupt(c, write32(1, ADDR, dlm << 8), undefined)).toEqual(faultOf(AMDVI_IR_NOT_ALLOWED));
      }
    });
  });
});
