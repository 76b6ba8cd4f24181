import { describe, expect, it } from 'vitest';
import { testImsic } from '../riscv-fixture.ts';
import { bswap32, imsicFileAddr, imsicWrite } from './imsic.ts';

const c = testImsic();
const S0 = 0x2800_0000n;

describe('IMSIC address layout (RISC-V AIA 1.0 (20250312), IMSIC system memory regions [[IMSIC-systemMemRegions]]; docs/hardware.md#imsic-address-layout)', () => {
  it('places S and guest files at B + h·2^D + i·2^12 and M files at A + h·2^C', () => {
    expect(imsicFileAddr(c, 0, 0, 'S')).toBe(S0);
    expect(imsicFileAddr(c, 0, 2, 'S')).toBe(S0 + 2n * 0x8000n);
    expect(imsicFileAddr(c, 0, 2, 'G3')).toBe(S0 + 2n * 0x8000n + 3n * 0x1000n);
    expect(imsicFileAddr(c, 0, 1, 'M')).toBe(0x2400_1000n);
  });
  it('adds the group field at E (riscv,group-index-shift)', () => {
    const g = {
      ...c,
      groupIndexBits: 1,
      harts: [...c.harts, { ...c.harts[0], group: 1, hart: 0 } as (typeof c.harts)[0]],
    };
    expect(imsicFileAddr(g, 1, 0, 'S')).toBe(S0 | (1n << 24n));
    expect(imsicWrite(g, S0 | (1n << 24n), 7, 4, undefined)).toMatchObject({
      target: '1.0',
      file: 'S',
      identity: 7,
    });
  });
});

describe('IMSIC interrupt-file page (RISC-V AIA 1.0 (20250312), IMSIC memory region of an interrupt file [[IMSIC-memRegion]]; docs/hardware.md#the-interrupt-file-page)', () => {
  it('pends an implemented identity written little-endian to seteipnum_le', () => {
    expect(imsicWrite(c, S0 + 0x8000n, 5, 4, undefined)).toEqual({
      kind: 'interrupt',
      controller: 'imsic',
      target: '0.1',
      file: 'S',
      identity: 5,
    });
  });
  it('ignores identity 0 and identities above N (no error, nothing pending)', () => {
    expect(imsicWrite(c, S0, 0, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-unimplemented-identity',
    });
    expect(imsicWrite(c, S0, 64, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-unimplemented-identity',
    });
    expect(imsicWrite(c, S0, 63, 4, undefined)).toMatchObject({ kind: 'interrupt', identity: 63 });
  });
  it('takes seteipnum_be only where big-endian MSIs are implemented', () => {
    expect(imsicWrite(c, S0 + 4n, bswap32(9), 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-not-seteipnum',
    });
    expect(imsicWrite({ ...c, beMsi: true }, S0 + 4n, bswap32(9), 4, undefined)).toMatchObject({
      identity: 9,
    });
  });
  it('treats every other offset of the page as read-only zero', () => {
    expect(imsicWrite(c, S0 + 8n, 5, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-not-seteipnum',
    });
  });
  it('ignores accesses that are not 32-bit', () => {
    expect(imsicWrite(c, S0, 5, 2, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-unsupported-access',
    });
  });
  it('reaches guest file i at page i of the hart block, up to GEILEN', () => {
    expect(imsicWrite(c, S0 + 0x3000n, 2, 4, undefined)).toMatchObject({ file: 'G3', identity: 2 });
    expect(imsicWrite(c, S0 + 0x4000n, 2, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-read-only-zero-page',
    });
  });
  it('drops writes to pages of absent harts and to unused M-region pages', () => {
    const two = testImsic(2);
    expect(imsicWrite(two, S0 + 3n * 0x8000n, 1, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-read-only-zero-page',
    });
    expect(imsicWrite({ ...c, mHartShift: 13 }, 0x2400_1000n, 1, 4, undefined)).toEqual({
      kind: 'dropped',
      reason: 'imsic-read-only-zero-page',
    });
  });
  it('returns undefined outside both IMSIC regions (ordinary memory)', () => {
    expect(imsicWrite(c, 0x8000_0000n, 1, 4, undefined)).toBeUndefined();
    expect(imsicWrite(c, S0 + 4n * 0x8000n, 1, 4, undefined)).toBeUndefined();
  });
  it('records the seteipnum hop with the file and identity when traced', () => {
    const trace: Parameters<typeof imsicWrite>[4] = [];
    imsicWrite(c, S0, 5, 4, trace);
    expect(trace).toEqual([
      expect.objectContaining({
        block: 'imsic',
        step: 'seteipnum',
        facts: expect.objectContaining({ identity: 5 }),
      }),
    ]);
  });
});
