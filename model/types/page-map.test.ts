import { describe, expect, it } from 'vitest';
import { lookupPage, lookupRiscvPage, PageEntrySchema, PageMapSchema, rw } from './page-map.ts';

/**
 * Leaf lookups (Privileged spec src/priv/supervisor.adoc [[pteperm]] and [[sv32algorithm]]; Arm
 * VMSAv8-64 S2AP; VT-d second-level R/W): the PA is the leaf's page with the address's offset,
 * the permission is the access type's bit, and RISC-V W without R is reserved.
 */
const entry = (r: boolean, w: boolean, x: boolean) => ({ ppn: 0x80n, r, w, x });
const at = (e: ReturnType<typeof entry>) => new Map([[0x5n, e]]);
const addr = 0x5abcn;

describe('PageEntrySchema / PageMapSchema', () => {
  it('ppn and keys are non-negative; x defaults to false; u optional', () => {
    expect(PageEntrySchema.parse({ ppn: 0n, r: true, w: false })).toEqual({
      ppn: 0n,
      r: true,
      w: false,
      x: false,
    });
    expect(PageEntrySchema.safeParse({ ppn: -1n, r: true, w: false }).success).toBe(false);
    expect(PageEntrySchema.safeParse({ ppn: 0n, r: true, w: false, u: false }).success).toBe(true);
    expect(PageMapSchema.safeParse(new Map([[0n, rw(1n)]])).success).toBe(true);
    expect(PageMapSchema.safeParse(new Map([[-1n, rw(1n)]])).success).toBe(false);
  });
});

describe('lookupPage', () => {
  it('not mapped outside the map; the page’s bit decides each access type', () => {
    expect(lookupPage(at(entry(true, true, true)), 0x6000n, 'read')).toEqual({ kind: 'not-mapped' });
    for (const [r, w, x] of [
      [true, false, false],
      [false, true, false],
      [false, false, true],
      [true, true, true],
      [false, false, false],
    ] as const) {
      const m = at(entry(r, w, x));
      const want = (ok: boolean) => (ok ? { kind: 'ok', pa: 0x80abcn } : { kind: 'no-permission' });
      expect([
        lookupPage(m, addr, 'read'),
        lookupPage(m, addr, 'write'),
        lookupPage(m, addr, 'exec'),
      ]).toEqual([want(r), want(w), want(x)]);
    }
  });
  it('keeps the 12-bit offset and replaces the page number', () => {
    expect(lookupPage(new Map([[0n, rw(0x12345n)]]), 0xfffn, 'write')).toEqual({
      kind: 'ok',
      pa: 0x12345fffn,
    });
    expect(lookupPage(new Map([[0x1n, rw(0x2n)]]), 0x1000n, 'read')).toEqual({ kind: 'ok', pa: 0x2000n });
  });
});

describe('lookupRiscvPage', () => {
  it('XWR = 010 and 110 are reserved for every access type; other encodings look up as lookupPage', () => {
    for (const x of [false, true]) {
      const m = at(entry(false, true, x));
      for (const a of ['read', 'write', 'exec'] as const)
        expect(lookupRiscvPage(m, addr, a)).toEqual({ kind: 'reserved-encoding' });
    }
    for (const [r, w, x] of [
      [true, true, false],
      [true, false, false],
      [false, false, true],
      [false, false, false],
      [true, true, true],
    ] as const) {
      const m = at(entry(r, w, x));
      for (const a of ['read', 'write', 'exec'] as const)
        expect(lookupRiscvPage(m, addr, a)).toEqual(lookupPage(m, addr, a));
    }
    expect(lookupRiscvPage(at(entry(false, true, false)), 0x6000n, 'read')).toEqual({ kind: 'not-mapped' });
    expect(lookupRiscvPage(at(entry(true, true, false)), addr, 'write')).toEqual({
      kind: 'ok',
      pa: 0x80abcn,
    });
  });
  it('rw is a read-write, non-executable leaf', () => {
    expect(rw(7n)).toEqual({ ppn: 7n, r: true, w: true, x: false });
  });
});
