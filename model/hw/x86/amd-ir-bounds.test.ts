import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { type Write, write32 } from '../../types/write.ts';
import { type AmdIrConfig, type AmdIrte, amdInterrupt, type Dte, parseAmdIrConfig } from './amd-ir.ts';
import { encodeAmdIrte } from './amd-irte.ts';

/**
 * Each AMD-Vi interrupt-remapping decision and the hop it records (QEMU hw/i386/amd_iommu.c
 * amdvi_int_remap_msi, __amdvi_int_remap_msi, amdvi_int_remap_legacy / _ga; AMD IOMMU spec rev 3.x
 * 2.2.5 "Interrupt Remapping Tables": the index is MSI data[10:0], IntCtl DTE bits 189:188,
 * NMIPass / EIntPass / INITPass; Linux drivers/iommu/amd/iommu.c irq_remapping_prepare_irte).
 */
const REF_MSI = 'QEMU hw/i386/amd_iommu.c amdvi_int_remap_msi';
const REF_INTCTL = 'QEMU hw/i386/amd_iommu.c __amdvi_int_remap_msi';
const REF_LEGACY = 'QEMU hw/i386/amd_iommu.c amdvi_int_remap_legacy';
const ADDR = 0xfee0_3000n; // compatibility destination APIC 3
const RID = 0x0a08;
const irte = (over: Partial<AmdIrte> = {}): AmdIrte => ({
  remapEn: true,
  vector: 0x41,
  destination: 7,
  guestMode: false,
  ...over,
});
const dte = (over: Partial<Dte> = {}): Dte => ({
  iv: true,
  intCtl: 2,
  irt: new Map(),
  pass: { nmi: false, init: false, extint: false },
  ...over,
});
const cfg = (d: Dte | undefined, over: Partial<AmdIrConfig> = {}): AmdIrConfig => ({
  devices: new Map(d ? [[RID, d]] : []),
  ...over,
});
const run = (c: AmdIrConfig, data: number, w: Partial<Write> = {}) => {
  const trace: Hop[] = [];
  const outcome = amdInterrupt(c, { ...write32(RID, ADDR, data), ...w }, trace);
  return { outcome, trace };
};
const amdFault = (name: string, code: number) => ({ kind: 'fault', arch: 'amd-vi', cause: name, code });
const dteHop = (found: boolean, iv: boolean): Hop => ({
  block: 'amd-ir',
  step: 'dte-lookup',
  ref: REF_MSI,
  facts: { rid: '0xa08', found, iv },
});
const compat = (data: number): Hop => ({
  block: 'lapic',
  step: 'compat-decode',
  ref: 'Intel SDM vol. 3 10.11.1-10.11.2 (MSI address/data format)',
  facts: {
    addr: '0xfee03000',
    data: `0x${data.toString(16)}`,
    dest: 3,
    vector: data & 0xff,
    deliveryMode: (data >> 8) & 7,
    destMode: 0,
    redirectionHint: 0,
  },
});

describe('device table lookup and IV', () => {
  it('no device table installed: the request passes unremapped, recorded', () => {
    expect(run(cfg(dte(), { deviceTablePresent: false }), 0x30)).toEqual({
      outcome: { kind: 'interrupt', controller: 'lapic', target: 'apic3', identity: 0x30 },
      trace: [
        { block: 'amd-ir', step: 'no-device-table', ref: REF_MSI, facts: { rid: '0xa08' } },
        compat(0x30),
      ],
    });
    expect(run(cfg(dte(), { deviceTablePresent: true }), 0x30).outcome).toEqual(
      amdFault('AMDVI_IR_TARGET_ABORT', 3),
    );
  });
  it('no DTE or IV = 0 forwards unremapped; IV = 1 remaps', () => {
    expect(run(cfg(undefined), 0x30)).toEqual({
      outcome: { kind: 'interrupt', controller: 'lapic', target: 'apic3', identity: 0x30 },
      trace: [dteHop(false, false), compat(0x30)],
    });
    expect(run(cfg(dte({ iv: false })), 0x30).trace).toEqual([dteHop(true, false), compat(0x30)]);
  });
  it('IV = 1 on a unit without interrupt remapping is refused; irSupported = true remaps', () => {
    expect(run(cfg(dte(), { irSupported: false }), 0x30)).toEqual({
      outcome: amdFault('AMDVI_IR_NOT_SUPPORTED', 1),
      trace: [
        dteHop(true, true),
        {
          block: 'amd-ir',
          step: 'ir-not-supported',
          ref: REF_MSI,
          facts: { fault: 'AMDVI_IR_NOT_SUPPORTED' },
        },
      ],
    });
    const c = cfg(dte({ irt: new Map([[0x30, irte()]]) }), { irSupported: true });
    expect(run(c, 0x30).outcome).toMatchObject({ kind: 'interrupt', identity: 0x41 });
  });
});

