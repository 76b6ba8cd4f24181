import fc from 'fast-check';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import { SCENARIO_VERSION, type Scenario } from '../../model/platform/scenario.ts';
import { loadDesigns } from '../../spec/designs/load.ts';
import { MAX_OPS } from '../settings.ts';
import { fitOp, type RawOp, rawOpArb, windowUapiChunkArb } from './ops.ts';
import { topologyArb } from './topology.ts';

const scenario = (design: string, topology: Topology, ops: readonly RawOp[]): Scenario => ({
  version: SCENARIO_VERSION,
  design,
  topology,
  ops: ops.map((o): Op => fitOp(o, topology)),
});

/**
 * Scenarios for one design as plain data (docs/architecture.md#the-scenario): a topology and up to MAX_OPS ops, generated
 * independently and fitted together, so fast-check shrinks harts, devices, vectors and ops alike.
 * A design with the iommufd MSI-window uAPI draws its ops in chunks (windowUapiChunkArb).
 */
export const scenarioArb = (design: string): fc.Arbitrary<Scenario> =>
  loadDesigns().get(design)?.policy.doorbells === 'msi-table-userspace-window'
    ? fc
        .tuple(topologyArb, fc.array(windowUapiChunkArb, { maxLength: MAX_OPS }))
        .map(([topology, chunks]) => scenario(design, topology, chunks.flat().slice(0, MAX_OPS)))
    : fc
        .tuple(topologyArb, fc.array(rawOpArb, { maxLength: MAX_OPS }))
        .map(([topology, ops]) => scenario(design, topology, ops));
