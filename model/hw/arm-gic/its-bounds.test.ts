import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { GITS_TRANSLATER, type ItsConfig, inItsTranslationFrame, itsWrite, parseItsConfig } from './its.ts';

/**
 * Both sides of every ITS range check and the hop each check records (QEMU hw/intc/arm_gicv3_its.c
 * gicv3_its_translation_write, lookup_ite, lookup_cte, lookup_vte, process_its_cmd_virt; GICv3/v4
 * architecture IHI 0069, GITS_TRANSLATER and the DTE/ITE/CTE/VTE tables; Linux
 * drivers/irqchip/irq-gic-v3-its.c its_build_mapd_cmd, which writes DTE.Size = EventID bits - 1).
 */
const BASE = 0x1_0000_0000n;
const DB = BASE + GITS_TRANSLATER;
const REF = 'QEMU hw/intc/arm_gicv3_its.c';

const its = (over: Partial<ItsConfig> = {}): ItsConfig => ({
  base: BASE,
  enabled: true,
  dtEntries: 8,
  deviceTable: new Map([
    [
      7,
      {
        size: 2, // EventIDs 0..7
        itt: new Map([
          [0, { type: 'physical' as const, intid: 8192, icid: 1 }],
          [7, { type: 'physical' as const, intid: 8199, icid: 2 }],
          [1, { type: 'virtual' as const, vintid: 8192, vpeid: 0, doorbell: 1023 }],
          [2, { type: 'virtual' as const, vintid: 8191, vpeid: 0, doorbell: 1023 }],
          [3, { type: 'virtual' as const, vintid: 16383, vpeid: 0, doorbell: 1023 }],
          [4, { type: 'virtual' as const, vintid: 16384, vpeid: 0, doorbell: 1023 }],
          [5, { type: 'virtual' as const, vintid: 8192, vpeid: 1, doorbell: 8192 }],
        ]),
      },
    ],
  ]),
  collections: new Map([
    [1, { rdbase: 1 }],
    [2, { rdbase: 2 }],
  ]),
  vpes: new Map([
    [0, { rdbase: 0, vptsize: 13 }], // vINTIDs < 2^14
    [1, { rdbase: 2, vptsize: 13 }],
  ]),
  redistributors: 2,
  ...over,
});

const run = (
  c: ItsConfig,
  deviceId: number,
  data: number,
  pa = DB,
  size = 4,
  access: 'write' | 'read' = 'write',
) => {
  const trace: Hop[] = [];
  const outcome = itsWrite(c, deviceId, pa, data, trace, size, access);
  return { outcome, trace };
};
const translaterHop = (deviceId: number, eventId: number): Hop => ({
  block: 'arm-gic-its',
  step: 'translater-write',
  ref: `${REF} gicv3_its_translation_write`,
  facts: { deviceId, eventId, deviceIdSource: 'sideband' },
});

describe('translation frame bounds (ITS base + 0x10000 .. + 0x1FFFF)', () => {
  it('the frame starts at base + 0x10000 and ends before base + 0x20000', () => {
    const c = its();
    expect(inItsTranslationFrame(c, BASE + 0xffffn)).toBe(false);
    expect(inItsTranslationFrame(c, BASE + 0x10000n)).toBe(true);
    expect(inItsTranslationFrame(c, BASE + 0x1ffffn)).toBe(true);
    expect(inItsTranslationFrame(c, BASE + 0x20000n)).toBe(false);
  });
  it('records the RES0 write with the address and GITS_TRANSLATER', () => {
    expect(run(its(), 7, 0, DB + 4n)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-translater-not-register' },
      trace: [
        {
          block: 'arm-gic-its',
          step: 'not-translater',
          ref: `${REF} gicv3_its_translation_write`,
          facts: { pa: '0x100010044', translater: '0x100010040' },
        },
      ],
    });
  });
  it('records the disabled ITS with its base', () => {
    expect(run(its({ enabled: false }), 7, 0)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-disabled' },
      trace: [
        {
          block: 'arm-gic-its',
          step: 'its-disabled',
          ref: `${REF} gicv3_its_translation_write`,
          facts: { base: '0x100000000' },
        },
      ],
    });
  });
});

