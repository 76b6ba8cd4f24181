import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import type { Write } from '../../types/write.ts';
import {
  compatWindowAccess,
  deliveryModeName,
  deliveryModeOf,
  irWindowAccess,
  isVectored,
  lapicAccept,
  lapicFromCompat,
} from './window.ts';

/**
 * Every field of the compatibility-format MSI and each side of its checks: Intel SDM vol. 3
 * "Message Address Register Format" (destination ID bits 19:12, redirection hint bit 3, destination
 * mode bit 2), "Message Data Register Format" (vector bits 7:0, delivery mode bits 10:8 with 011
 * and 110 reserved), "Error Handling" (vectors 0-15 are illegal); QEMU hw/i386/intel_iommu.c
 * vtd_mem_ir_ops and hw/i386/amd_iommu.c amdvi_ir_ops (.valid 4..4, reads do nothing).
 */
const SDM = 'Intel SDM vol. 3 10.11.1-10.11.2 (MSI address/data format)';
const IR_OPS = 'QEMU hw/i386/intel_iommu.c vtd_mem_ir_ops; hw/i386/amd_iommu.c amdvi_ir_ops';

describe('delivery mode data[10:8]', () => {
  it('reads bits 10:8 only', () => {
    expect(deliveryModeOf(0x0700)).toBe(7);
    expect(deliveryModeOf(0x00ff)).toBe(0);
    expect(deliveryModeOf(0x0800)).toBe(0);
    expect(deliveryModeOf(0x0100)).toBe(1);
    expect(deliveryModeOf(0xffff_f8ff)).toBe(0);
  });
  it('names the six defined codes; 011 and 110 are reserved', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(deliveryModeName)).toEqual([
      'fixed',
      'lowest-priority',
      'smi',
      undefined,
      'nmi',
      'init',
      undefined,
      'extint',
    ]);
    expect(deliveryModeName(8 + 4)).toBe('nmi');
  });
  it('only fixed and lowest-priority are vectored', () => {
    expect((['fixed', 'lowest-priority', 'smi', 'nmi', 'init', 'extint'] as const).map(isVectored)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('lapicAccept: vectors 0-15 are illegal for a vectored interrupt', () => {
  it('vector 15 is refused and recorded, vector 16 is accepted, for fixed and lowest-priority', () => {
    const trace: Hop[] = [];
    expect(lapicAccept('fixed', 3, 15, trace)).toEqual({ kind: 'dropped', reason: 'lapic-illegal-vector' });
    expect(trace).toEqual([
      {
        block: 'lapic',
        step: 'illegal-vector',
        ref: 'Intel SDM vol. 3 "Error Handling" (Receive Illegal Vector)',
        facts: { vector: 15, deliveryMode: 'fixed' },
      },
    ]);
    expect(lapicAccept('fixed', 3, 16, undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic3',
      identity: 16,
    });
    expect(lapicAccept('lowest-priority', 3, 15, undefined)).toEqual({
      kind: 'dropped',
      reason: 'lapic-illegal-vector',
    });
    expect(lapicAccept('lowest-priority', 3, 16, undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic3',
      identity: 16,
      deliveryMode: 'lowest-priority',
    });
  });
  it('a non-vectored mode is accepted with any vector and carries its mode', () => {
    expect(lapicAccept('init', 0, 0, undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic0',
      identity: 0,
      deliveryMode: 'init',
    });
  });
});

describe('lapicFromCompat: address and data fields', () => {
  it('destination ID is bits 19:12 (255 at 0xFEEFF000; bits 11:0 do not count)', () => {
    expect(lapicFromCompat(0xfeef_f000n, 0x30)).toMatchObject({ target: 'apic255' });
    expect(lapicFromCompat(0xfee0_0fffn, 0x30)).toMatchObject({ target: 'apic0' });
    expect(lapicFromCompat(0xfee0_1000n, 0x1_0130)).toMatchObject({ target: 'apic1', identity: 0x30 });
  });
  it('records the decoded fields: address, data, destination, vector, delivery mode, DM bit 2, RH bit 3', () => {
    const trace: Hop[] = [];
    lapicFromCompat(0xfee0_500cn, 0x0000_c1ff, trace);
    expect(trace).toEqual([
      {
        block: 'lapic',
        step: 'compat-decode',
        ref: SDM,
        facts: {
          addr: '0xfee0500c',
          data: '0xc1ff',
          dest: 5,
          vector: 0xff,
          deliveryMode: 1,
          destMode: 1,
          redirectionHint: 1,
        },
      },
    ]);
    const t2: Hop[] = [];
    lapicFromCompat(0xfee0_5000n, 0x30, t2);
    expect(t2[0]?.facts).toMatchObject({ destMode: 0, redirectionHint: 0, deliveryMode: 0 });
    const t3: Hop[] = [];
    lapicFromCompat(0xfee0_5004n, 0x30, t3);
    expect(t3[0]?.facts).toMatchObject({ destMode: 1, redirectionHint: 0 });
  });
  it('a reserved delivery mode (011, 110) raises nothing', () => {
    expect(lapicFromCompat(0xfee0_0000n, 0x0330)).toEqual({
      kind: 'dropped',
      reason: 'lapic-reserved-delivery-mode',
    });
    expect(lapicFromCompat(0xfee0_0000n, 0x0630)).toEqual({
      kind: 'dropped',
      reason: 'lapic-reserved-delivery-mode',
    });
    expect(lapicFromCompat(0xfee0_0000n, 0x0730)).toMatchObject({
      kind: 'interrupt',
      deliveryMode: 'extint',
    });
  });
});

describe('irWindowAccess: the remapping unit region takes 4-byte writes only', () => {
  const w = (size: number, access?: Write['access']): Write => ({
    rid: 1,
    addr: 0xfee0_0000n,
    data: 0x1234_5678,
    size,
    ...(access ? { access } : {}),
  });
  it('a 2-byte write is a decode error, recorded with address and size', () => {
    const trace: Hop[] = [];
    expect(irWindowAccess(w(2), trace)).toEqual({
      kind: 'done',
      outcome: { kind: 'fault', arch: 'bus', cause: 'MEMTX_DECODE_ERROR', code: 0 },
    });
    expect(trace).toEqual([
      { block: 'x86-window', step: 'decode-error', ref: IR_OPS, facts: { addr: '0xfee00000', size: 2 } },
    ]);
  });
  it('a 4-byte read does nothing', () => {
    const trace: Hop[] = [];
    expect(irWindowAccess(w(4, 'read'), trace)).toEqual({
      kind: 'done',
      outcome: { kind: 'dropped', reason: 'x86-ir-read' },
    });
    expect(trace).toEqual([
      { block: 'x86-window', step: 'ir-read', ref: IR_OPS, facts: { addr: '0xfee00000' } },
    ]);
  });
  it('a 4-byte write is the request; an 8-byte write is followed by its first 4-byte piece', () => {
    expect(irWindowAccess(w(4), undefined)).toEqual({
      kind: 'request',
      addr: 0xfee0_0000n,
      data: 0x1234_5678,
    });
    expect(irWindowAccess(w(8), undefined)).toEqual({
      kind: 'request',
      addr: 0xfee0_0000n,
      data: 0x1234_5678,
    });
    expect(irWindowAccess({ ...w(6), addr: 0xfee0_0000n }, undefined)).toMatchObject({ kind: 'done' });
  });
});

describe('compatWindowAccess: without remapping an MSI is one DWORD write', () => {
  const w = (size: number, access?: Write['access']): Write => ({
    rid: 1,
    addr: 0xfee0_1000n,
    data: 0x30,
    size,
    ...(access ? { access } : {}),
  });
  it('a 3-byte write or a 4-byte read raises nothing and is recorded', () => {
    const trace: Hop[] = [];
    expect(compatWindowAccess(w(3), trace)).toEqual({ kind: 'dropped', reason: 'lapic-not-an-msi' });
    expect(compatWindowAccess(w(4, 'read'), trace)).toEqual({ kind: 'dropped', reason: 'lapic-not-an-msi' });
    const ref = 'Intel SDM vol. 3 10.11 (an MSI is a DWORD write)';
    expect(trace).toEqual([
      { block: 'lapic', step: 'not-an-msi', ref, facts: { addr: '0xfee01000', size: 3, access: 'write' } },
      { block: 'lapic', step: 'not-an-msi', ref, facts: { addr: '0xfee01000', size: 4, access: 'read' } },
    ]);
  });
  it('a 4-byte write is decoded by the LAPIC', () => {
    expect(compatWindowAccess(w(4), undefined)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic1',
      identity: 0x30,
    });
  });
});
