import { describe, expect, it } from 'vitest';
import {
  GICD_CLRSPI_NSR,
  GICD_REGISTERS,
  GICD_SETSPI_NSR,
  type GicdConfig,
  gicdDoorbell,
  gicdRegisterAt,
  gicdWrite,
  parseGicdConfig,
} from './gicd.ts';

const gicd: GicdConfig = { base: 0x800_0000n, spis: 128, mbis: true };

describe('gicdWrite: the GICv3 distributor frame as a device reaches it (Arm IHI 0069, GIC Distributor register map; drivers/irqchip/irq-gic-v3-mbi.c)', () => {
  it('GICD_SETSPI_NSR sits at distributor base + 0x40, the MBI doorbell mbi_compose_msi_msg programs (include/linux/irqchip/arm-gic-v3.h GICD_SETSPI_NSR)', () => {
    expect(gicdDoorbell(gicd)).toBe(0x800_0040n);
    expect(GICD_SETSPI_NSR).toBe(0x40n);
  });

  it('a write of an implemented SPI INTID (bits 12:0) to GICD_SETSPI_NSR makes that SPI pending, whoever wrote it (IHI 0069, GICD_SETSPI_NSR)', () => {
    expect(gicdWrite(gicd, gicdDoorbell(gicd), 96, undefined)).toEqual({
      kind: 'interrupt',
      controller: 'gic-spi',
      target: 'dist',
      identity: 96,
    });
    // Any SPI, not only the MBI range: the register does not know which SPIs the MBI driver owns.
    expect(gicdWrite(gicd, gicdDoorbell(gicd), 0xffff_e000 | 33, undefined)).toMatchObject({ identity: 33 });
  });

  it('an INTID that is not an implemented SPI (SGI/PPI 0..31, beyond ITLinesNumber) is ignored (IHI 0069, GICD_SETSPI_NSR)', () => {
    for (const intid of [0, 31, 160])
      expect(gicdWrite(gicd, gicdDoorbell(gicd), intid, undefined)).toEqual({
        kind: 'dropped',
        reason: 'gicd-not-an-spi',
      });
  });

  it('the other read-write registers of the frame act on the distributor: a write is a `register` outcome naming the register (GICD_CTLR, GICD_ICENABLER<n>, GICD_ISPENDR<n>, GICD_IROUTER<n>)', () => {
    const at = (off: bigint) => gicdWrite(gicd, gicd.base + off, 0, undefined);
    expect(at(0x0n)).toEqual({
      kind: 'register',
      block: 'gicd',
      register: 'GICD_CTLR',
      pa: gicd.base,
      access: 'write',
    });
    expect(at(0x184n)).toMatchObject({ kind: 'register', register: 'GICD_ICENABLER<n>' });
    expect(at(0x200n)).toMatchObject({ kind: 'register', register: 'GICD_ISPENDR<n>' });
    expect(at(0x6100n)).toMatchObject({ kind: 'register', register: 'GICD_IROUTER<n>' });
    expect(at(GICD_CLRSPI_NSR)).toMatchObject({ kind: 'register', register: 'GICD_CLRSPI_NSR' });
  });

  it('read-only and Secure-only registers ignore a Non-secure write; reserved offsets are RES0 (IHI 0069: GICD_TYPER RO, GICD_SETSPI_SR RAZ/WI to Non-secure accesses)', () => {
    expect(gicdWrite(gicd, gicd.base + 0x4n, 0, undefined)).toEqual({
      kind: 'dropped',
      reason: 'gicd-read-only',
    });
    expect(gicdWrite(gicd, gicd.base + 0x50n, 96, undefined)).toEqual({
      kind: 'dropped',
      reason: 'gicd-secure-only',
    });
    expect(gicdWrite(gicd, gicd.base + 0x20n, 0, undefined)).toEqual({
      kind: 'dropped',
      reason: 'gicd-reserved',
    });
  });

  it('without GICD_TYPER.MBIS the NSR doorbells are reserved (IHI 0069, GICD_TYPER.MBIS)', () => {
    const noMbi = { ...gicd, mbis: false };
    expect(gicdRegisterAt(noMbi, GICD_SETSPI_NSR)).toBeUndefined();
    expect(gicdWrite(noMbi, gicdDoorbell(noMbi), 96, undefined)).toEqual({
      kind: 'dropped',
      reason: 'gicd-reserved',
    });
  });

  it('outside the 64 KiB frame it answers nothing, and a read reaches the register it names', () => {
    expect(gicdWrite(gicd, gicd.base + 0x10000n, 96, undefined)).toBeUndefined();
    expect(gicdWrite(gicd, gicd.base, 0, undefined, 'read')).toMatchObject({
      kind: 'register',
      access: 'read',
    });
  });

  it('the register map is ordered and non-overlapping inside the frame, with exactly one doorbell', () => {
    for (let i = 1; i < GICD_REGISTERS.length; i++) {
      const prev = GICD_REGISTERS[i - 1];
      const cur = GICD_REGISTERS[i];
      expect(prev !== undefined && cur !== undefined && prev.end <= cur.start).toBe(true);
    }
    expect(GICD_REGISTERS.filter((x) => x.kind === 'doorbell').map((x) => x.name)).toEqual([
      'GICD_SETSPI_NSR',
    ]);
  });

  it('parseGicdConfig refuses a base that is not 64 KiB aligned, naming the field', () => {
    expect(parseGicdConfig({ base: 0x800_1000n, spis: 1, mbis: true })).toMatchObject({
      ok: false,
      error: { path: '$.base' },
    });
  });
});