describe('access size and direction (QEMU gicv3_its_translation_ops .valid 2..4, gicv3_its_translation_read)', () => {
  it('a 1-byte write is a decode error, a 2-byte write at GITS_TRANSLATER is an EventID', () => {
    expect(run(its(), 7, 0, DB, 1)).toEqual({
      outcome: { kind: 'fault', arch: 'bus', cause: 'MEMTX_DECODE_ERROR', code: 0 },
      trace: [
        {
          block: 'arm-gic-its',
          step: 'decode-error',
          ref: `${REF} gicv3_its_translation_ops (.valid 2..4 bytes)`,
          facts: { pa: '0x100010040', size: 1 },
        },
      ],
    });
    expect(run(its({ redistributors: 3 }), 7, 0x10007, DB, 2).outcome).toEqual({
      kind: 'interrupt',
      controller: 'its-lpi',
      target: 'rd2',
      identity: 8199,
    });
  });
  it('a 5-byte write arrives as a 4-byte and a 1-byte piece: the 1-byte piece is a decode error', () => {
    expect(run(its(), 7, 0, DB, 5).outcome).toEqual({
      kind: 'fault',
      arch: 'bus',
      cause: 'MEMTX_DECODE_ERROR',
      code: 0,
    });
  });
  it('an 8-byte write carries the EventID in its 4-byte piece at GITS_TRANSLATER', () => {
    // Pieces at DB-4 (data bytes 0..3) and DB (bytes 4..7 = 0): the EventID is 0.
    expect(run(its(), 7, 7, DB - 4n, 8).outcome).toEqual({
      kind: 'interrupt',
      controller: 'its-lpi',
      target: 'rd1',
      identity: 8192,
    });
    expect(run(its({ redistributors: 3 }), 7, 7, DB, 8).outcome).toMatchObject({ identity: 8199 });
  });
  it('a read returns zero and raises nothing', () => {
    expect(run(its(), 7, 0, DB, 4, 'read')).toEqual({
      outcome: { kind: 'dropped', reason: 'its-read-zero' },
      trace: [
        {
          block: 'arm-gic-its',
          step: 'read-zero',
          ref: `${REF} gicv3_its_translation_read`,
          facts: { pa: '0x100010040', access: 'read' },
        },
      ],
    });
  });
});

describe('DeviceID < Device table entries and EventID < 2^(DTE.Size + 1) (QEMU lookup_ite)', () => {
  it('DeviceID dtEntries - 1 is looked up, dtEntries is out of range', () => {
    expect(run(its({ dtEntries: 8 }), 7, 0).outcome).toMatchObject({ kind: 'interrupt', identity: 8192 });
    expect(run(its({ dtEntries: 7 }), 7, 0)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-deviceid-out-of-range' },
      trace: [
        translaterHop(7, 0),
        {
          block: 'arm-gic-its',
          step: 'deviceid-out-of-range',
          ref: `${REF} lookup_ite`,
          facts: { deviceId: 7, dtEntries: 7 },
        },
      ],
    });
  });
  it('records an unmapped DeviceID', () => {
    expect(run(its(), 6, 0)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-unmapped-deviceid' },
      trace: [
        translaterHop(6, 0),
        { block: 'arm-gic-its', step: 'unmapped-deviceid', ref: `${REF} lookup_ite`, facts: { deviceId: 6 } },
      ],
    });
  });
  it('DTE.Size = 2: EventID 7 is in range, EventID 8 is not', () => {
    expect(run(its({ redistributors: 3 }), 7, 7).outcome).toMatchObject({
      kind: 'interrupt',
      identity: 8199,
    });
    expect(run(its(), 7, 8)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-eventid-out-of-range' },
      trace: [
        translaterHop(7, 8),
        {
          block: 'arm-gic-its',
          step: 'eventid-out-of-range',
          ref: `${REF} lookup_ite`,
          facts: { deviceId: 7, eventId: 8, numEvents: 8 },
        },
      ],
    });
  });
  it('records an in-range EventID with no ITE', () => {
    const c = its();
    c.deviceTable.get(7)?.itt.delete(6);
    expect(run(c, 7, 6)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-unmapped-eventid' },
      trace: [
        translaterHop(7, 6),
        {
          block: 'arm-gic-its',
          step: 'unmapped-eventid',
          ref: `${REF} lookup_ite`,
          facts: { deviceId: 7, eventId: 6 },
        },
      ],
    });
  });
});

