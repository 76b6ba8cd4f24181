import { describe, expect, it } from 'vitest';
import { armIts, topo } from '../kernel/testing.ts';
import { build } from './build.ts';
import {
  addDomain,
  addIrq,
  deviceDomain,
  deviceOf,
  domainOf,
  dropIrqsOf,
  emit,
  groupOf,
  ioasOf,
  irqOf,
  mapPage,
  setDevice,
  setDomain,
  setGroup,
  setIoas,
  setIrq,
  warn,
} from './edit.ts';
import type { Ioas, Irq, State } from './state.ts';

/** The State editors (model/platform/state.ts: plain immutable data, a new State per change). */
// Built inside each test, so the build is attributed to it (properties/lazy.ts).
const state = () => ({ s0: build(armIts(), topo([{}, {}])) });
const irq = (device: number, vector: number): Omit<Irq, 'irq'> => ({
  device,
  vector,
  hart: 0,
  owner: 'host',
  via: 'host',
  hw: { chip: 'its', event: vector, lpi: 8192 + vector },
  msg: { addr: 0x8090040n, data: vector },
});
const ioas = (id: number): Ioas => ({
  id,
  ictx: 'c',
  areas: [],
  reserved: [],
  allowed: [],
  hwpts: [],
  alignment: 1n,
});

describe('lookups throw a model inconsistency on an unknown index', () => {
  it('names what was missing', () => {
    const { s0 } = state();
    expect(() => domainOf(s0, 99)).toThrow('model inconsistency: no domain 99');
    expect(() => groupOf(s0, 9)).toThrow('model inconsistency: no group 9');
    expect(() => deviceOf(s0, 9)).toThrow('model inconsistency: no device 9');
    expect(() => ioasOf(s0, 0)).toThrow('model inconsistency: no IOAS 0');
    expect(domainOf(s0, 1)).toBe(s0.domains[1]);
    expect(groupOf(s0, 1)).toBe(s0.groups[1]);
    expect(deviceOf(s0, 1)).toBe(s0.devices[1]);
    // Device 1 is in group 1, attached to its default domain.
    expect(deviceDomain(s0, 1)).toBe(s0.domains[s0.groups[1]?.domain ?? -1]);
  });
});

describe('editors replace exactly the element with the id and share the rest', () => {
  it('setDomain / setGroup / setDevice / setIoas', () => {
    const { s0 } = state();
    const d1 = { ...domainOf(s0, 1), owner: 'x' };
    const a = setDomain(s0, d1);
    expect(a.domains).toEqual([s0.domains[0], d1]);
    expect(a.domains[0]).toBe(s0.domains[0]);
    expect(s0.domains[1]?.owner).toBe('host');
    const g0 = { ...groupOf(s0, 0), ownerCnt: 5 };
    expect(setGroup(s0, g0).groups).toEqual([g0, s0.groups[1]]);
    const v1 = { ...deviceOf(s0, 1), vectors: 3 };
    expect(setDevice(s0, v1).devices).toEqual([s0.devices[0], v1]);
    const withIoas: State = { ...s0, ioases: [ioas(0), ioas(1)] };
    const changed = { ...ioas(1), ictx: 'd' };
    expect(setIoas(withIoas, changed).ioases).toEqual([ioas(0), changed]);
    expect(ioasOf(withIoas, 1)).toEqual(ioas(1));
  });

  it('addDomain appends with the next id', () => {
    const { s0 } = state();
    const { id: _id, ...rest } = domainOf(s0, 0);
    const [s, id] = addDomain(s0, rest);
    expect(id).toBe(s0.domains.length);
    expect(s.domains).toEqual([...s0.domains, { ...rest, id }]);
  });

  it('mapPage sets one page in a copy of the domain’s pages', () => {
    const { s0 } = state();
    const d = domainOf(s0, 0);
    const m = { ppn: 7n, origin: 'user' as const, prot: 3 };
    const e = mapPage(d, 5n, m);
    expect([...e.pages]).toEqual([...d.pages, [5n, m]]);
    expect(d.pages.has(5n)).toBe(false);
    expect({ ...e, pages: d.pages }).toEqual(d);
  });

  it('addIrq numbers from nextIrq; irqOf finds by device and vector; setIrq replaces by number; dropIrqsOf by device', () => {
    const { s0 } = state();
    const [a, q0] = addIrq(s0, irq(0, 0));
    expect(q0).toEqual({ ...irq(0, 0), irq: s0.nextIrq });
    expect(a.nextIrq).toBe(s0.nextIrq + 1);
    const [b, q1] = addIrq(a, irq(1, 0));
    const [c, q2] = addIrq(b, irq(0, 1));
    expect(c.irqs).toEqual([q0, q1, q2]);
    expect([q1.irq, q2.irq]).toEqual([s0.nextIrq + 1, s0.nextIrq + 2]);
    expect(irqOf(c, 0, 1)).toBe(q2);
    expect(irqOf(c, 1, 0)).toBe(q1);
    expect(irqOf(c, 1, 1)).toBeUndefined();
    const moved = { ...q1, hart: 1 };
    expect(setIrq(c, moved).irqs).toEqual([q0, moved, q2]);
    expect(dropIrqsOf(c, [0]).irqs).toEqual([q1]);
    expect(dropIrqsOf(c, [1]).irqs).toEqual([q0, q2]);
    expect(dropIrqsOf(c, []).irqs).toEqual([q0, q1, q2]);
  });

  it('emit appends an event; warn emits a warning', () => {
    const { s0 } = state();
    const e = { kind: 'attach', group: 0, domain: 1 } as const;
    const a = emit(s0, e);
    expect(a.events).toEqual([e]);
    expect(warn(a, 'w').events).toEqual([e, { kind: 'warn', text: 'w' }]);
    expect(s0.events).toEqual([]);
  });
});
