import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { rw } from '../../types/page-map.ts';
import type { SmmuConfig } from './config.ts';
import { smmuTranslate } from './translate.ts';

/**
 * The hop each SMMUv3 step records and the ATS Translated check (QEMU hw/arm/smmuv3.c smmu_find_ste,
 * decode_ste, smmuv3_translate; hw/arm/smmu-common.c smmu_ptw; Arm SMMUv3 IHI 0070 F_TRANSL_FORBIDDEN:
 * a Translated transaction to a stream whose STE translates, without STE.EATS).
 */
const smmu: SmmuConfig = {
  streams: new Map([
    [0, { config: 'invalid' as const }],
    [1, { config: 'abort' as const }],
    [2, { config: 'bypass' as const }],
    [3, { config: 's1' as const, s1: new Map([[0x1n, rw(0x2n)]]) }],
    [4, { config: 's2' as const, s2: new Map([[0x1n, rw(0x3n)]]) }],
    [5, { config: 'nested' as const, s1: new Map([[0x1n, rw(0x2n)]]), s2: new Map([[0x2n, rw(0x4n)]]) }],
  ]),
};
const run = (sid: number, addr = 0x1010n, translated = false) => {
  const trace: Hop[] = [];
  return { r: smmuTranslate(smmu, sid, addr, 'write', trace, translated), trace };
};
const ste = (sid: number, config?: string): Hop => ({
  block: 'arm-smmuv3',
  step: 'find-ste',
  ref: 'QEMU hw/arm/smmuv3.c smmu_find_ste',
  facts: config === undefined ? { sid, found: false } : { sid, found: true, config },
});
const f = (cause: string, code: number) => ({ kind: 'fault', arch: 'smmuv3', cause, code });

describe('SMMUv3 steps and their hops', () => {
  it('no STE: C_BAD_STREAMID after the lookup hop', () => {
    expect(run(9)).toEqual({ r: f('C_BAD_STREAMID', 2), trace: [ste(9)] });
  });
  it('invalid, abort and bypass STEs', () => {
    const REF = 'QEMU hw/arm/smmuv3.c decode_ste';
    expect(run(0)).toEqual({
      r: f('C_BAD_STE', 4),
      trace: [ste(0, 'invalid'), { block: 'arm-smmuv3', step: 'ste-invalid', ref: REF, facts: { sid: 0 } }],
    });
    expect(run(1)).toEqual({
      r: f('STE_ABORT', 0),
      trace: [ste(1, 'abort'), { block: 'arm-smmuv3', step: 'ste-abort', ref: REF, facts: { sid: 1 } }],
    });
    expect(run(2)).toEqual({
      r: { kind: 'ok', pa: 0x1010n },
      trace: [
        ste(2, 'bypass'),
        {
          block: 'arm-smmuv3',
          step: 'ste-bypass',
          ref: 'QEMU hw/arm/smmuv3.c smmuv3_translate',
          facts: { sid: 2, pa: '0x1010' },
        },
      ],
    });
  });
  it('each walk records its stage, input, result and output; nested walks stage 1 then stage 2', () => {
    const walk = (stage: number, input: string, result: string, output?: string): Hop => ({
      block: 'arm-smmuv3',
      step: `stage${stage}-walk`,
      ref: 'QEMU hw/arm/smmu-common.c smmu_ptw',
      facts: { stage, input, result, ...(output ? { output } : {}) },
    });
    expect(run(3)).toEqual({
      r: { kind: 'ok', pa: 0x2010n },
      trace: [ste(3, 's1'), walk(1, '0x1010', 'ok', '0x2010')],
    });
    expect(run(4, 0x5000n)).toEqual({
      r: f('F_TRANSLATION', 0x10),
      trace: [ste(4, 's2'), walk(2, '0x5000', 'not-mapped')],
    });
    expect(run(5)).toEqual({
      r: { kind: 'ok', pa: 0x4010n },
      trace: [ste(5, 'nested'), walk(1, '0x1010', 'ok', '0x2010'), walk(2, '0x2010', 'ok', '0x4010')],
    });
  });
  it('a Translated transaction is forbidden on s1, s2 and nested STEs, and passes a bypass STE', () => {
    for (const sid of [3, 4, 5]) {
      const { r, trace } = run(sid, 0x1010n, true);
      expect(r).toEqual(f('F_TRANSL_FORBIDDEN', 7));
      expect(trace.at(-1)).toEqual({
        block: 'arm-smmuv3',
        step: 'translated-forbidden',
        ref: 'SMMUv3 F_TRANSL_FORBIDDEN',
        facts: { sid },
      });
    }
    expect(run(2, 0x1010n, true).r).toEqual({ kind: 'ok', pa: 0x1010n });
    expect(run(0, 0x1010n, true).r).toEqual(f('C_BAD_STE', 4));
    expect(run(1, 0x1010n, true).r).toEqual(f('STE_ABORT', 0));
  });
});