describe('collections and redistributors (QEMU lookup_cte, process_its_cmd_phys)', () => {
  it('a CTE with RDbase redistributors - 1 raises the LPI there and records it', () => {
    expect(run(its(), 7, 0)).toEqual({
      outcome: { kind: 'interrupt', controller: 'its-lpi', target: 'rd1', identity: 8192 },
      trace: [
        translaterHop(7, 0),
        {
          block: 'arm-gic-its',
          step: 'lpi-pending',
          ref: 'QEMU hw/intc/arm_gicv3_redist.c gicv3_redist_process_lpi',
          facts: { deviceId: 7, eventId: 0, intid: 8192, icid: 1, rdbase: 1 },
        },
      ],
    });
  });
  it('a CTE with RDbase = redistributors is ignored; without a redistributor count it is not checked', () => {
    expect(run(its(), 7, 7)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-rdbase-out-of-range' },
      trace: [
        translaterHop(7, 7),
        {
          block: 'arm-gic-its',
          step: 'rdbase-out-of-range',
          ref: `${REF} lookup_cte`,
          facts: { rdbase: 2, redistributors: 2 },
        },
      ],
    });
    expect(run(its({ redistributors: 3 }), 7, 7).outcome).toMatchObject({ kind: 'interrupt', target: 'rd2' });
    expect(run(its({ redistributors: undefined }), 7, 7).outcome).toMatchObject({ target: 'rd2' });
  });
  it('records an unmapped collection', () => {
    expect(run(its({ collections: new Map() }), 7, 0)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-unmapped-collection' },
      trace: [
        translaterHop(7, 0),
        {
          block: 'arm-gic-its',
          step: 'unmapped-collection',
          ref: `${REF} process_its_cmd_phys`,
          facts: { icid: 1 },
        },
      ],
    });
  });
});

describe('virtual ITEs (QEMU do_process_its_cmd, lookup_vte, process_its_cmd_virt)', () => {
  it('vINTID 8192 on a valid VTE is pending at the vPE and recorded with its doorbell', () => {
    expect(run(its(), 7, 1)).toEqual({
      outcome: { kind: 'interrupt', controller: 'its-vlpi', target: 'vpe0@rd0', identity: 8192 },
      trace: [
        translaterHop(7, 1),
        {
          block: 'arm-gic-its',
          step: 'vlpi-pending',
          ref: 'QEMU hw/intc/arm_gicv3_redist.c gicv3_redist_process_vlpi',
          facts: { deviceId: 7, eventId: 1, vintid: 8192, vpeid: 0, rdbase: 0, doorbell: 1023 },
        },
      ],
    });
  });
  it('vINTID 8191 (below the LPI range) and 2^(vptsize+1) are out of range, 2^(vptsize+1) - 1 is not', () => {
    const out = (vintid: number) => ({
      block: 'arm-gic-its',
      step: 'vintid-out-of-range',
      ref: `${REF} process_its_cmd_virt`,
      facts: { vintid, vptLimit: 16384 },
    });
    expect(run(its(), 7, 2)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-vintid-out-of-range' },
      trace: [translaterHop(7, 2), out(8191)],
    });
    expect(run(its(), 7, 3).outcome).toMatchObject({ kind: 'interrupt', identity: 16383 });
    expect(run(its(), 7, 4)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-vintid-out-of-range' },
      trace: [translaterHop(7, 4), out(16384)],
    });
  });
  it('a VTE with RDbase = redistributors is ignored (lookup_vte)', () => {
    expect(run(its(), 7, 5)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-rdbase-out-of-range' },
      trace: [
        translaterHop(7, 5),
        {
          block: 'arm-gic-its',
          step: 'rdbase-out-of-range',
          ref: `${REF} lookup_vte`,
          facts: { rdbase: 2, redistributors: 2 },
        },
      ],
    });
  });
  it('records an unmapped vPE', () => {
    expect(run(its({ vpes: new Map() }), 7, 1)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-unmapped-vpe' },
      trace: [
        translaterHop(7, 1),
        {
          block: 'arm-gic-its',
          step: 'unmapped-vpe',
          ref: `${REF} process_its_cmd_virt`,
          facts: { vpeid: 0 },
        },
      ],
    });
  });
  it('GITS_TYPER.Virtual = 0 ignores a virtual ITE; Virtual = 1 or absent processes it', () => {
    expect(run(its({ virtual: false }), 7, 1)).toEqual({
      outcome: { kind: 'dropped', reason: 'its-virtual-unsupported' },
      trace: [
        translaterHop(7, 1),
        {
          block: 'arm-gic-its',
          step: 'virtual-unsupported',
          ref: `${REF} do_process_its_cmd`,
          facts: { deviceId: 7, eventId: 1 },
        },
      ],
    });
    expect(run(its({ virtual: true }), 7, 1).outcome).toMatchObject({ kind: 'interrupt' });
    expect(run(its({ virtual: false }), 7, 0).outcome).toMatchObject({ kind: 'interrupt' });
  });
});

