import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { rw } from '../../types/page-map.ts';
import {
  C_BAD_STE,
  C_BAD_STREAMID,
  F_PERMISSION,
  F_STREAM_DISABLED,
  F_TRANSLATION,
  STE_ABORT,
} from './causes.ts';
import { parseSmmuConfig, type SmmuConfig } from './config.ts';
import { smmuTranslate } from './translate.ts';

const ro = (ppn: bigint) => ({ ppn, r: true, w: false, x: false });

const smmu: SmmuConfig = {
  streams: new Map([
    [1, { config: 'invalid' as const }],
    [2, { config: 'abort' as const }],
    [3, { config: 'bypass' as const }],
    [
      4,
      {
        config: 's1' as const,
        s1: new Map([
          [0x8000n, rw(0x12345n)],
          [0x8001n, ro(0x1n)],
        ]),
      },
    ],
    [
      5,
      {
        config: 's2' as const,
        s2: new Map([
          [0x40n, rw(0x99n)],
          [0x41n, ro(0x2n)],
        ]),
      },
    ],
    [
      6,
      {
        config: 'nested' as const,
        s1: new Map([
          [0x8000n, rw(0x40n)],
          [0x8001n, rw(0x77n)],
          [0x8002n, rw(0x41n)],
        ]),
        s2: new Map([
          [0x40n, rw(0x8090n)],
          [0x41n, ro(0x3n)],
        ]),
      },
    ],
  ]),
};

const faultOf = (cause: { name: string; code: number }) => ({
  kind: 'fault',
  arch: 'smmuv3',
  cause: cause.name,
  code: cause.code,
});

describe('SMMUv3 event ids (Linux arm-smmu-v3.h EVT_ID_*)', () => {
  it('uses the architected event numbers for C_BAD_STREAMID, C_BAD_STE, F_STREAM_DISABLED, F_TRANSLATION, F_PERMISSION (EVT_ID_* 0x02/0x04/0x06/0x10/0x13)', () => {
    expect(
      [C_BAD_STREAMID, C_BAD_STE, F_STREAM_DISABLED, F_TRANSLATION, F_PERMISSION].map((c) => c.code),
    ).toEqual([0x02, 0x04, 0x06, 0x10, 0x13]);
  });
});

describe('smmuTranslate: STE selection (QEMU smmuv3.c smmu_find_ste / decode_ste)', () => {
  it('faults C_BAD_STREAMID for a StreamID outside the Stream table (QEMU smmu_find_ste)', () => {
    expect(smmuTranslate(smmu, 77, 0x1000n, 'write', undefined)).toEqual(faultOf(C_BAD_STREAMID));
  });
  it('faults C_BAD_STE for an STE with V = 0 (QEMU decode_ste bad_ste)', () => {
    expect(smmuTranslate(smmu, 1, 0x1000n, 'write', undefined)).toEqual(faultOf(C_BAD_STE));
  });
  it('aborts an STE.Config = abort stream with the no-event STE_ABORT cause (QEMU decode_ste cfg->aborted)', () => {
    expect(smmuTranslate(smmu, 2, 0x1000n, 'write', undefined)).toEqual(faultOf(STE_ABORT));
  });
  it('passes the input address through unchanged for STE.Config = bypass (QEMU smmuv3_translate bypassed)', () => {
    expect(smmuTranslate(smmu, 3, 0x8090040n, 'write', undefined)).toEqual({ kind: 'ok', pa: 0x8090040n });
  });
});

describe('smmuTranslate: stage 1 / stage 2 leaves (QEMU smmu-common.c smmu_ptw)', () => {
  it('translates a mapped stage-1 IOVA keeping the page offset', () => {
    expect(smmuTranslate(smmu, 4, 0x8000040n, 'write', undefined)).toEqual({ kind: 'ok', pa: 0x12345040n });
  });
  it('faults F_TRANSLATION for an unmapped stage-1 IOVA', () => {
    expect(smmuTranslate(smmu, 4, 0x8002000n, 'write', undefined)).toEqual(faultOf(F_TRANSLATION));
  });
  it('faults F_PERMISSION for a write to a read-only stage-1 page, and allows a read of it', () => {
    expect(smmuTranslate(smmu, 4, 0x8001000n, 'write', undefined)).toEqual(faultOf(F_PERMISSION));
    expect(smmuTranslate(smmu, 4, 0x8001008n, 'read', undefined)).toEqual({ kind: 'ok', pa: 0x1008n });
  });
  it('translates stage-2-only streams with the s2 map and faults F_TRANSLATION / F_PERMISSION there too', () => {
    expect(smmuTranslate(smmu, 5, 0x40004n, 'write', undefined)).toEqual({ kind: 'ok', pa: 0x99004n });
    expect(smmuTranslate(smmu, 5, 0x42000n, 'write', undefined)).toEqual(faultOf(F_TRANSLATION));
    expect(smmuTranslate(smmu, 5, 0x41000n, 'write', undefined)).toEqual(faultOf(F_PERMISSION));
  });
  it('has no MSI special case: an ITS doorbell PA used as IOVA faults unless mapped (QEMU smmuv3_translate; docs/hardware.md#arm-smmuv3)', () => {
    expect(smmuTranslate(smmu, 4, 0x8090040n, 'write', undefined)).toEqual(faultOf(F_TRANSLATION));
  });
});

describe('smmuTranslate: nested STE (stage 1 then stage 2; docs/hardware.md#arm-delivery-step-by-step)', () => {
  it('feeds the stage-1 output (IPA) into stage 2', () => {
    expect(smmuTranslate(smmu, 6, 0x8000040n, 'write', undefined)).toEqual({ kind: 'ok', pa: 0x8090040n });
  });
  it('faults F_TRANSLATION at stage 1 before looking at stage 2', () => {
    const trace: Hop[] = [];
    expect(smmuTranslate(smmu, 6, 0x9000000n, 'write', trace)).toEqual(faultOf(F_TRANSLATION));
    expect(trace.map((h) => h.step)).toEqual(['find-ste', 'stage1-walk']);
  });
  it('faults F_TRANSLATION at stage 2 when the IPA has no stage-2 leaf (seed 001: no RMR for the doorbell IPA)', () => {
    const trace: Hop[] = [];
    expect(smmuTranslate(smmu, 6, 0x8001000n, 'write', trace)).toEqual(faultOf(F_TRANSLATION));
    expect(trace.map((h) => h.step)).toEqual(['find-ste', 'stage1-walk', 'stage2-walk']);
    expect(trace[2]?.facts).toMatchObject({ stage: 2, input: '0x77000', result: 'not-mapped' });
  });
  it('faults F_PERMISSION when stage 2 forbids the write even though stage 1 allows it', () => {
    expect(smmuTranslate(smmu, 6, 0x8002000n, 'write', undefined)).toEqual(faultOf(F_PERMISSION));
  });
});

describe('parseSmmuConfig (zod SmmuConfigSchema)', () => {
  it('accepts a nested STE and rejects an unknown STE.Config naming the path', () => {
    expect(parseSmmuConfig(smmu).ok).toBe(true);
    const bad = parseSmmuConfig({ streams: new Map([[0, { config: 'translate' }]]) });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.path).toContain('streams');
  });
});
