import { describe, expect, it } from 'vitest';
import { parseWith } from './validate.ts';
import { accessOf, isTranslated, MAX_DEVICE_ID, MAX_PCI_RID, WriteSchema, write32 } from './write.ts';

/**
 * The device write (RISC-V IOMMU spec: device_id up to 24 bits; PCI Express Base spec: Requester
 * ID 16 bits, 64-bit addresses, 32-bit MSI data, a request of up to 4096 bytes). Every bound is
 * accepted at its limit and refused one past it, with the error naming the field.
 */
const w = (over: Record<string, unknown> = {}) => ({ rid: 0, addr: 0n, data: 0, ...over });
const pathOf = (input: unknown): string => {
  const r = parseWith(WriteSchema, input);
  return r.ok ? 'ok' : r.error.path;
};

describe('WriteSchema bounds', () => {
  it('rid 0..2^24-1, addr 0..2^64-1, data 0..2^32-1, size 1..4096', () => {
    expect([MAX_DEVICE_ID, MAX_PCI_RID]).toEqual([0xff_ffff, 0xffff]);
    const cases: [Record<string, unknown>, string][] = [
      [{ rid: 0xff_ffff }, 'ok'],
      [{ rid: 0x100_0000 }, '$.rid'],
      [{ rid: -1 }, '$.rid'],
      [{ rid: 1.5 }, '$.rid'],
      [{ addr: (1n << 64n) - 1n }, 'ok'],
      [{ addr: 1n << 64n }, '$.addr'],
      [{ addr: -1n }, '$.addr'],
      [{ data: 0xffff_ffff }, 'ok'],
      [{ data: 0x1_0000_0000 }, '$.data'],
      [{ data: -1 }, '$.data'],
      [{ data: 0.5 }, '$.data'],
      [{ size: 1 }, 'ok'],
      [{ size: 4096 }, 'ok'],
      [{ size: 0 }, '$.size'],
      [{ size: 4097 }, '$.size'],
      [{ size: 2.5 }, '$.size'],
      [{ pid: 0 }, 'ok'],
      [{ pid: -1 }, '$.pid'],
      [{ pid: 0.5 }, '$.pid'],
      [{ access: 'read' }, 'ok'],
      [{ access: 'write' }, 'ok'],
      [{ access: 'exec' }, 'ok'],
      [{ access: 'atomic' }, '$.access'],
      [{ translated: true }, 'ok'],
      [{ translated: 1 }, '$.translated'],
    ];
    expect(cases.map(([o]) => pathOf(w(o)))).toEqual(cases.map(([, p]) => p));
  });

  it('an absent size is a 4-byte write (AIA: MSIs are 32-bit writes)', () => {
    expect(WriteSchema.parse(w())).toEqual({ rid: 0, addr: 0n, data: 0, size: 4 });
  });
});

describe('write helpers', () => {
  it('write32 is a 4-byte write without PASID, access or ATS', () => {
    expect(write32(0x100, 0xfee00000n, 0x41)).toEqual({ rid: 0x100, addr: 0xfee00000n, data: 0x41, size: 4 });
  });
  it('accessOf: absent is a write; isTranslated only when translated is true', () => {
    const base = write32(0, 0n, 0);
    expect([
      accessOf(base),
      accessOf({ ...base, access: 'read' }),
      accessOf({ ...base, access: 'exec' }),
    ]).toEqual(['write', 'read', 'exec']);
    expect([
      isTranslated(base),
      isTranslated({ ...base, translated: false }),
      isTranslated({ ...base, translated: true }),
    ]).toEqual([false, false, true]);
  });
});