describe('ItsConfigSchema bounds (QEMU process_mapti, valid_doorbell; GICv3 DTE.Size is 5 bits)', () => {
  const withIte = (ite: unknown) =>
    parseItsConfig({ ...its(), deviceTable: new Map([[0, { size: 0, itt: new Map([[0, ite]]) }]]) }).ok;
  it('a physical INTID must be an LPI: 8191 refused, 8192 and 0xffffffff accepted, 2^32 refused', () => {
    expect(withIte({ type: 'physical', intid: 8191, icid: 0 })).toBe(false);
    expect(withIte({ type: 'physical', intid: 8192, icid: 0 })).toBe(true);
    expect(withIte({ type: 'physical', intid: 0xffffffff, icid: 0 })).toBe(true);
    expect(withIte({ type: 'physical', intid: 0x1_0000_0000, icid: 0 })).toBe(false);
    expect(withIte({ type: 'physical', intid: 8192, icid: -1 })).toBe(false);
  });
  it('a doorbell is 1023 or an LPI', () => {
    const v = (doorbell: number) => withIte({ type: 'virtual', vintid: 0, vpeid: 0, doorbell });
    expect(v(1023)).toBe(true);
    expect(v(1022)).toBe(false);
    expect(v(8191)).toBe(false);
    expect(v(8192)).toBe(true);
    expect(withIte({ type: 'virtual', vintid: -1, vpeid: 0, doorbell: 1023 })).toBe(false);
    expect(withIte({ type: 'virtual', vintid: 0xffffffff, vpeid: 0, doorbell: 1023 })).toBe(true);
    expect(withIte({ type: 'virtual', vintid: 0x1_0000_0000, vpeid: 0, doorbell: 1023 })).toBe(false);
  });
  it('DTE.Size is 0..31 and vptsize is 0..31', () => {
    const dte = (size: number) =>
      parseItsConfig({ ...its(), deviceTable: new Map([[0, { size, itt: new Map() }]]) }).ok;
    expect([dte(-1), dte(0), dte(31), dte(32)]).toEqual([false, true, true, false]);
    const vpe = (vptsize: number) =>
      parseItsConfig({ ...its(), vpes: new Map([[0, { rdbase: 0, vptsize }]]) }).ok;
    expect([vpe(-1), vpe(0), vpe(31), vpe(32)]).toEqual([false, true, true, false]);
  });
  it('redistributors is at least 1; dtEntries at least 0; the base is non-negative', () => {
    expect(parseItsConfig(its({ redistributors: 0 })).ok).toBe(false);
    expect(parseItsConfig(its({ redistributors: 1 })).ok).toBe(true);
    expect(parseItsConfig(its({ dtEntries: -1 })).ok).toBe(false);
    expect(parseItsConfig(its({ collections: new Map([[0, { rdbase: -1 }]]) })).ok).toBe(false);
    expect(parseItsConfig(its({ vpes: new Map([[0, { rdbase: -1, vptsize: 13 }]]) })).ok).toBe(false);
    expect(parseItsConfig(its({ dtEntries: 0 })).ok).toBe(true);
    expect(parseItsConfig(its({ base: -0x10000n })).ok).toBe(false);
  });
});
