import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { MSI_SETSPI_NS, parseV2mFrame, type V2mFrame, v2mDoorbell, v2mWrite } from './v2m.ts';

const frame: V2mFrame = { base: 0x8020000n, firstSpi: 80, numSpis: 64 };
const DB = frame.base + MSI_SETSPI_NS;

describe('v2mWrite (QEMU hw/intc/arm_gicv2m.c gicv2m_write; docs/hardware.md#arm-gicv2m)', () => {
  it('places MSI_SETSPI_NS at frame base + 0x040', () => {
    expect(v2mDoorbell(frame)).toBe(0x8020040n);
  });
  it('returns undefined outside the 4 KiB frame', () => {
    expect(v2mWrite(frame, frame.base - 4n, 80, undefined)).toBeUndefined();
    expect(v2mWrite(frame, frame.base + 0x1000n, 80, undefined)).toBeUndefined();
  });
  it('raises SPI data & 0x3ff on the distributor when inside [firstSpi, firstSpi+numSpis)', () => {
    expect(v2mWrite(frame, DB, 80, undefined)).toEqual({
      kind: 'interrupt',
      controller: 'gic-spi',
      target: 'dist',
      identity: 80,
    });
    expect(v2mWrite(frame, DB, 0xabcd_0000 | 143, undefined)).toMatchObject({ identity: 143 });
  });
  it('drops an SPI outside the frame range (v2m-spi-out-of-frame)', () => {
    expect(v2mWrite(frame, DB, 79, undefined)).toEqual({ kind: 'dropped', reason: 'v2m-spi-out-of-frame' });
    expect(v2mWrite(frame, DB, 144, undefined)).toEqual({ kind: 'dropped', reason: 'v2m-spi-out-of-frame' });
  });
  it('drops writes to other offsets of the frame (v2m-not-setspi)', () => {
    expect(v2mWrite(frame, frame.base + 0x8n, 80, undefined)).toEqual({
      kind: 'dropped',
      reason: 'v2m-not-setspi',
    });
  });
  it('never consults the writer: the trace records the writer identity as not consulted', () => {
    const trace: Hop[] = [];
    v2mWrite(frame, DB, 100, trace);
    expect(trace[0]?.facts.writerIdentity).toBe('not-consulted');
  });
  it('refuses a frame base that is not 4 KiB aligned (zod V2mFrameSchema)', () => {
    expect(parseV2mFrame(frame).ok).toBe(true);
    expect(parseV2mFrame({ ...frame, base: 0x8020040n }).ok).toBe(false);
  });
});
