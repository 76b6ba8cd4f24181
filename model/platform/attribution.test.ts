import { describe, expect, it } from 'vitest';
import type { DesignCore } from '../kernel/policy.ts';
import { alloc, armIts, armV2m, riscv, setup, topo, x86 } from '../kernel/testing.ts';
import type { Outcome } from '../types/outcome.ts';
import { attribute, expectedKey, outcomeKey } from './attribution.ts';
import type { Irq, State } from './state.ts';

/**
 * Attribution of an interrupt to its owner. Identities: the IMSIC IPI is identity 1 of the S-file
 * (drivers/irqchip/irq-riscv-imsic-state.h IMSIC_IPI_ID); x86 vectors below FIRST_EXTERNAL_VECTOR
 * (0x20) are exceptions and RESCHEDULE_VECTOR 0xfd / CALL_FUNCTION_VECTOR 0xfc are IPIs
 * (arch/x86/include/asm/irq_vectors.h); SMI, NMI, INIT and ExtINT carry no vector (Intel SDM vol. 3
 * "Message Data Register Format").
 */
type Interrupt = Extract<Outcome, { kind: 'interrupt' }>;
const intr = (
  controller: Interrupt['controller'],
  target: string,
  identity: number,
  extra: Partial<Interrupt> = {},
): Interrupt => ({
  kind: 'interrupt',
  controller,
  target,
  identity,
  ...extra,
});
const withIrqs = (d: DesignCore, devices = 2, opts: { vms?: number } = {}): State =>
  setup(
    d,
    topo(
      Array.from({ length: devices }, () => ({})),
      { harts: 2, ...opts },
    ),
    Array.from({ length: devices }, (_, i) => alloc(i)),
  );
const only = (s: State, i: number): Irq => {
  const q = s.irqs[i];
  if (q === undefined) throw new Error('no irq');
  return q;
};

describe('expectedKey names the interrupt an IRQ produces', () => {
  it('IMSIC: hart "0.h", its file and EIID', () => {
    const s = withIrqs(riscv('msi-table-affinity'));
    const q = only(s, 1);
    expect(q.hw.chip).toBe('imsic');
    if (q.hw.chip !== 'imsic') return;
    expect(expectedKey(s, q)).toBe(`imsic|0.0|${q.hw.file}|${q.hw.eiid}`);
    expect(expectedKey(s, { ...q, hart: 3 })).toBe(`imsic|0.3|${q.hw.file}|${q.hw.eiid}`);
  });
  it('ITS: the LPI at redistributor rd<hart>', () => {
    const s = withIrqs(armIts());
    const q = only(s, 0);
    if (q.hw.chip !== 'its') throw new Error(q.hw.chip);
    expect(expectedKey(s, { ...q, hart: 1 })).toBe(`its-lpi|rd1||${q.hw.lpi}`);
  });
  it('GICv2m and MBI: the SPI at the distributor', () => {
    const s = withIrqs(armV2m());
    const q = only(s, 0);
    if (q.hw.chip !== 'v2m') throw new Error(q.hw.chip);
    expect(expectedKey(s, q)).toBe(`gic-spi|dist||${q.hw.spi}`);
    expect(expectedKey(s, { ...q, hw: { chip: 'mbi', spi: 100 } })).toBe('gic-spi|dist||100');
  });
  it('VT-d, AMD and plain LAPIC: the vector at apic<hart>', () => {
    const s = withIrqs(x86('vtd'));
    const q = only(s, 0);
    expect(expectedKey(s, { ...q, hart: 1, hw: { chip: 'vtd', irte: 0, vector: 0x22 } })).toBe(
      'lapic|apic1||34',
    );
    expect(expectedKey(s, { ...q, hw: { chip: 'amd', index: 0, vector: 0x23 } })).toBe('lapic|apic0||35');
    expect(expectedKey(s, { ...q, hw: { chip: 'lapic', vector: 0x24 } })).toBe('lapic|apic0||36');
    expect(() => expectedKey(s, { ...q, hw: { chip: 'x' } as never })).toThrow(
      'model inconsistency: {"chip":"x"} in test-x86-vtd',
    );
  });
});

describe('outcomeKey', () => {
  it('fixed, lowest-priority and absent delivery modes key by the vector; the others add the mode', () => {
    expect(outcomeKey(intr('lapic', 'apic0', 0x30))).toBe('lapic|apic0||48');
    expect(outcomeKey(intr('lapic', 'apic0', 0x30, { deliveryMode: 'fixed' }))).toBe('lapic|apic0||48');
    expect(outcomeKey(intr('lapic', 'apic0', 0x30, { deliveryMode: 'lowest-priority' }))).toBe(
      'lapic|apic0||48',
    );
    for (const m of ['smi', 'nmi', 'init', 'extint'] as const)
      expect(outcomeKey(intr('lapic', 'apic0', 0x30, { deliveryMode: m }))).toBe(`lapic|apic0||48|${m}`);
    expect(outcomeKey(intr('imsic', '0.1', 5, { file: 'G2' }))).toBe('imsic|0.1|G2|5');
  });
});

