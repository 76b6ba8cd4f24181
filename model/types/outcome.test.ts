import { describe, expect, it } from 'vitest';
import type { Hop } from './hop.ts';
import {
  DELIVERY_MODES,
  DROP_REASONS,
  dropped,
  fault,
  MEMTX_DECODE_ERROR,
  REGISTER_BLOCKS,
  tracedFault,
  unrecorded,
} from './outcome.ts';

/** Outcome constructors: what a write does, as data (faults named as the spec's fault record CAUSE, QEMU memory.c). */
describe('outcome constructors', () => {
  const cause = { name: 'MSI PTE load access fault', code: 261 };
  it('fault carries the architecture, the cause’s name and its code', () => {
    expect(fault('riscv-iommu', cause)).toEqual({
      kind: 'fault',
      arch: 'riscv-iommu',
      cause: cause.name,
      code: 261,
    });
  });
  it('unrecorded marks a fault only; other outcomes pass through unchanged', () => {
    expect(unrecorded(fault('vtd', cause))).toEqual({
      kind: 'fault',
      arch: 'vtd',
      cause: cause.name,
      code: 261,
      unrecorded: true,
    });
    const m = { kind: 'memory', pa: 1n, data: 2 } as const;
    expect(unrecorded(m)).toBe(m);
  });
  it('dropped carries the rule; MEMTX_DECODE_ERROR is QEMU’s decode error', () => {
    expect(dropped('its-disabled')).toEqual({ kind: 'dropped', reason: 'its-disabled' });
    expect(MEMTX_DECODE_ERROR).toEqual({ name: 'MEMTX_DECODE_ERROR', code: 0 });
  });
  it('tracedFault records the hop with the fault named in its facts, then returns the fault', () => {
    const h: Hop = { block: 'iommu', step: 'msi-pte', ref: 'spec', facts: { index: 3 } };
    const trace: Hop[] = [];
    expect(tracedFault(trace, 'amd-vi', cause, h)).toEqual(fault('amd-vi', cause));
    expect(trace).toEqual([{ ...h, facts: { index: 3, fault: cause.name } }]);
    expect(h.facts).toEqual({ index: 3 });
    expect(tracedFault(undefined, 'bus', MEMTX_DECODE_ERROR, h)).toEqual(fault('bus', MEMTX_DECODE_ERROR));
  });
  it('the enumerations: six delivery modes (Intel SDM vol. 3 Message Data Register Format), the gicd block, unique drop reasons', () => {
    expect(DELIVERY_MODES).toEqual(['fixed', 'lowest-priority', 'smi', 'nmi', 'init', 'extint']);
    expect(REGISTER_BLOCKS).toEqual(['gicd']);
    expect(new Set(DROP_REASONS).size).toBe(DROP_REASONS.length);
    expect(DROP_REASONS).toContain('lapic-illegal-vector');
  });
});
