import fc from 'fast-check';
import { SCENARIO_VERSION, type Scenario } from '../../model/platform/scenario.ts';
import { MAX_OPS } from '../settings.ts';
import { fitOp, rawOpArb } from './ops.ts';
import { topologyArb } from './topology.ts';

/**
 * Scenarios for one design as plain data (docs/architecture.md#the-scenario): a topology and up to MAX_OPS ops, generated
 * independently and fitted together, so fast-check shrinks harts, devices, vectors and ops alike.
 */
export const scenarioArb = (design: string): fc.Arbitrary<Scenario> =>
  fc.tuple(topologyArb, fc.array(rawOpArb, { maxLength: MAX_OPS })).map(([topology, ops]) => ({
    version: SCENARIO_VERSION,
    design,
    topology,
    ops: ops.map((o) => fitOp(o, topology)),
  }));
