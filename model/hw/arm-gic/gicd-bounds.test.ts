import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { type GicdConfig, gicdRegisterAt, gicdWrite, parseGicdConfig } from './gicd.ts';

/**
 * The distributor register map offset by offset and the SPI range of GICD_SETSPI_NSR (Arm IHI 0069
 * GICv3/v4, "The GIC Distributor register map" and GICD_SETSPI_NSR: INTID = data[12:0], SPIs 32 ..
 * 32 + implemented − 1; drivers/irqchip/irq-gic-v3-mbi.c mbi_compose_msi_msg).
 */
const d: GicdConfig = { base: 0x0800_0000n, spis: 64, mbis: true };
const REF_MAP = 'Arm IHI 0069 (GICv3/v4), The GIC Distributor register map';
const REF_SETSPI =
  'Arm IHI 0069 (GICv3/v4), GICD_SETSPI_NSR; drivers/irqchip/irq-gic-v3-mbi.c mbi_compose_msi_msg';

/** [first offset, last offset, name, what a Non-secure write does] from the IHI 0069 register map. */
const MAP: [number, number, string, 'register' | 'gicd-read-only' | 'gicd-secure-only' | 'doorbell'][] = [
  [0x0000, 0x0003, 'GICD_CTLR', 'register'],
  [0x0004, 0x0007, 'GICD_TYPER', 'gicd-read-only'],
  [0x0008, 0x000b, 'GICD_IIDR', 'gicd-read-only'],
  [0x000c, 0x000f, 'GICD_TYPER2', 'gicd-read-only'],
  [0x0010, 0x0013, 'GICD_STATUSR', 'register'],
  [0x0040, 0x0043, 'GICD_SETSPI_NSR', 'doorbell'],
  [0x0048, 0x004b, 'GICD_CLRSPI_NSR', 'register'],
  [0x0050, 0x0053, 'GICD_SETSPI_SR', 'gicd-secure-only'],
  [0x0058, 0x005b, 'GICD_CLRSPI_SR', 'gicd-secure-only'],
  [0x0080, 0x00fc, 'GICD_IGROUPR<n>', 'register'],
  [0x0100, 0x017c, 'GICD_ISENABLER<n>', 'register'],
  [0x0180, 0x01fc, 'GICD_ICENABLER<n>', 'register'],
  [0x0200, 0x027c, 'GICD_ISPENDR<n>', 'register'],
  [0x0280, 0x02fc, 'GICD_ICPENDR<n>', 'register'],
  [0x0300, 0x037c, 'GICD_ISACTIVER<n>', 'register'],
  [0x0380, 0x03fc, 'GICD_ICACTIVER<n>', 'register'],
  [0x0400, 0x07f8, 'GICD_IPRIORITYR<n>', 'register'],
  [0x0800, 0x0bf8, 'GICD_ITARGETSR<n>', 'register'],
  [0x0c00, 0x0cfc, 'GICD_ICFGR<n>', 'register'],
  [0x0d00, 0x0dfc, 'GICD_IGRPMODR<n>', 'register'],
  [0x0e00, 0x0efc, 'GICD_NSACR<n>', 'register'],
  [0x0f00, 0x0f03, 'GICD_SGIR', 'register'],
  [0x0f10, 0x0f1c, 'GICD_CPENDSGIR<n>', 'register'],
  [0x0f20, 0x0f2c, 'GICD_SPENDSGIR<n>', 'register'],
  [0x0f80, 0x0ffc, 'GICD_INMIR<n>', 'register'],
  [0x6100, 0x7fd8, 'GICD_IROUTER<n>', 'register'],
  [0xffd0, 0xfffc, 'GICD_PIDR/CIDR', 'gicd-read-only'],
];

