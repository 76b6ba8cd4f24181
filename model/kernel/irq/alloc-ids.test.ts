import { describe, expect, it } from 'vitest';
import { IMSIC_IDS, IMSIC_IPI_ID, X86_MSI_BASE } from '../../platform/layout.ts';
import type { HwIrq, Irq, State } from '../../platform/state.ts';
import { riscv, setup, topo } from '../testing.ts';
import { compatAddr, freeEiid, vtdRemappableAddr } from './alloc.ts';

describe('vtdRemappableAddr (drivers/iommu/intel/irq_remapping.c fill_msi_msg; arch/x86/include/asm/msi.h dmar_* bitfields)', () => {
  // 0xFEE base in bits 31:20, index 14:0 in bits 19:5, format (bit 4) and SHV (bit 3) set, index bit 15 in bit 2.
  it('handle 0: base | format | subhandle_valid', () => {
    expect(vtdRemappableAddr(0)).toBe(0xfee0_0018n);
  });
  it('handle 1 and 0x7fff: dmar_index_0_14 in bits 19:5, bit 2 clear', () => {
    expect(vtdRemappableAddr(1)).toBe(0xfee0_0038n);
    expect(vtdRemappableAddr(0x4000)).toBe(0xfee8_0018n); // index bit 14 → address bit 19
    expect(vtdRemappableAddr(0x7fff)).toBe(0xfeef_fff8n);
  });
  it('handle 0x8000 and 0xffff: dmar_index_15 = !!(index & 0x8000) in bit 2', () => {
    expect(vtdRemappableAddr(0x8000)).toBe(0xfee0_001cn);
    expect(vtdRemappableAddr(0xffff)).toBe(0xfeef_fffcn);
  });
  it('handle 0x10000: bits above 15 are not encoded (index & 0x7FFF, !!(index & 0x8000))', () => {
    expect(vtdRemappableAddr(0x10000)).toBe(0xfee0_0018n);
  });
});

describe('compatAddr (arch/x86/kernel/apic/apic.c __irq_msi_compose_msg: destid_0_7 in address bits 19:12)', () => {
  it('APIC ids 0, 1 and 0xff', () => {
    expect(compatAddr(0)).toBe(X86_MSI_BASE);
    expect(compatAddr(1)).toBe(0xfee0_1000n);
    expect(compatAddr(0xff)).toBe(0xfeef_f000n);
  });
});

describe('freeEiid (drivers/irqchip/irq-riscv-imsic-state.c imsic_matrix_init: ID 0 and IMSIC_IPI_ID reserved, IDs up to nr_ids)', () => {
  const imsicIrq = (irq: number, hart: number, eiid: number, file = 'S'): Irq => {
    const hw: HwIrq = { chip: 'imsic', file, eiid };
    return { irq, device: 0, vector: 0, hart, owner: 'host', via: 'host', hw, msg: { addr: 0n, data: eiid } };
  };
  const base = (): State => setup(riscv('msi-table-all'), topo([{}], { harts: 2 }));
  const using = (s: State, ids: readonly number[], hart = 0, file = 'S'): State => ({
    ...s,
    irqs: ids.map((id, i) => imsicIrq(i, hart, id, file)),
  });

  it('an empty file: the first identity after the IPI', () => {
    expect(IMSIC_IPI_ID).toBe(1);
    expect(freeEiid(base(), 0)).toBe(2);
  });

  it('the lowest hole wins; other harts and other files do not count', () => {
    const s = base();
    expect(freeEiid(using(s, [2, 3, 5]), 0)).toBe(4);
    expect(freeEiid(using(s, [2, 3, 5]), 1)).toBe(2);
    expect(freeEiid(using(s, [2, 3, 5], 0, 'G1'), 0)).toBe(2);
    expect(freeEiid(using(s, [2, 3, 5], 0, 'G1'), 0, 'G1')).toBe(4);
  });

  it('identities 2..IMSIC_IDS-1 taken: IMSIC_IDS itself is still free; all taken: none', () => {
    const s = base();
    const upTo = (n: number) => [...Array(n - 1).keys()].map((i) => i + 2);
    expect(upTo(IMSIC_IDS - 1)).toHaveLength(IMSIC_IDS - 2);
    expect(freeEiid(using(s, upTo(IMSIC_IDS - 1)), 0)).toBe(IMSIC_IDS);
    expect(freeEiid(using(s, upTo(IMSIC_IDS)), 0)).toBeUndefined();
  });
});