describe('IntCtl (DTE bits 189:188)', () => {
  it('0 target-aborts with the delivery mode recorded', () => {
    expect(run(cfg(dte({ intCtl: 0 })), 0x130)).toEqual({
      outcome: amdFault('AMDVI_IR_TARGET_ABORT', 3),
      trace: [
        dteHop(true, true),
        { block: 'amd-ir', step: 'intctl', ref: REF_INTCTL, facts: { intCtl: 0 } },
        {
          block: 'amd-ir',
          step: 'intctl-abort',
          ref: REF_INTCTL,
          facts: { dlm: 1, fault: 'AMDVI_IR_TARGET_ABORT' },
        },
      ],
    });
  });
  it('3 is reserved', () => {
    expect(run(cfg(dte({ intCtl: 3 })), 0x30)).toEqual({
      outcome: amdFault('AMDVI_IR_INTCTL_RESERVED', 1),
      trace: [
        dteHop(true, true),
        { block: 'amd-ir', step: 'intctl', ref: REF_INTCTL, facts: { intCtl: 3 } },
        {
          block: 'amd-ir',
          step: 'intctl-reserved',
          ref: REF_INTCTL,
          facts: { fault: 'AMDVI_IR_INTCTL_RESERVED' },
        },
      ],
    });
  });
});

