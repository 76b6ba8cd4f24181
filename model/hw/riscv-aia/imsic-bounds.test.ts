import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import type { Access } from '../../types/page-map.ts';
import { testImsic } from '../riscv-fixture.ts';
import { bswap32, fileIds, findHart, type ImsicConfig, ImsicConfigSchema, imsicWrite } from './imsic.ts';

/**
 * Both sides of each IMSIC check and the hop it records (RISC-V AIA 1.0 (20250312): IMSIC memory
 * region of an interrupt file [[IMSIC-memRegion]]: seteipnum_le at 0x0, seteipnum_be at 0x4, only
 * 32-bit accesses, identities 1..N with N = 64·m − 1 between 63 and 2047, reads return zero; IMSIC
 * system memory regions [[IMSIC-systemMemRegions]]: g·2^E + A + h·2^C and g·2^E + B + h·2^D + i·2^12).
 */
const REF_REGION = 'RISC-V AIA 1.0 (20250312), IMSIC memory region of an interrupt file [[IMSIC-memRegion]]';
const REF_LAYOUT =
  'RISC-V AIA 1.0 (20250312), IMSIC system memory regions [[IMSIC-systemMemRegions]] (docs/hardware.md#imsic-address-layout)';
const S0 = 0x2800_0000n;
const M0 = 0x2400_0000n;
// Hart 1 has distinct limits per file: M 127, S 255, guests 191.
const c: ImsicConfig = {
  ...testImsic(),
  harts: testImsic().harts.map((h) => (h.hart === 1 ? { ...h, mIds: 127, sIds: 255, guestIds: 191 } : h)),
};
const S1 = S0 + 0x8000n;
const M1 = M0 + 0x1000n;
const run = (cfg: ImsicConfig, pa: bigint, data: number, size = 4, access: Access = 'write') => {
  const trace: Hop[] = [];
  return { outcome: imsicWrite(cfg, pa, data, size, trace, access), trace };
};
const pending = (file: string, identity: number, n: number, target = '0.1') => ({
  outcome: { kind: 'interrupt', controller: 'imsic', target, file, identity },
  trace: [{ block: 'imsic', step: 'seteipnum', ref: REF_REGION, facts: { target, file, identity, n } }],
});
const unimplemented = (file: string, identity: number, n: number) => ({
  outcome: { kind: 'dropped', reason: 'imsic-unimplemented-identity' },
  trace: [
    {
      block: 'imsic',
      step: 'unimplemented-identity',
      ref: REF_REGION,
      facts: { target: '0.1', file, identity, n },
    },
  ],
});

describe('identity limits 1..N per file', () => {
  it('M file: 0 and N + 1 ignored, 1 and N pending', () => {
    expect(run(c, M1, 0)).toEqual(unimplemented('M', 0, 127));
    expect(run(c, M1, 1)).toEqual(pending('M', 1, 127));
    expect(run(c, M1, 127)).toEqual(pending('M', 127, 127));
    expect(run(c, M1, 128)).toEqual(unimplemented('M', 128, 127));
  });
  it('S file: N = sIds', () => {
    expect(run(c, S1, 255)).toEqual(pending('S', 255, 255));
    expect(run(c, S1, 256)).toEqual(unimplemented('S', 256, 255));
  });
  it('guest files: N = guestIds', () => {
    expect(run(c, S1 + 0x1000n, 191)).toEqual(pending('G1', 191, 191));
    expect(run(c, S1 + 0x3000n, 192)).toEqual(unimplemented('G3', 192, 191));
  });
  it('fileIds and findHart pick the hart and the file', () => {
    const h = findHart(c, 0, 1);
    expect(h).toEqual({ group: 0, hart: 1, mIds: 127, sIds: 255, guestIds: 191, geilen: 3 });
    expect(findHart(c, 1, 1)).toBeUndefined();
    expect(findHart(c, 0, 4)).toBeUndefined();
    if (h === undefined) throw new Error('hart 0.1');
    expect([fileIds(h, 'M'), fileIds(h, 'S'), fileIds(h, 'G2')]).toEqual([127, 255, 191]);
  });
});

