import { describe, expect, it } from 'vitest';
import { deliver } from '../hw/deliver.ts';
import { alloc, setup, topo, x86 } from '../kernel/testing.ts';
import { write32 } from '../types/write.ts';
import { attribute } from './attribution.ts';
import { deliverFrom } from './deliver.ts';
import { hwView } from './hw-view.ts';

/**
 * deliverFrom: the device's write through the hardware its state programs, an interrupt attributed
 * to its owner (VT-d: the IRQ's remappable message reaches its IRTE's vector, Intel VT-d spec 5.1.4).
 */
describe('deliverFrom', () => {
  // Set up inside each test, so the kernel code it runs is attributed to it (properties/lazy.ts).
  const state = () => {
    const s = setup(x86('vtd'), topo([{}], { harts: 2 }), [alloc(0)]);
    const q = s.irqs[0];
    if (q === undefined) throw new Error('no irq');
    return { s, q };
  };

  it('an interrupt carries its attribution: the IRQ the device’s message was composed for', () => {
    const { s, q } = state();
    const d = deliverFrom(s, 0, q.msg.addr, q.msg.data);
    expect(d).toEqual({
      outcome: deliver(hwView(s), write32(0x100, q.msg.addr, q.msg.data)),
      attribution: { kind: 'irq', irq: q, owner: 'host' },
    });
    if (d.outcome.kind !== 'interrupt') throw new Error(d.outcome.kind);
    expect(d.attribution).toEqual(attribute(s, d.outcome));
  });

  it('any other outcome comes alone, and the trace is the hardware’s', () => {
    const { s } = state();
    const trace: Parameters<typeof deliverFrom>[4] = [];
    const d = deliverFrom(s, 0, 0x1000n, 0, trace);
    expect(d.outcome.kind).not.toBe('interrupt');
    expect(d).toEqual({ outcome: deliver(hwView(s), write32(0x100, 0x1000n, 0)) });
    expect(trace?.length).toBeGreaterThan(0);
  });
});
