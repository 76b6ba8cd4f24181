import { attachGroup } from '../kernel/iommu/attach.ts';
import { allocDomain } from '../kernel/iommu/domain.ts';
import { resetMsiTables } from '../kernel/iommu/msi-table.ts';
import { deviceResvRegions } from '../kernel/iommu/resv.ts';
import type { DesignCore } from '../kernel/policy.ts';
import { RAM_BASE_PAGE } from './layout.ts';
import { ridOf, type Topology } from './scenario.ts';
import type { Device, Group, State } from './state.ts';

/**
 * The state at boot: every device probed (iommu_probe_device: reserved regions), every group on
 * its default domain (iommu_setup_default_domain, with direct mappings), no IRQs, no owners.
 */
export const build = (design: DesignCore, topology: Topology): State => {
  const devices: Device[] = topology.devices.map((d, index) => ({
    index,
    bdf: d.bdf,
    rid: ridOf(d.bdf),
    group: d.group,
    vectors: d.vectors,
    resv: deviceResvRegions(design.hardware, design.policy, topology, index),
    requireDirect: false,
    msiTable: new Map(),
    userMsiIova: new Map(),
  }));
  const groupIds = [...new Set(topology.devices.map((d) => d.group))].sort((a, b) => a - b);
  let s: State = {
    design: design.id,
    hardware: design.hardware,
    policy: design.policy,
    topology,
    devices,
    groups: [],
    domains: [],
    irqs: [],
    nextIrq: 24,
    ioas: new Map(),
    swMsiMaps: new Map(),
    nextRamPage: RAM_BASE_PAGE,
    atomicMappings: [],
  };
  for (const id of groupIds) {
    const [s1, domain] = allocDomain(s, design.policy.defaultDomain === 'dma' ? 'DMA' : 'IDENTITY', 'host');
    const group: Group = {
      id,
      devices: devices.filter((d) => d.group === id).map((d) => d.index),
      domain,
      owner: { kind: 'host' },
      defaultType: design.policy.defaultDomain,
    };
    s = resetMsiTables(attachGroup({ ...s1, groups: [...s1.groups, group] }, id, domain), id);
  }
  return s;
};