describe('register offsets and access', () => {
  it('seteipnum_be byte-swaps when implemented', () => {
    expect(bswap32(0x0102_0304)).toBe(0x0403_0201);
    expect(bswap32(0x8000_00ff)).toBe(0xff00_0080);
    expect(run({ ...c, beMsi: true }, S1 + 4n, 0x0500_0000)).toEqual(pending('S', 5, 255));
  });
  it('an offset other than 0x0 (or 0x4 with seteipnum_be) is recorded with the offset', () => {
    expect(run(c, S1 + 4n, 0x0500_0000)).toEqual({
      outcome: { kind: 'dropped', reason: 'imsic-not-seteipnum' },
      trace: [
        {
          block: 'imsic',
          step: 'not-seteipnum',
          ref: REF_REGION,
          facts: { target: '0.1', file: 'S', offset: '0x4' },
        },
      ],
    });
    expect(run({ ...c, beMsi: true }, S1 + 0xffcn, 5).trace[0]?.facts).toEqual({
      target: '0.1',
      file: 'S',
      offset: '0xffc',
    });
  });
  it('a 2-byte or 8-byte access is ignored and recorded with its size', () => {
    expect(run(c, S1, 5, 2)).toEqual({
      outcome: { kind: 'dropped', reason: 'imsic-unsupported-access' },
      trace: [
        {
          block: 'imsic',
          step: 'unsupported-access',
          ref: REF_REGION,
          facts: { target: '0.1', file: 'S', size: 2 },
        },
      ],
    });
    expect(run(c, S1, 5, 8).outcome).toEqual({ kind: 'dropped', reason: 'imsic-unsupported-access' });
  });
  it('a read or an exec (read for execute) returns zero and is recorded', () => {
    expect(run(c, M1, 5, 4, 'read')).toEqual({
      outcome: { kind: 'dropped', reason: 'imsic-read-zero' },
      trace: [
        {
          block: 'imsic',
          step: 'read-zero',
          ref: REF_REGION,
          facts: { target: '0.1', file: 'M', access: 'read' },
        },
      ],
    });
    expect(run(c, S1 + 0x2000n, 5, 4, 'exec').trace[0]?.facts).toEqual({
      target: '0.1',
      file: 'G2',
      access: 'exec',
    });
  });
});

describe('region decode: harts, pages, groups', () => {
  it('guest page GEILEN is a file, GEILEN + 1 a read-only zero page (recorded)', () => {
    expect(run(c, S1 + 0x3000n, 1).outcome).toMatchObject({ file: 'G3' });
    expect(run(c, S1 + 0x4000n, 1)).toEqual({
      outcome: { kind: 'dropped', reason: 'imsic-read-only-zero-page' },
      trace: [
        {
          block: 'imsic',
          step: 'read-only-zero-page',
          ref: REF_LAYOUT,
          facts: { pa: '0x2800c000', group: 0, hart: 1, page: 4 },
        },
      ],
    });
  });
  it('the M region: page 0 of each hart block is the file, the others read-only zero', () => {
    const wide = { ...c, mHartShift: 14 };
    expect(run(wide, M0 + 0x4000n, 1).outcome).toMatchObject({ target: '0.1', file: 'M' });
    expect(run(wide, M0 + 0x7000n, 1).trace[0]?.facts).toEqual({
      pa: '0x24007000',
      group: 0,
      hart: 1,
      page: 3,
    });
  });
  it('the hart index is k bits: hart 3 is the last in the region, hart 4 is outside it', () => {
    expect(run(c, S0 + 3n * 0x8000n, 1).outcome).toMatchObject({ target: '0.3', file: 'S' });
    expect(run(c, S0 + 4n * 0x8000n, 1).outcome).toBeUndefined();
    expect(run(c, M0 + 3n * 0x1000n, 1).outcome).toMatchObject({ target: '0.3', file: 'M' });
    expect(run(c, M0 + 4n * 0x1000n, 1).outcome).toBeUndefined();
    expect(run(c, S0 - 4n, 1).outcome).toBeUndefined();
  });
  it('groups bounds the group field: group groups - 1 decodes, group groups is outside the regions', () => {
    const g: ImsicConfig = {
      ...c,
      groupIndexBits: 2,
      groups: 2,
      harts: [...c.harts, { group: 1, hart: 0, mIds: 63, sIds: 63, guestIds: 63, geilen: 3 }],
    };
    expect(run(g, S0 | (1n << 24n), 7).outcome).toMatchObject({ target: '1.0', identity: 7 });
    expect(run(g, S0 | (2n << 24n), 7).outcome).toBeUndefined();
    // Without `groups` every 2^j group exists: group 2 decodes, and has no hart there.
    expect(run({ ...g, groups: undefined }, S0 | (2n << 24n), 7).outcome).toEqual({
      kind: 'dropped',
      reason: 'imsic-read-only-zero-page',
    });
  });
});