describe('attribute', () => {
  it('an interrupt an IRQ produces is that IRQ, with its owner', () => {
    for (const d of [riscv('msi-table-affinity'), armIts(), armV2m(), x86('vtd'), x86('amd')]) {
      const s = withIrqs(d);
      for (const q of s.irqs) {
        const [controller, target, file, identity] = expectedKey(s, q).split('|') as [
          Interrupt['controller'],
          string,
          string,
          string,
        ];
        const o = intr(controller, target, Number(identity), file === '' ? {} : { file });
        expect(attribute(s, o)).toEqual({ kind: 'irq', irq: q, owner: q.owner });
      }
    }
  });

  it('IMSIC: the M-file is the machine’s, S identity 1 the IPI, other S identities and free guest files unallocated', () => {
    const s = withIrqs(riscv('msi-table-affinity'), 1, { vms: 1 });
    const used = only(s, 0);
    if (used.hw.chip !== 'imsic') throw new Error(used.hw.chip);
    const free = used.hw.eiid + 1;
    expect(attribute(s, intr('imsic', '0.0', used.hw.eiid, { file: 'M' }))).toEqual({
      kind: 'machine-file',
      owner: 'host',
    });
    expect(attribute(s, intr('imsic', '0.0', 1, { file: 'S' }))).toEqual({ kind: 'ipi', owner: 'host' });
    expect(attribute(s, intr('imsic', '0.1', 1, { file: 'S' }))).toEqual({ kind: 'ipi', owner: 'host' });
    expect(attribute(s, intr('imsic', '0.0', free, { file: 'S' }))).toEqual({
      kind: 'unallocated',
      owner: 'host',
    });
    // At boot vCPU h of VM 0 holds guest file G1 of hart h (kvm_riscv_aia_alloc_hgei).
    expect(attribute(s, intr('imsic', '0.1', 3, { file: 'G1' }))).toEqual({
      kind: 'guest-file',
      owner: 'vm:0',
      file: 'G1',
    });
    expect(attribute(s, intr('imsic', '0.0', 3, { file: 'G2' }))).toEqual({
      kind: 'unallocated',
      owner: 'host',
    });
    expect(attribute(s, intr('imsic', '0.2', 3, { file: 'G1' }))).toEqual({
      kind: 'unallocated',
      owner: 'host',
    });
    expect(attribute(s, intr('imsic', '0.0', 3))).toEqual({ kind: 'unallocated', owner: 'host' });
  });

  it('guest files follow State.vcpus: a vCPU moved to another hart and HGEI takes its file there', () => {
    const s0 = withIrqs(riscv('msi-table-affinity'), 1, { vms: 2 });
    const s: State = { ...s0, vcpus: [[{ hart: 1, hgei: 3 }], [{ hart: 0, hgei: 1 }]] };
    expect(attribute(s, intr('imsic', '0.1', 4, { file: 'G3' }))).toEqual({
      kind: 'guest-file',
      owner: 'vm:0',
      file: 'G3',
    });
    expect(attribute(s, intr('imsic', '0.0', 4, { file: 'G1' }))).toEqual({
      kind: 'guest-file',
      owner: 'vm:1',
      file: 'G1',
    });
    expect(attribute(s, intr('imsic', '0.1', 4, { file: 'G1' }))).toEqual({
      kind: 'unallocated',
      owner: 'host',
    });
  });

  it('LAPIC: exceptions below 0x20, the IPI vectors 0xfc and 0xfd and vectorless modes are the host’s system vectors', () => {
    const s = withIrqs(x86('vtd'), 1);
    const q = only(s, 0);
    if (q.hw.chip !== 'vtd') throw new Error(q.hw.chip);
    const sys = { kind: 'system-vector', owner: 'host' };
    const free = { kind: 'unallocated', owner: 'host' };
    expect(attribute(s, intr('lapic', 'apic0', 0x1f))).toEqual(sys);
    expect(attribute(s, intr('lapic', 'apic0', 0x12))).toEqual(sys);
    expect(q.hw.vector).toBe(0x20);
    expect(attribute(s, intr('lapic', 'apic0', 0x21))).toEqual(free);
    expect(attribute(s, intr('lapic', 'apic0', 0xfb))).toEqual(free);
    expect(attribute(s, intr('lapic', 'apic0', 0xfc))).toEqual(sys);
    expect(attribute(s, intr('lapic', 'apic0', 0xfd))).toEqual(sys);
    expect(attribute(s, intr('lapic', 'apic0', 0xfe))).toEqual(free);
    // The IRQ's own vector in a vectorless mode is not the IRQ: an NMI carries no vector.
    expect(attribute(s, intr('lapic', 'apic0', q.hw.vector, { deliveryMode: 'nmi' }))).toEqual(sys);
    expect(attribute(s, intr('lapic', 'apic0', q.hw.vector, { deliveryMode: 'lowest-priority' }))).toEqual({
      kind: 'irq',
      irq: q,
      owner: q.owner,
    });
    expect(attribute(s, intr('lapic', 'apic0', 0x40, { deliveryMode: 'fixed' }))).toEqual(free);
    expect(attribute(s, intr('lapic', 'apic1', q.hw.vector))).toEqual(free);
  });

  it('other controllers: anything no IRQ produces is unallocated, whatever its identity', () => {
    const s = withIrqs(armIts(), 1);
    expect(attribute(s, intr('its-lpi', 'rd0', 0x10))).toEqual({ kind: 'unallocated', owner: 'host' });
    expect(attribute(s, intr('gic-spi', 'dist', 0xfd, { deliveryMode: 'nmi' }))).toEqual({
      kind: 'unallocated',
      owner: 'host',
    });
  });
});
