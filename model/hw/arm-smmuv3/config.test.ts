import { describe, expect, it } from 'vitest';
import { parseSmmuConfig } from './config.ts';

// SMMUv3 StreamIDs are unsigned (SMMUv3 spec, "StreamID"; Linux arm-smmu-v3.c arm_smmu_init_strtab):
// the schema takes any non-negative integer key and rejects the rest, naming streams.
describe('SmmuConfigSchema StreamID bound', () => {
  const cfg = (sid: number) => parseSmmuConfig({ streams: new Map([[sid, { config: 'bypass' }]]) });
  it('StreamID 0 and 1 are accepted; −1 and 0.5 are rejected', () => {
    expect([cfg(0).ok, cfg(1).ok, cfg(-1).ok, cfg(0.5).ok]).toEqual([true, true, false, false]);
    const bad = cfg(-1);
    if (!bad.ok) expect(bad.error.path).toContain('streams');
  });
  it('every STE.Config is accepted with the maps it needs, and s1 without its map is rejected', () => {
    const m = new Map();
    for (const ste of [
      { config: 'invalid' },
      { config: 'abort' },
      { config: 'bypass' },
      { config: 's1', s1: m },
      { config: 's2', s2: m },
      { config: 'nested', s1: m, s2: m },
    ])
      expect(parseSmmuConfig({ streams: new Map([[0, ste]]) }).ok).toBe(true);
    expect(parseSmmuConfig({ streams: new Map([[0, { config: 's1' }]]) }).ok).toBe(false);
    expect(parseSmmuConfig({ streams: new Map([[0, { config: 'nested', s1: m }]]) }).ok).toBe(false);
  });
});
