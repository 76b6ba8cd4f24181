import type { Device, Domain, Group, Ioas, Irq, KernelEvent, Mapping, State } from './state.ts';

/** Small immutable editors of State: each returns a new State sharing everything it did not touch. */
const replaceAt = <T>(xs: readonly T[], i: number, x: T): T[] => xs.map((y, j) => (j === i ? x : y));

export const domainOf = (s: State, id: number): Domain => {
  const d = s.domains[id];
  if (d === undefined) throw new Error(`model inconsistency: no domain ${id}`);
  return d;
};
export const groupOf = (s: State, id: number): Group => {
  const g = s.groups[id];
  if (g === undefined) throw new Error(`model inconsistency: no group ${id}`);
  return g;
};
export const deviceOf = (s: State, id: number): Device => {
  const d = s.devices[id];
  if (d === undefined) throw new Error(`model inconsistency: no device ${id}`);
  return d;
};
/** The domain a device is attached to (its group's). */
export const deviceDomain = (s: State, device: number): Domain =>
  domainOf(s, groupOf(s, deviceOf(s, device).group).domain);

export const setDomain = (s: State, d: Domain): State => ({ ...s, domains: replaceAt(s.domains, d.id, d) });
export const setGroup = (s: State, g: Group): State => ({ ...s, groups: replaceAt(s.groups, g.id, g) });
export const setDevice = (s: State, d: Device): State => ({
  ...s,
  devices: replaceAt(s.devices, d.index, d),
});
export const addDomain = (s: State, d: Omit<Domain, 'id'>): [State, number] => {
  const id = s.domains.length;
  return [{ ...s, domains: [...s.domains, { ...d, id }] }, id];
};
export const mapPage = (d: Domain, iovaPage: bigint, m: Mapping): Domain => ({
  ...d,
  pages: new Map(d.pages).set(iovaPage, m),
});
export const irqOf = (s: State, device: number, vector: number): Irq | undefined =>
  s.irqs.find((q) => q.device === device && q.vector === vector);
export const setIrq = (s: State, q: Irq): State => ({
  ...s,
  irqs: s.irqs.map((r) => (r.irq === q.irq ? q : r)),
});
export const addIrq = (s: State, q: Omit<Irq, 'irq'>): [State, Irq] => {
  const irq = { ...q, irq: s.nextIrq };
  return [{ ...s, irqs: [...s.irqs, irq], nextIrq: s.nextIrq + 1 }, irq];
};
export const dropIrqsOf = (s: State, devices: readonly number[]): State => ({
  ...s,
  irqs: s.irqs.filter((q) => !devices.includes(q.device)),
});

/** Records what the current step did (State.events). */
export const emit = (s: State, e: KernelEvent): State => ({ ...s, events: [...s.events, e] });
export const warn = (s: State, text: string): State => emit(s, { kind: 'warn', text });

export const ioasOf = (s: State, id: number): Ioas => {
  const a = s.ioases[id];
  if (a === undefined) throw new Error(`model inconsistency: no IOAS ${id}`);
  return a;
};
export const setIoas = (s: State, a: Ioas): State => ({ ...s, ioases: replaceAt(s.ioases, a.id, a) });
