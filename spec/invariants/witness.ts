import { type Domain, type Group, ownerKey, type State } from '../../model/platform/state.ts';
import { hex } from '../../model/types/addr.ts';
import { jsonOutcome } from './json.ts';
import type { Witness } from './types.ts';
import type { Hit } from './write-space.ts';

/** The groups handed to a VFIO / iommufd owner (userspace driver or VM). */
export const assignedGroups = (s: State): Group[] => s.groups.filter((g) => g.owner.kind !== 'host');

/** A write witness: device `device` of group `g` made `hit`, which reached someone other than g's owner. */
export const writeWitness = (s: State, g: Group, device: number, hit: Hit): Witness => {
  const a = hit.attribution;
  return {
    kind: 'write',
    device,
    bdf: s.devices[device]?.bdf ?? '?',
    addr: hex(hit.addr),
    data: hit.data,
    outcome: jsonOutcome(hit.outcome),
    reached:
      a.kind === 'irq'
        ? { owner: a.owner, what: 'irq', irq: a.irq.irq, device: a.irq.device }
        : { owner: a.owner, what: a.kind },
    allowed: ownerKey(g.owner),
  };
};

/** Devices whose translation goes through domain `d` (attached to it, or to a NESTED child of it). */
export const devicesThrough = (s: State, d: Domain): number[] =>
  s.groups.filter((g) => g.domain === d.id || s.domains[g.domain]?.parent === d.id).flatMap((g) => g.devices);
