import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { inV2mFrame, parseV2mFrame, type V2mFrame, v2mWrite } from './v2m.ts';

/**
 * Both sides of every GICv2m check and the hop it records (QEMU hw/intc/arm_gicv2m.c gicv2m_write,
 * gicv2m_read: SPI = data & 0x3ff, raised when base_spi <= SPI < base_spi + num_spi, 16- or 32-bit
 * writes only; SBSA ARM-DEN-0029 GICv2m MSI_SETSPI_NS at frame offset 0x040, SPIs 32..1019).
 */
const frame: V2mFrame = { base: 0x2000_0000n, firstSpi: 64, numSpis: 32 };
const DB = 0x2000_0040n;
const REF = 'QEMU hw/intc/arm_gicv2m.c gicv2m_write';
const run = (pa: bigint, data: number, size = 4, access: 'write' | 'read' = 'write') => {
  const trace: Hop[] = [];
  return { outcome: v2mWrite(frame, pa, data, trace, size, access), trace };
};
const spiHop = (step: string, spi: number): Hop => ({
  block: 'arm-gicv2m',
  step,
  ref: REF,
  facts: { spi, firstSpi: 64, numSpis: 32, writerIdentity: 'not-consulted' },
});

describe('GICv2m frame decode and access', () => {
  it('the frame is [base, base + 4 KiB)', () => {
    expect(inV2mFrame(frame, 0x1fff_ffffn)).toBe(false);
    expect(inV2mFrame(frame, 0x2000_0000n)).toBe(true);
    expect(inV2mFrame(frame, 0x2000_0fffn)).toBe(true);
    expect(inV2mFrame(frame, 0x2000_1000n)).toBe(false);
  });
  it('a read at MSI_SETSPI_NS returns zero (gicv2m_read)', () => {
    expect(run(DB, 64, 4, 'read')).toEqual({
      outcome: { kind: 'dropped', reason: 'v2m-read-zero' },
      trace: [
        {
          block: 'arm-gicv2m',
          step: 'read-zero',
          ref: 'QEMU hw/intc/arm_gicv2m.c gicv2m_read',
          facts: { pa: '0x20000040' },
        },
      ],
    });
  });
  it('a write elsewhere in the frame is ignored and records the frame', () => {
    expect(run(DB + 4n, 64)).toEqual({
      outcome: { kind: 'dropped', reason: 'v2m-not-setspi' },
      trace: [
        {
          block: 'arm-gicv2m',
          step: 'not-setspi',
          ref: REF,
          facts: { pa: '0x20000044', frame: '0x20000000' },
        },
      ],
    });
  });
  it('a 1-byte write at MSI_SETSPI_NS is a bad size; 2- and 4-byte writes count', () => {
    expect(run(DB, 64, 1)).toEqual({
      outcome: { kind: 'dropped', reason: 'v2m-bad-size' },
      trace: [{ block: 'arm-gicv2m', step: 'bad-size', ref: REF, facts: { pa: '0x20000040', size: 1 } }],
    });
    expect(run(DB, 0x1_0040, 2).outcome).toEqual({
      kind: 'interrupt',
      controller: 'gic-spi',
      target: 'dist',
      identity: 64,
    });
    expect(run(DB, 65, 4).outcome).toMatchObject({ identity: 65 });
  });
  it('an 8-byte write acts on its 4-byte piece at MSI_SETSPI_NS (bytes 4..7 are zero, SPI 0)', () => {
    expect(run(DB - 4n, 64, 8)).toEqual({
      outcome: { kind: 'dropped', reason: 'v2m-spi-out-of-frame' },
      trace: [spiHop('spi-out-of-frame', 0)],
    });
  });
});

describe('SPI range [firstSpi, firstSpi + numSpis) after data & 0x3ff', () => {
  it('firstSpi - 1 and firstSpi + numSpis are out of the frame; firstSpi and firstSpi + numSpis - 1 are in', () => {
    expect(run(DB, 63)).toEqual({
      outcome: { kind: 'dropped', reason: 'v2m-spi-out-of-frame' },
      trace: [spiHop('spi-out-of-frame', 63)],
    });
    expect(run(DB, 64)).toEqual({
      outcome: { kind: 'interrupt', controller: 'gic-spi', target: 'dist', identity: 64 },
      trace: [spiHop('setspi', 64)],
    });
    expect(run(DB, 95).outcome).toMatchObject({ kind: 'interrupt', identity: 95 });
    expect(run(DB, 96)).toEqual({
      outcome: { kind: 'dropped', reason: 'v2m-spi-out-of-frame' },
      trace: [spiHop('spi-out-of-frame', 96)],
    });
  });
  it('bit 10 and above of the data are ignored: 0x400 | 64 raises SPI 64, 0x3ff | 0x400 is SPI 1023', () => {
    expect(run(DB, 0x400 | 64).outcome).toMatchObject({ kind: 'interrupt', identity: 64 });
    expect(run(DB, 0x200 | 64).outcome).toEqual({ kind: 'dropped', reason: 'v2m-spi-out-of-frame' });
    expect(run(DB, 0x7ff).trace).toEqual([spiHop('spi-out-of-frame', 1023)]);
  });
});

describe('V2mFrameSchema bounds (SBSA GICv2m MSI_TYPER: SPIs 32..1019)', () => {
  it('firstSpi is 32..1019, numSpis 0..988, the base 4 KiB aligned and non-negative', () => {
    const ok = (over: Partial<V2mFrame>) => parseV2mFrame({ ...frame, ...over }).ok;
    expect([
      ok({ firstSpi: 31 }),
      ok({ firstSpi: 32 }),
      ok({ firstSpi: 1019 }),
      ok({ firstSpi: 1020 }),
    ]).toEqual([false, true, true, false]);
    expect([ok({ numSpis: -1 }), ok({ numSpis: 0 }), ok({ numSpis: 988 }), ok({ numSpis: 989 })]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect([ok({ base: -0x1000n }), ok({ base: 0n }), ok({ base: 0x800n })]).toEqual([false, true, false]);
  });
});
