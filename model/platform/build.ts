import type { Range } from '../kernel/interval.ts';
import { afterAttach } from '../kernel/iommu/attach.ts';
import { iommu_probe_device } from '../kernel/iommu/core.ts';
import { deviceResvRegions } from '../kernel/iommu/resv.ts';
import type { DesignCore } from '../kernel/policy.ts';
import { RAM_BASE_PAGE } from './layout.ts';
import { ridOf, type Topology } from './scenario.ts';
import {
  type DefaultType,
  type Device,
  type Group,
  NO_DOMAIN,
  type ResvRegion,
  type State,
} from './state.ts';

/** A device before the IOMMU probes it: where it sits, what its driver reports, what it can do. */
export interface DeviceInit {
  readonly bdf: string;
  readonly group: number;
  readonly vectors: number;
  readonly resv: readonly ResvRegion[];
  readonly msiIsolated: boolean;
  readonly cacheCoherent: boolean;
  readonly nestingCapable: boolean;
  readonly mock: boolean;
}

export interface BootOptions {
  readonly pageSize?: bigint;
  readonly geometry?: { readonly aperture: Range; readonly pgsize: bigint };
}

/**
 * The system before any probe: devices outside their (empty) groups, no domains, no IRQs, no
 * iommufd context, container or module parameter set. `build` and the conformance runner start here.
 */
export const boot = (
  design: DesignCore,
  topology: Topology,
  devices: readonly DeviceInit[],
  groups: readonly DefaultType[],
  opts: BootOptions = {},
): State => ({
  design: design.id,
  hardware: design.hardware,
  policy: design.policy,
  topology,
  devices: devices.map(
    (d, index): Device => ({
      ...d,
      index,
      rid: ridOf(d.bdf),
      requireDirect: false,
      userMsiIova: new Map(),
      probed: false,
    }),
  ),
  groups: groups.map(
    (defaultType, id): Group => ({
      id,
      devices: [],
      domain: NO_DOMAIN,
      owner: { kind: 'host' },
      defaultType,
      defaultDomain: NO_DOMAIN,
      ownerCnt: 0,
      handle: false,
    }),
  ),
  domains: [],
  irqs: [],
  nextIrq: 24,
  vcpus: Array.from({ length: topology.vms }, (_, vm) =>
    Array.from({ length: topology.harts }, (_, hart) => ({ hart, hgei: vm + 1 })),
  ),
  pageSize: opts.pageSize ?? 0x1000n,
  ...(opts.geometry === undefined ? {} : { geometry: opts.geometry }),
  params: { iommufdUnsafe: false, type1Unsafe: false },
  iommufd: new Map(),
  ioases: [],
  type1: new Map(),
  nextRamPage: RAM_BASE_PAGE,
  atomicMappings: [],
  events: [],
});

/**
 * The state at boot of a design: every device probed (iommu_probe_device: reserved regions, the
 * group's default domain with direct mappings), group by group; no IRQs, no owners. Every device
 * has the design's capabilities: its one MSI irq domain's isolation claim, the driver's cache
 * coherency, nesting where the design nests.
 */
export const build = (design: DesignCore, topology: Topology): State => {
  // Boot states are immutable, so one per (design, topology) serves every scenario that starts there.
  let byTopology = booted.get(design);
  if (byTopology === undefined) {
    byTopology = new Map();
    booted.set(design, byTopology);
  }
  const key = JSON.stringify(topology);
  const known = byTopology.get(key);
  if (known !== undefined) return known;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound of a cache; any bound gives the same boot states
  if (byTopology.size >= BOOT_CACHE_SIZE) byTopology.clear();
  const s = probeAll(design, topology);
  byTopology.set(key, s);
  return s;
};

/** Boot states by design object and topology (pure memoisation, bounded). */
const booted = new WeakMap<DesignCore, Map<string, State>>();
const BOOT_CACHE_SIZE = 4096;

const probeAll = (design: DesignCore, topology: Topology): State => {
  const p = design.policy;
  const devices = topology.devices.map(
    (d, index): DeviceInit => ({
      bdf: d.bdf,
      group: d.group,
      vectors: d.vectors,
      resv: deviceResvRegions(design.hardware, p, topology, index),
      msiIsolated: p.isolatedMsiClaim,
      cacheCoherent: p.cacheCoherencyCap,
      nestingCapable: p.nestedGuest !== 'none',
      mock: false,
    }),
  );
  const groupCount = new Set(topology.devices.map((d) => d.group)).size;
  let s = boot(design, topology, devices, Array<DefaultType>(groupCount).fill(p.defaultDomain));
  for (let g = 0; g < groupCount; g++) {
    for (const d of s.devices) {
      if (d.group !== g) continue;
      const r = iommu_probe_device(s, d.index);
      // Stryker disable next-line StringLiteral: unreachable: build's default domains are identity or dma, and iommu_probe_device fails only for require_direct on a blocking domain
      if (!r.ok) throw new Error(`model inconsistency: probe of ${d.bdf} failed with ${r.errno}`);
      s = r.state;
    }
    s = afterAttach(s, g);
  }
  return { ...s, events: [] };
};
