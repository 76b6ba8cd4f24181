import fc from 'fast-check';
import type { DesignCore } from '../model/kernel/policy.ts';
import { build } from '../model/platform/build.ts';
import { OP_KINDS, type OpKind } from '../model/platform/scenario.ts';
import { step } from '../model/platform/step.ts';
import { scenarioArb } from './arbitraries/scenario.ts';

export interface OpCount {
  generated: number;
  ok: number;
  /** Refusals by errno name. */
  refused: Record<string, number>;
}

/** Replays `samples` generated scenarios of `design` and counts, per op kind, successes and refusals. */
export const opCoverage = (design: DesignCore, seed: number, samples: number): Record<OpKind, OpCount> => {
  const counts = Object.fromEntries(OP_KINDS.map((k) => [k, { generated: 0, ok: 0, refused: {} }])) as Record<
    OpKind,
    OpCount
  >;
  for (const scenario of fc.sample(scenarioArb(design.id), { seed, numRuns: samples })) {
    let s = build(design, scenario.topology);
    for (const op of scenario.ops) {
      const r = step(s, op);
      s = r.state;
      const c = counts[op.op];
      c.generated++;
      if (r.result.ok) c.ok++;
      else c.refused[r.result.errno] = (c.refused[r.result.errno] ?? 0) + 1;
    }
  }
  return counts;
};

/**
 * Ops the generators draw only for some designs, with the reason; every other op kind must be
 * generated for every design.
 */
export const notGenerated = (design: DesignCore, op: OpKind): string | undefined =>
  op === 'iommufd_hwpt_set_msi_window' && design.policy.doorbells !== 'msi-table-userspace-window'
    ? 'drawn only for the design with the iommufd MSI-window uAPI (properties/arbitraries/ops.ts windowUapiChunkArb), so the other designs keep their random streams; its -EOPNOTSUPP elsewhere is a conformance test (model/kernel/iommufd/msi-window.test.ts)'
    : undefined;

/**
 * Ops that cannot succeed on some designs, with the reason; every other op kind must succeed at
 * least once on every design.
 */
export const cannotSucceed = (design: DesignCore, op: OpKind): string | undefined => {
  if (op === 'vfio_set_msi_iova' && design.policy.msiIova !== 'userspace-per-vector') {
    return 'VFIO_IRQ_SET_DATA_MSI_IOVA exists only in the seed 003 design';
  }
  if (op === 'iommufd_hwpt_set_msi_window' && design.policy.doorbells !== 'msi-table-userspace-window') {
    return 'the iommufd MSI-window uAPI exists only in the seed 000 userspace-window design';
  }
  if (op === 'kvm_riscv_vcpu_aia_imsic_update' && design.hardware.arch !== 'riscv') {
    return 'only RISC-V AIA guest interrupt files are modelled (model/kernel/kvm/vcpu.ts)';
  }
  const needsVfio: readonly OpKind[] = [
    'vfio_group_assign',
    'vfio_group_release',
    'iommu_map',
    'iommu_replace_domain',
    'guest_program_msi',
    'iommufd_hwpt_set_msi_window',
  ];
  if (needsVfio.includes(op) && !design.policy.cacheCoherencyCap) {
    return 'without IOMMU_CAP_CACHE_COHERENCY no device is a VFIO device (__vfio_register_dev), so no group is ever assigned';
  }
  return undefined;
};
