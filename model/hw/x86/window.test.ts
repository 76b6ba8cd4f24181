import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { inInterruptWindow, lapicFromCompat, MSI_WINDOW_END, MSI_WINDOW_START } from './window.ts';

describe('x86 interrupt window (docs/hardware.md#x86-interrupt-window)', () => {
  it('covers exactly 0xFEE00000–0xFEEFFFFF (VTD_INTERRUPT_ADDR_FIRST/LAST, AMDVI_INT_ADDR_FIRST/LAST)', () => {
    expect(MSI_WINDOW_START).toBe(0xfee00000n);
    expect(MSI_WINDOW_END).toBe(0xfeefffffn);
    expect(inInterruptWindow(0xfedfffffn)).toBe(false);
    expect(inInterruptWindow(0xfee00000n)).toBe(true);
    expect(inInterruptWindow(0xfeefffffn)).toBe(true);
    expect(inInterruptWindow(0xfef00000n)).toBe(false);
  });

  it('compares all 64 bits: 0x1_FEE00000 is not in the window (QEMU IR region is at 0xfee00000 only)', () => {
    expect(inInterruptWindow(0x1_fee0_0000n)).toBe(false);
  });
});

describe('lapicFromCompat (Intel SDM vol. 3 MSI address/data format; docs/hardware.md#x86-without-interrupt-remapping)', () => {
  it('takes the destination APIC id from address bits 19:12 and the vector from data bits 7:0', () => {
    expect(lapicFromCompat(0xfee2_a000n, 0x0000_40ec)).toEqual({
      kind: 'interrupt',
      controller: 'lapic',
      target: 'apic42',
      identity: 0xec,
    });
  });

  it('records delivery mode data[10:8] in the trace (NMI = 4) without changing the vector', () => {
    const trace: Hop[] = [];
    const o = lapicFromCompat(0xfee0_1000n, 0x0000_0402, trace);
    expect(o).toMatchObject({ target: 'apic1', identity: 0x02, deliveryMode: 'nmi' });
    expect(trace.at(-1)?.facts.deliveryMode).toBe(4);
  });

  it('a fixed interrupt with vector 0-15 is refused as an illegal vector; NMI ignores the vector (Intel SDM vol. 3 "Error Handling", "Message Data Register Format")', () => {
    expect(lapicFromCompat(0xfee0_0000n, 0x0002)).toEqual({
      kind: 'dropped',
      reason: 'lapic-illegal-vector',
    });
    expect(lapicFromCompat(0xfee0_0000n, 0x0010)).toMatchObject({ kind: 'interrupt', identity: 0x10 });
    expect(lapicFromCompat(0xfee0_0000n, 0x0402)).toMatchObject({ kind: 'interrupt', deliveryMode: 'nmi' });
  });
});
