import { it } from 'vitest';
import type { KResult } from '../../model/kernel/errno.ts';
import { type Delivery, deliverFrom } from '../../model/platform/deliver.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import type { Irq, State } from '../../model/platform/state.ts';
import { replayOps } from './canonical.ts';
import { loadDesigns } from './load.ts';
import type { Design } from './schema.ts';

/** Test support for the per-design behaviour tests (not a test file itself). */

export interface Replay {
  readonly states: readonly State[];
  readonly results: readonly KResult[];
  readonly final: State;
}

/** build, then step every op; states[i] / results[i] are after ops[i]. */
export const replay = (
  d: Design,
  ops: readonly Op[] = d.canonical.ops,
  topology: Topology = d.canonical.topology,
): Replay => replayOps(d, ops, topology);

export const irqOfDevice = (s: State, device: number, vector = 0): Irq => {
  const q = s.irqs.find((x) => x.device === device && x.vector === vector);
  if (q === undefined) throw new Error(`test setup: no IRQ for device ${device} vector ${vector}`);
  return q;
};

/** The device writes its own programmed message. */
export const fire = (s: State, q: Irq): Delivery => deliverFrom(s, q.device, q.msg.addr, q.msg.data);
export const landsOn = (del: Delivery, q: Irq): boolean =>
  del.attribution?.kind === 'irq' && del.attribution.irq.irq === q.irq;
export const ownerOf = (del: Delivery): string | undefined => del.attribution?.owner;

export const ALLOC0: Op = { op: 'msi_domain_alloc_irqs', device: 0 };
export const ALLOC1: Op = { op: 'msi_domain_alloc_irqs', device: 1 };
export const assign = (
  backend: 'type1' | 'iommufd',
  unsafe: boolean,
  to: 'userspace' | 'guest' = 'userspace',
): Op => ({
  op: 'vfio_group_assign',
  group: 1,
  backend,
  to,
  owner: 0,
  unsafe,
});

/**
 * A test of one design's headline behaviour, given its design file(s). The catalogue is the files
 * in spec/designs: when a design is removed, its behaviour test is skipped (and counted as such),
 * not failed, so removing a design needs no code change.
 */
export const designIt = (ids: readonly string[], title: string, fn: (...designs: Design[]) => void): void => {
  const catalogue = loadDesigns();
  const designs = ids.map((id) => catalogue.get(id));
  it.skipIf(designs.some((d) => d === undefined))(title, () => fn(...(designs as Design[])));
};