describe('IRTE lookup: index = data[10:0] in the requester table', () => {
  it('records the index and whether an IRTE was found, then the remapped fields', () => {
    const c = cfg(dte({ irt: new Map([[0x1ff, irte({ intType: 1 })]]) }));
    expect(run(c, 0x1ff)).toEqual({
      outcome: {
        kind: 'interrupt',
        controller: 'lapic',
        target: 'apic7',
        identity: 0x41,
        deliveryMode: 'lowest-priority',
      },
      trace: [
        dteHop(true, true),
        { block: 'amd-ir', step: 'intctl', ref: REF_INTCTL, facts: { intCtl: 2 } },
        {
          block: 'amd-ir',
          step: 'irte-lookup',
          ref: REF_LEGACY,
          facts: { rid: '0xa08', index: 0x1ff, found: true },
        },
        {
          block: 'amd-ir',
          step: 'remapped',
          ref: REF_LEGACY,
          facts: { index: 0x1ff, dest: 7, vector: 0x41, intType: 1 },
        },
      ],
    });
  });
  it('data bit 11 is not part of the index: 0x800 | 0x1ff reads entry 0x1ff', () => {
    const c = cfg(dte({ irt: new Map([[0x1ff, irte()]]) }));
    expect(run(c, 0x800 | 0x1ff).outcome).toMatchObject({ kind: 'interrupt', identity: 0x41 });
  });
  it('a missing IRTE target-aborts, recorded as not found', () => {
    expect(run(cfg(dte()), 0x30).trace.slice(2)).toEqual([
      {
        block: 'amd-ir',
        step: 'irte-lookup',
        ref: REF_LEGACY,
        facts: { rid: '0xa08', index: 0x30, found: false },
      },
      {
        block: 'amd-ir',
        step: 'remap-disabled',
        ref: REF_LEGACY,
        facts: { index: 0x30, fault: 'AMDVI_IR_TARGET_ABORT' },
      },
    ]);
  });
  it('RemapEn = 0 target-aborts; with SupIOPF the fault is not logged', () => {
    expect(run(cfg(dte({ irt: new Map([[0x30, irte({ remapEn: false })]]) })), 0x30).outcome).toEqual(
      amdFault('AMDVI_IR_TARGET_ABORT', 3),
    );
    expect(
      run(cfg(dte({ irt: new Map([[0x30, irte({ remapEn: false, supIOPF: true })]]) })), 0x30).outcome,
    ).toEqual({ ...amdFault('AMDVI_IR_TARGET_ABORT', 3), unrecorded: true });
    expect(
      run(cfg(dte({ irt: new Map([[0x30, irte({ remapEn: false, supIOPF: false })]]) })), 0x30).outcome,
    ).toEqual(amdFault('AMDVI_IR_TARGET_ABORT', 3));
  });
  it('guest mode is refused with the index recorded', () => {
    expect(run(cfg(dte({ irt: new Map([[0x30, irte({ guestMode: true })]]) })), 0x30).trace.at(-1)).toEqual({
      block: 'amd-ir',
      step: 'guest-mode',
      ref: REF_LEGACY,
      facts: { index: 0x30, fault: 'AMDVI_IR_GUEST_MODE' },
    });
  });
  it('IntType 0 and 1 are delivered, 2 (above arbitrated) is reserved', () => {
    const at = (intType: number | undefined) =>
      run(cfg(dte({ irt: new Map([[0x30, irte(intType === undefined ? {} : { intType })]]) })), 0x30);
    expect(at(undefined).outcome).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic7',
      identity: 0x41,
    });
    expect(at(0).outcome).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic7',
      identity: 0x41,
    });
    expect(at(1).outcome).toMatchObject({ deliveryMode: 'lowest-priority' });
    expect(at(2)).toMatchObject({
      outcome: amdFault('AMDVI_IR_INT_TYPE_RESERVED', 1),
      trace: expect.arrayContaining([
        {
          block: 'amd-ir',
          step: 'int-type-reserved',
          ref: REF_LEGACY,
          facts: { index: 0x30, intType: 2, fault: 'AMDVI_IR_INT_TYPE_RESERVED' },
        },
      ]),
    });
  });
  it('a raw table is read in the layout GAEn selects; an unlisted index reads as zero (RemapEn = 0)', () => {
    const fields = { RemapEn: true, Destination: 9, Vector: 0x52 };
    const legacy = cfg(dte({ irtRaw: new Map([[0x30, encodeAmdIrte(fields, false)]]) }));
    expect(run(legacy, 0x30).outcome).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic9',
      identity: 0x52,
    });
    const ga = cfg(dte({ irtRaw: new Map([[0x30, encodeAmdIrte(fields, true)]]) }), { gaMode: true });
    expect(run(ga, 0x30).outcome).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic9',
      identity: 0x52,
    });
    expect(run(legacy, 0x31).outcome).toEqual(amdFault('AMDVI_IR_TARGET_ABORT', 3));
  });
});

describe('NMI, INIT, ExtINT: pass bits and destination mode', () => {
  it('a logical destination (address bit 2) is refused even with the pass bit', () => {
    const c = cfg(dte({ pass: { nmi: true, init: true, extint: true } }));
    expect(run(c, 0x400, { addr: ADDR | 4n })).toEqual({
      outcome: amdFault('AMDVI_IR_DEST_MODE', 1),
      trace: [
        dteHop(true, true),
        { block: 'amd-ir', step: 'pass-bit', ref: REF_MSI, facts: { dlm: 4, passed: true } },
        { block: 'amd-ir', step: 'dest-mode', ref: REF_MSI, facts: { dlm: 4, fault: 'AMDVI_IR_DEST_MODE' } },
      ],
    });
    expect(run(c, 0x400, { addr: ADDR | 8n }).outcome).toMatchObject({
      kind: 'interrupt',
      deliveryMode: 'nmi',
    });
  });
  it('each mode reads its own pass bit and records it', () => {
    const only = (p: Partial<Dte['pass']>) =>
      cfg(dte({ pass: { nmi: false, init: false, extint: false, ...p } }));
    expect(run(only({ extint: true }), 0x700).outcome).toMatchObject({ deliveryMode: 'extint' });
    expect(run(only({ extint: true }), 0x500).trace.slice(1)).toEqual([
      { block: 'amd-ir', step: 'pass-bit', ref: REF_MSI, facts: { dlm: 5, passed: false } },
      { block: 'amd-ir', step: 'not-passed', ref: REF_MSI, facts: { dlm: 5, fault: 'AMDVI_IR_NOT_ALLOWED' } },
    ]);
    expect(run(only({ init: true }), 0x500).outcome).toMatchObject({ deliveryMode: 'init' });
    expect(run(only({ init: true }), 0x700).outcome).toEqual(amdFault('AMDVI_IR_NOT_ALLOWED', 1));
    expect(run(only({ init: true }), 0x400).outcome).toEqual(amdFault('AMDVI_IR_NOT_ALLOWED', 1));
  });
  it('SMI is refused with its code recorded', () => {
    expect(run(cfg(dte({ pass: { nmi: true, init: true, extint: true } })), 0x200).trace.at(-1)).toEqual({
      block: 'amd-ir',
      step: 'delivery-mode-refused',
      ref: REF_MSI,
      facts: { dlm: 2, fault: 'AMDVI_IR_NOT_ALLOWED' },
    });
  });
});

