import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { GITS_TRANSLATER, type ItsConfig, itsDoorbell, itsWrite, parseItsConfig } from './its.ts';

const BASE = 0x8080000n;
const DB = BASE + GITS_TRANSLATER; // 0x8090040

const its: ItsConfig = {
  base: BASE,
  enabled: true,
  dtEntries: 16,
  deviceTable: new Map([
    [
      1,
      {
        size: 4, // EventIDs 0..31
        itt: new Map([
          [0, { type: 'physical' as const, intid: 8192, icid: 0 }],
          [1, { type: 'physical' as const, intid: 8193, icid: 9 }], // collection 9 unmapped
          [2, { type: 'virtual' as const, vintid: 8200, vpeid: 3, doorbell: 1023 }],
          [3, { type: 'virtual' as const, vintid: 8200, vpeid: 4, doorbell: 8300 }], // vPE 4 unmapped
          [4, { type: 'virtual' as const, vintid: 40000, vpeid: 3, doorbell: 1023 }], // ≥ 2^(13+1)
          [5, { type: 'virtual' as const, vintid: 100, vpeid: 3, doorbell: 1023 }], // not an LPI
        ]),
      },
    ],
    [2, { size: 1, itt: new Map([[0, { type: 'physical' as const, intid: 9000, icid: 1 }]]) }],
    [20, { size: 1, itt: new Map([[0, { type: 'physical' as const, intid: 9001, icid: 0 }]]) }], // beyond dtEntries
  ]),
  collections: new Map([
    [0, { rdbase: 0 }],
    [1, { rdbase: 2 }],
  ]),
  vpes: new Map([[3, { rdbase: 1, vptsize: 13 }]]),
};

describe('itsWrite: address decode (QEMU arm_gicv3_its.c gicv3_its_translation_write; docs/hardware.md#arm-gicv3-its)', () => {
  it('places GITS_TRANSLATER at ITS base + 0x10040 (Linux arm-gic-v3.h GITS_TRANSLATER)', () => {
    expect(itsDoorbell(its)).toBe(0x8090040n);
  });
  it('returns undefined for PAs outside the translation frame (control frame and past +0x1FFFF)', () => {
    expect(itsWrite(its, 1, BASE + 0x40n, 0, undefined)).toBeUndefined();
    expect(itsWrite(its, 1, BASE + 0xffffn, 0, undefined)).toBeUndefined();
    expect(itsWrite(its, 1, BASE + 0x20000n, 0, undefined)).toBeUndefined();
  });
  it('drops writes elsewhere in the translation frame as its-translater-not-register (frame is RES0)', () => {
    expect(itsWrite(its, 1, BASE + 0x10000n, 0, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-translater-not-register',
    });
    expect(itsWrite(its, 1, BASE + 0x1fffcn, 0, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-translater-not-register',
    });
  });
  it('drops a doorbell write while GITS_CTLR.Enabled = 0 (its-disabled)', () => {
    expect(itsWrite({ ...its, enabled: false }, 1, DB, 0, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-disabled',
    });
  });
});