describe('distributor register map', () => {
  it.each(MAP)('offset %#x..%#x is %s', (first, last, name, kind) => {
    expect(gicdRegisterAt(d, BigInt(first))?.name).toBe(name);
    expect(gicdRegisterAt(d, BigInt(last))?.name).toBe(name);
    const pa = d.base + BigInt(first);
    const o = gicdWrite(d, pa, 0x50, undefined);
    if (kind === 'register')
      expect(o).toEqual({ kind: 'register', block: 'gicd', register: name, pa, access: 'write' });
    else if (kind === 'doorbell') expect(o).toMatchObject({ kind: 'interrupt', identity: 0x50 });
    else expect(o).toEqual({ kind: 'dropped', reason: kind });
  });
  it('the gaps between registers are reserved (recorded with the offset)', () => {
    for (const off of [
      0x14, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x7c, 0xf04, 0xf30, 0x1000, 0x60fc, 0x7fe0, 0xffcc,
    ]) {
      expect(gicdRegisterAt(d, BigInt(off)), off.toString(16)).toBeUndefined();
    }
    const trace: Hop[] = [];
    expect(gicdWrite(d, d.base + 0x14n, 0, trace)).toEqual({ kind: 'dropped', reason: 'gicd-reserved' });
    expect(trace).toEqual([
      { block: 'arm-gicd', step: 'gicd-reserved', ref: REF_MAP, facts: { pa: '0x8000014', offset: '0x14' } },
    ]);
  });
  it('a write to a read-only or Secure-only register is ignored and recorded with why', () => {
    const trace: Hop[] = [];
    gicdWrite(d, d.base + 0x50n, 40, trace);
    gicdWrite(d, d.base + 0x4n, 40, trace);
    expect(trace).toEqual([
      {
        block: 'arm-gicd',
        step: 'gicd-ignored',
        ref: REF_MAP,
        facts: { register: 'GICD_SETSPI_SR', why: 'secure-only' },
      },
      {
        block: 'arm-gicd',
        step: 'gicd-ignored',
        ref: REF_MAP,
        facts: { register: 'GICD_TYPER', why: 'read-only' },
      },
    ]);
  });
  it('a write or a read reaching a register is recorded with the access', () => {
    const trace: Hop[] = [];
    expect(gicdWrite(d, d.base, 0, trace, 'read')).toEqual({
      kind: 'register',
      block: 'gicd',
      register: 'GICD_CTLR',
      pa: d.base,
      access: 'read',
    });
    expect(gicdWrite(d, d.base + 0x4n, 0, trace, 'read')).toMatchObject({ kind: 'register', access: 'read' });
    expect(trace[0]).toEqual({
      block: 'arm-gicd',
      step: 'gicd-register',
      ref: REF_MAP,
      facts: { pa: '0x8000000', register: 'GICD_CTLR', access: 'read' },
    });
  });
  it('without MBIS both NSR doorbells are reserved, the SR ones are not', () => {
    const nombi = { ...d, mbis: false };
    expect(gicdRegisterAt(nombi, 0x40n)).toBeUndefined();
    expect(gicdRegisterAt(nombi, 0x48n)).toBeUndefined();
    expect(gicdRegisterAt(nombi, 0x50n)?.name).toBe('GICD_SETSPI_SR');
    expect(gicdRegisterAt(nombi, 0x0n)?.name).toBe('GICD_CTLR');
  });
  it('the frame is [base, base + 64 KiB)', () => {
    expect(gicdWrite(d, d.base - 1n, 0, undefined)).toBeUndefined();
    expect(gicdWrite(d, d.base + 0xffffn, 0, undefined)).toMatchObject({
      kind: 'dropped',
      reason: 'gicd-read-only',
    });
    expect(gicdWrite(d, d.base + 0x10000n, 0, undefined)).toBeUndefined();
  });
});

describe('GICD_SETSPI_NSR SPI range', () => {
  const set = (data: number) => {
    const trace: Hop[] = [];
    return { outcome: gicdWrite(d, d.base + 0x40n, data, trace), trace };
  };
  const spiHop = (step: string, intid: number): Hop => ({
    block: 'arm-gicd',
    step,
    ref: REF_SETSPI,
    facts: { intid, spis: 64, writerIdentity: 'not-consulted' },
  });
  it('INTID 31 and 32 + spis are not SPIs; 32 and 32 + spis − 1 are', () => {
    expect(set(31)).toEqual({
      outcome: { kind: 'dropped', reason: 'gicd-not-an-spi' },
      trace: [spiHop('gicd-not-an-spi', 31)],
    });
    expect(set(32)).toEqual({
      outcome: { kind: 'interrupt', controller: 'gic-spi', target: 'dist', identity: 32 },
      trace: [spiHop('gicd-setspi', 32)],
    });
    expect(set(95).outcome).toMatchObject({ identity: 95 });
    expect(set(96).trace).toEqual([spiHop('gicd-not-an-spi', 96)]);
  });
  it('INTID is data[12:0]: bit 13 is dropped, bit 12 kept', () => {
    expect(set(0x2000 | 40).outcome).toMatchObject({ identity: 40 });
    expect(set(0x1000 | 40).trace).toEqual([spiHop('gicd-not-an-spi', 0x1028)]);
  });
  it('GicdConfigSchema: spis 0..988, base 64 KiB aligned and non-negative', () => {
    const ok = (o: Partial<GicdConfig>) => parseGicdConfig({ ...d, ...o }).ok;
    expect([
      ok({ spis: -1 }),
      ok({ spis: 0 }),
      ok({ spis: 988 }),
      ok({ spis: 989 }),
      ok({ base: -0x10000n }),
    ]).toEqual([false, true, true, false, false]);
  });
});
