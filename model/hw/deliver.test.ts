import { describe, expect, it } from 'vitest';
import { write32 } from '../types/write.ts';
import { deliver, parsePlatform } from './deliver.ts';
import { testRiscv } from './riscv-fixture.ts';

describe('deliver dispatches on the platform architecture (docs/architecture.md#layers, hardware layer)', () => {
  it('routes a RISC-V platform through the IOMMU and IMSIC: Bare ddtp reaches hart 0 S-file', () => {
    const p = testRiscv({ ddtp: { iommu_mode: 'Bare' } });
    expect(deliver(p, write32(1, 0x2800_0000n, 5))).toMatchObject({
      kind: 'interrupt',
      target: '0.0',
      identity: 5,
    });
  });
  it('routes an x86 platform without remapping: a window write is a compatibility-format interrupt', () => {
    const p = { arch: 'x86' as const, ir: { kind: 'none' as const }, dma: new Map() };
    expect(deliver(p, write32(1, 0xfee0_1000n, 0x31))).toMatchObject({ controller: 'lapic', identity: 0x31 });
  });
});

describe('platform validation names the field and the allowed values (issue 2: wrong config rejected)', () => {
  it('rejects an unknown architecture with the discriminator path and allowed values', () => {
    const r = parsePlatform({ arch: 'mips' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.path).toBe('$.arch');
  });
  it('rejects a bad enum deep in a RISC-V config with its path and the allowed values', () => {
    const p = testRiscv();
    const r = parsePlatform({ ...p, iommu: { ...p.iommu, ddtp: { iommu_mode: 'On' } } });
    expect(r).toMatchObject({
      ok: false,
      error: { path: '$.iommu.ddtp.iommu_mode', allowed: ['"Off"', '"Bare"', '"DDT"'] },
    });
  });
  it('rejects an IMSIC with a non-64·m−1 identity count, naming the field', () => {
    const p = testRiscv();
    const bad = { ...p, imsic: { ...p.imsic, harts: [{ ...p.imsic.harts[0], sIds: 100 }] } };
    const r = parsePlatform(bad);
    expect(r).toMatchObject({ ok: false, error: { path: '$.imsic.harts[0].sIds' } });
  });
  it('accepts the valid fixture unchanged', () => {
    expect(parsePlatform(testRiscv()).ok).toBe(true);
  });
});