describe('AmdIrConfigSchema bounds', () => {
  const valid = { devices: new Map([[RID, dte({ irt: new Map([[0, irte()]]) })]]) };
  it('DeviceID 0..0xffff, IRTE index 0..0x7ff, vector 0..0xff, destination 0..0xffffffff, IntType 0..7', () => {
    const withDev = (id: number) => parseAmdIrConfig({ devices: new Map([[id, dte()]]) }).ok;
    expect([withDev(-1), withDev(0xffff), withDev(0x10000)]).toEqual([false, true, false]);
    const withIndex = (i: number) =>
      parseAmdIrConfig({ devices: new Map([[RID, dte({ irt: new Map([[i, irte()]]) })]]) }).ok;
    expect([withIndex(-1), withIndex(0x7ff), withIndex(0x800)]).toEqual([false, true, false]);
    const withIrte = (o: Partial<AmdIrte>) =>
      parseAmdIrConfig({ devices: new Map([[RID, dte({ irt: new Map([[0, irte(o)]]) })]]) }).ok;
    expect([withIrte({ vector: -1 }), withIrte({ vector: 0xff }), withIrte({ vector: 0x100 })]).toEqual([
      false,
      true,
      false,
    ]);
    expect([
      withIrte({ destination: -1 }),
      withIrte({ destination: 0xffffffff }),
      withIrte({ destination: 2 ** 32 }),
    ]).toEqual([false, true, false]);
    expect([withIrte({ intType: -1 }), withIrte({ intType: 7 }), withIrte({ intType: 8 })]).toEqual([
      false,
      true,
      false,
    ]);
    const withRaw = (i: number, v: bigint) =>
      parseAmdIrConfig({ devices: new Map([[RID, dte({ irtRaw: new Map([[i, v]]) })]]) }).ok;
    expect([withRaw(0x7ff, 0n), withRaw(0x800, 0n), withRaw(-1, 0n), withRaw(0, -1n)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(parseAmdIrConfig(valid).ok).toBe(true);
  });
});

describe('AmdIrConfigSchema keeps what it is given and fills the documented defaults (AMD IOMMU spec, DTE and IRTE fields)', () => {
  it('a DTE with every pass bit set and a guest-mode IRTE parses to itself', () => {
    const c = cfg(
      dte({
        irt: new Map([[3, irte({ guestMode: true, supIOPF: true })]]),
        pass: { nmi: true, init: true, extint: true },
      }),
    );
    const r = parseAmdIrConfig(c);
    expect(r.ok ? r.value : r.error).toEqual(c);
  });
  it('an absent guestMode reads as 0 (no guest-virtual-APIC posting)', () => {
    const { guestMode: _, ...rest } = irte();
    const r = parseAmdIrConfig({ devices: new Map([[RID, dte({ irt: new Map([[0, rest as AmdIrte]]) })]]) });
    expect(r.ok ? r.value.devices.get(RID)?.irt.get(0)?.guestMode : r.error).toBe(false);
  });
});
