import fc from 'fast-check';
import { type Op, SCENARIO_VERSION, type Scenario, type Topology } from '../../model/platform/scenario.ts';
import { loadDesigns } from '../../spec/designs/load.ts';
import { MAX_OPS } from '../settings.ts';
import {
  fitOp,
  fitStory,
  type RawOp,
  type RawStory,
  rawOpArb,
  rawStoryArb,
  windowUapiChunkArb,
} from './ops.ts';
import { topologyArb } from './topology.ts';

/** A scenario's ops before they are fitted to its topology: single ops, or stories of one device (ops.ts RawStory). */
type RawStep = { readonly op: RawOp } | { readonly story: RawStory };

/**
 * Half the scenarios are up to MAX_OPS independent ops, as before stories, so every op sequence
 * stays reachable; the other half are up to four steps, each a single op or (twice as likely) a
 * story, cut to MAX_OPS ops. Both halves average under five ops.
 */
const rawStepsArb: fc.Arbitrary<readonly RawStep[]> = fc.oneof(
  fc.array(
    rawOpArb.map((op) => ({ op })),
    { maxLength: MAX_OPS },
  ),
  fc.array(
    fc.oneof(
      { weight: 1, arbitrary: rawOpArb.map((op) => ({ op })) },
      { weight: 2, arbitrary: rawStoryArb.map((story) => ({ story })) },
    ),
    { maxLength: 4 },
  ),
);

/** The steps' ops fitted to `t`, cut to MAX_OPS; the k-th story's device is k plus its offset. */
const fitSteps = (steps: readonly RawStep[], t: Topology): Op[] => {
  let k = 0;
  return steps
    .flatMap((s) =>
      'op' in s ? [fitOp(s.op, t)] : fitStory({ ...s.story, device: s.story.device + k++ }, t),
    )
    .slice(0, MAX_OPS);
};

/** The steps of a design with the iommufd MSI-window uAPI: its chunks of single ops (windowUapiChunkArb). */
const windowStepsArb: fc.Arbitrary<readonly RawStep[]> = fc
  .array(windowUapiChunkArb, { maxLength: MAX_OPS })
  .map((chunks) => chunks.flat().map((op) => ({ op })));

/**
 * Scenarios for one design as plain data (docs/architecture.md#the-scenario): a topology and up to MAX_OPS ops, generated
 * independently and fitted together, so fast-check shrinks harts, devices, vectors and ops alike.
 * A design with the iommufd MSI-window uAPI draws its ops in chunks (windowStepsArb), so every
 * other design's random stream never draws the window op.
 */
export const scenarioArb = (design: string): fc.Arbitrary<Scenario> =>
  fc
    .tuple(
      topologyArb,
      loadDesigns().get(design)?.policy.doorbells === 'msi-table-userspace-window'
        ? windowStepsArb
        : rawStepsArb,
    )
    .map(([topology, steps]) => ({
      version: SCENARIO_VERSION,
      design,
      topology,
      ops: fitSteps(steps, topology),
    }));