describe('itsWrite: physical LPIs (QEMU lookup_ite / lookup_cte / process_its_cmd_phys)', () => {
  it('raises LPI ITE.pINTID at the collection redistributor for a mapped (DeviceID, EventID)', () => {
    const trace: Hop[] = [];
    expect(itsWrite(its, 1, DB, 0, trace)).toEqual({
      kind: 'interrupt',
      controller: 'its-lpi',
      target: 'rd0',
      identity: 8192,
    });
    expect(trace.at(-1)?.step).toBe('lpi-pending');
  });
  it('drops a DeviceID ≥ the Device table size even if an entry exists past it (its-deviceid-out-of-range)', () => {
    expect(itsWrite(its, 20, DB, 0, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-deviceid-out-of-range',
    });
  });
  it('drops a DeviceID with no valid DTE (its-unmapped-deviceid)', () => {
    expect(itsWrite(its, 7, DB, 0, undefined)).toEqual({ kind: 'dropped', reason: 'its-unmapped-deviceid' });
  });
  it('drops an EventID ≥ 2^(DTE.Size+1) (its-eventid-out-of-range)', () => {
    expect(itsWrite(its, 1, DB, 32, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-eventid-out-of-range',
    });
    expect(itsWrite(its, 2, DB, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-eventid-out-of-range',
    });
  });
  it('drops an in-range EventID with no ITE: the unmapped (DeviceID, EventID) pair (its-unmapped-eventid)', () => {
    expect(itsWrite(its, 1, DB, 31, undefined)).toEqual({ kind: 'dropped', reason: 'its-unmapped-eventid' });
    expect(itsWrite(its, 2, DB, 1, undefined)).toEqual({ kind: 'dropped', reason: 'its-unmapped-eventid' });
  });
  it('drops an ITE whose ICID has no valid CTE (its-unmapped-collection)', () => {
    expect(itsWrite(its, 1, DB, 1, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-unmapped-collection',
    });
  });
});

describe('itsWrite: GICv4 virtual LPIs (QEMU process_its_cmd_virt; docs/hardware.md#gicv4-and-msi-x-trapping)', () => {
  it('raises vINTID on vPE@RDbase for a virtual ITE with a valid VTE', () => {
    expect(itsWrite(its, 1, DB, 2, undefined)).toEqual({
      kind: 'interrupt',
      controller: 'its-vlpi',
      target: 'vpe3@rd1',
      identity: 8200,
    });
  });
  it('drops a virtual ITE whose vPEID has no valid VTE (its-unmapped-vpe)', () => {
    expect(itsWrite(its, 1, DB, 3, undefined)).toEqual({ kind: 'dropped', reason: 'its-unmapped-vpe' });
  });
  it('drops a vINTID ≥ 2^(vptsize+1) or below the LPI range (its-vintid-out-of-range)', () => {
    expect(itsWrite(its, 1, DB, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-vintid-out-of-range',
    });
    expect(itsWrite(its, 1, DB, 5, undefined)).toEqual({
      kind: 'dropped',
      reason: 'its-vintid-out-of-range',
    });
  });
});

describe('itsWrite: DeviceID is a sideband input (QEMU attrs.requester_id; docs/hardware.md#why-the-its-isolates)', () => {
  it('maps the same address and data from two devices to two different LPIs', () => {
    const a = itsWrite(its, 1, DB, 0, undefined);
    const b = itsWrite(its, 2, DB, 0, undefined);
    expect(a).toMatchObject({ kind: 'interrupt', identity: 8192, target: 'rd0' });
    expect(b).toMatchObject({ kind: 'interrupt', identity: 9000, target: 'rd2' });
  });
  it('drops for a device without that EventID what another device with it turns into an LPI', () => {
    expect(itsWrite(its, 1, DB, 2, undefined)).toMatchObject({ kind: 'interrupt' });
    expect(itsWrite(its, 2, DB, 2, undefined)).toEqual({ kind: 'dropped', reason: 'its-unmapped-eventid' });
  });
});

describe('parseItsConfig (zod ItsConfigSchema; QEMU process_mapti / valid_doorbell)', () => {
  it('accepts the test ITS and refuses a physical ITE whose INTID is not an LPI', () => {
    expect(parseItsConfig(its).ok).toBe(true);
    const bad = parseItsConfig({
      ...its,
      deviceTable: new Map([[0, { size: 0, itt: new Map([[0, { type: 'physical', intid: 40, icid: 0 }]]) }]]),
    });
    expect(bad.ok).toBe(false);
  });
  it('refuses an ITS base that is not 64 KiB aligned', () => {
    expect(parseItsConfig({ ...its, base: BASE + 0x1000n }).ok).toBe(false);
  });
});