describe('ImsicConfigSchema bounds', () => {
  const ok = (over: Partial<ImsicConfig>) => ImsicConfigSchema.safeParse({ ...testImsic(), ...over }).success;
  const hart = (over: Record<string, number>) =>
    ImsicConfigSchema.safeParse({ ...testImsic(1), harts: [{ ...testImsic(1).harts[0], ...over }] }).success;
  it('identities per file are 64·m − 1 between 63 and 2047', () => {
    expect([hart({ sIds: 62 }), hart({ sIds: 63 }), hart({ sIds: 64 }), hart({ sIds: 127 })]).toEqual([
      false,
      true,
      false,
      true,
    ]);
    expect([hart({ mIds: 2047 }), hart({ mIds: 2111 }), hart({ guestIds: 126 })]).toEqual([
      true,
      false,
      false,
    ]);
  });
  it('GEILEN 0..63, group and hart non-negative', () => {
    expect([hart({ geilen: -1 }), hart({ geilen: 0 }), hart({ geilen: 63 }), hart({ geilen: 64 })]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect([hart({ group: -1 }), hart({ hart: -1 })]).toEqual([false, false]);
  });
  it('C 12..40, guest index bits 0..40, k 0..15, j 0..7, E 24..55, groups ≥ 1, at least one hart', () => {
    expect([
      ok({ mHartShift: 11 }),
      ok({ mHartShift: 12 }),
      ok({ mHartShift: 40 }),
      ok({ mHartShift: 41 }),
    ]).toEqual([false, true, true, false]);
    expect([ok({ guestIndexBits: -1 }), ok({ guestIndexBits: 40 }), ok({ guestIndexBits: 41 })]).toEqual([
      false,
      true,
      false,
    ]);
    expect([ok({ hartIndexBits: -1 }), ok({ hartIndexBits: 15 }), ok({ hartIndexBits: 16 })]).toEqual([
      false,
      true,
      false,
    ]);
    expect([ok({ groupIndexBits: -1 }), ok({ groupIndexBits: 7 }), ok({ groupIndexBits: 8 })]).toEqual([
      false,
      true,
      false,
    ]);
    expect([
      ok({ groupIndexShift: 23 }),
      ok({ groupIndexShift: 24 }),
      ok({ groupIndexShift: 55 }),
      ok({ groupIndexShift: 56 }),
    ]).toEqual([false, true, true, false]);
    expect([ok({ groups: 0 }), ok({ groups: 1 }), ok({ harts: [] })]).toEqual([false, true, false]);
    expect([ok({ mBase: -1n }), ok({ sBase: -1n })]).toEqual([false, false]);
  });
});
