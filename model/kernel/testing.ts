import { build, type DeviceInit } from '../platform/build.ts';
import type { DeviceSpec, Op, Topology } from '../platform/scenario.ts';
import { TopologySchema } from '../platform/scenario.ts';
import type { State } from '../platform/state.ts';
import { step } from '../platform/step.ts';
import type { KResult } from './errno.ts';
import { type DesignCore, LINUX_POLICY, type Policy } from './policy.ts';

/**
 * Small inline designs and scenario helpers for the kernel-layer unit tests (model/kernel/**.test.ts).
 * Plain data and pure functions: no test framework here.
 */

/** A policy every factory starts from: identity default domains, SW_MSI window, VFIO MSI cookie. */
export const BASE_POLICY: Policy = { ...LINUX_POLICY, defaultDomain: 'identity' };

/** SMMUv3 + GICv3 ITS: SW_MSI window, iommu_dma_prepare_msi, ISOLATED_MSI (arm-smmuv3-gicv3-its). */
export const armIts = (p: Partial<Policy> = {}): DesignCore => ({
  id: 'test-arm-its',
  hardware: { arch: 'arm', irqchip: 'gicv3-its' },
  policy: { ...BASE_POLICY, ...p },
});

/** SMMUv3 + GICv2m: SPI doorbell, no ISOLATED_MSI (arm-smmuv3-gicv2m). */
export const armV2m = (p: Partial<Policy> = {}): DesignCore => ({
  id: 'test-arm-v2m',
  hardware: { arch: 'arm', irqchip: 'gicv2m' },
  policy: { ...BASE_POLICY, isolatedMsiClaim: false, ...p },
});

/** RISC-V IOMMU (MSI_FLAT) + IMSIC with the given doorbell policy; no isolation claim by default. */
export const riscv = (doorbells: Policy['doorbells'], p: Partial<Policy> = {}): DesignCore => ({
  id: `test-riscv-${doorbells}`,
  hardware: { arch: 'riscv', msiFlat: true, specVersion: 'v1.0' },
  policy: { ...BASE_POLICY, doorbells, isolatedMsiClaim: false, ...p },
});

/** x86 with VT-d IR, AMD IR or no IR: fixed HW MSI window 0xFEE00000; ISOLATED_MSI only with IR. */
export const x86 = (ir: 'vtd' | 'amd' | 'none', p: Partial<Policy> = {}): DesignCore => ({
  id: `test-x86-${ir}`,
  hardware: { arch: 'x86', ir, vtdSourceIdCheck: true, compatFormatBlocked: ir === 'vtd' },
  policy: {
    ...BASE_POLICY,
    msiRegion: 'hw-msi',
    doorbells: 'hw-window',
    isolatedMsiClaim: ir !== 'none',
    ...p,
  },
});

export interface DevOpts {
  readonly group?: number;
  readonly vectors?: number;
  readonly resv?: DeviceSpec['resv'];
}

/**
 * A topology: device i has BDF 0(i+1):00.0, its own group i unless `group` says otherwise,
 * 2 vectors by default. Validated by TopologySchema.
 */
export const topo = (devices: readonly DevOpts[], opts: { harts?: number; vms?: number } = {}): Topology =>
  TopologySchema.parse({
    harts: opts.harts ?? 2,
    vms: opts.vms ?? 0,
    devices: devices.map((d, i) => ({
      bdf: `0${i + 1}:00.0`,
      group: d.group ?? i,
      vectors: d.vectors ?? 2,
      resv: d.resv ?? [],
    })),
  });

/** vfio_group_assign to a userspace driver (owner 0 unless given), safe interrupts unless `unsafe`. */
export const assign = (
  group: number,
  backend: 'type1' | 'iommufd',
  o: { owner?: number; unsafe?: boolean; to?: 'userspace' | 'guest' } = {},
): Op => ({
  op: 'vfio_group_assign',
  group,
  backend,
  to: o.to ?? 'userspace',
  owner: o.owner ?? 0,
  unsafe: o.unsafe ?? false,
});
export const map = (group: number, iova: bigint): Op => ({
  op: 'iommu_map',
  group,
  iova: `0x${iova.toString(16)}`,
});
export const alloc = (device: number): Op => ({ op: 'msi_domain_alloc_irqs', device });
export const affinity = (device: number, vector: number, hart: number): Op => ({
  op: 'irq_set_affinity',
  device,
  vector,
  hart,
});

/** Applies ops in order and returns every result and the final state. */
export const run = (s0: State, ops: readonly Op[]): { state: State; results: KResult[] } => {
  let state = s0;
  const results: KResult[] = [];
  for (const op of ops) {
    const r = step(state, op);
    state = r.state;
    results.push(r.result);
  }
  return { state, results };
};

/** Builds the design and applies `ops`, each of which must succeed (throws naming the failing op). */
export const setup = (design: DesignCore, topology: Topology, ops: readonly Op[] = []): State => {
  let state = build(design, topology);
  for (const op of ops) {
    const r = step(state, op);
    if (!r.result.ok) throw new Error(`setup: ${JSON.stringify(op)} failed with ${r.result.errno}`);
    state = r.state;
  }
  return state;
};

/** The last op's result of `run`, or the single step's result. */
export const resultOf = (s: State, op: Op): KResult => step(s, op).result;

/** A selftest mock device (drivers/iommu/iommufd/selftest.c mock_dev_create): no isolated MSI, no nesting. */
export const mockDev = (d: Partial<DeviceInit> = {}): DeviceInit => ({
  bdf: '01:00.0',
  group: 0,
  vectors: 1,
  resv: [],
  msiIsolated: false,
  cacheCoherent: true,
  nestingCapable: false,
  mock: true,
  ...d,
});
