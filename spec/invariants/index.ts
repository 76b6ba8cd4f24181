import { affinityAtomic } from './affinity-atomic.ts';
import { assignmentGate } from './assignment-gate.ts';
import { directMapped } from './direct-mapped.ts';
import { dmaContainment } from './dma-containment.ts';
import { domainSwitchContinuity } from './domain-switch-continuity.ts';
import { doorbellExposure } from './doorbell-exposure.ts';
import { guestContainment } from './guest-containment.ts';
import { hwSwMsiExclusive } from './hw-sw-msi-exclusive.ts';
import { msiDelivery } from './msi-delivery.ts';
import { msiIsolation } from './msi-isolation.ts';
import { msiWindowBounds } from './msi-window-bounds.ts';
import { resvExclusion } from './resv-exclusion.ts';
import { stageConsistency } from './stage-consistency.ts';
import { INVARIANT_IDS, type Invariant, type InvariantId } from './types.ts';
import { userspaceMsiAddress } from './userspace-msi-address.ts';

/** Every invariant, by id, in the order of docs/invariants.md. */
export const INVARIANTS: ReadonlyMap<InvariantId, Invariant> = new Map(
  [
    msiIsolation,
    assignmentGate,
    guestContainment,
    dmaContainment,
    msiDelivery,
    affinityAtomic,
    domainSwitchContinuity,
    resvExclusion,
    directMapped,
    msiWindowBounds,
    hwSwMsiExclusive,
    stageConsistency,
    userspaceMsiAddress,
    doorbellExposure,
  ].map((i) => [i.id, i]),
);

export const getInvariant = (id: InvariantId): Invariant => {
  const i = INVARIANTS.get(id);
  if (i === undefined) throw new Error(`unknown invariant ${id}`);
  return i;
};

if (INVARIANTS.size !== INVARIANT_IDS.length) throw new Error('every invariant id needs exactly one file');
