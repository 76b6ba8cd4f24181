import { match } from 'ts-pattern';
import {
  directRegionPage,
  IMSIC_MSI_MASK,
  IMSIC_MSI_PATTERN,
  imsicPage,
  SW_MSI_BASE,
  SW_MSI_LENGTH,
  X86_MSI_BASE,
  X86_MSI_LENGTH,
} from '../../platform/layout.ts';
import type { DeviceSpec, Topology } from '../../platform/scenario.ts';
import type { ResvRegion, ResvType } from '../../platform/state.ts';
import type { Hardware, Policy } from '../policy.ts';

const PAGE = 0x1000n;

/** The MSI-related regions the IOMMU driver's get_resv_regions reports (linux-msi-facts §1.2). */
const msiRegions = (hw: Hardware, policy: Policy, topo: Topology): ResvRegion[] => {
  const sw: ResvRegion = { start: SW_MSI_BASE, length: SW_MSI_LENGTH, type: 'SW_MSI' };
  const hwMsi: ResvRegion =
    hw.arch === 'riscv'
      ? // RFC v2 patch 05: the IMSIC range as IOMMU_RESV_MSI — exactly the GPA window the MSI
        // table decodes (msi_addr_pattern under msi_addr_mask), absent harts' pages included.
        { start: IMSIC_MSI_PATTERN << 12n, length: (IMSIC_MSI_MASK + 1n) << 12n, type: 'MSI' }
      : // intel/amd_iommu_get_resv_regions: 0xFEE00000–0xFEEFFFFF is IOMMU_RESV_MSI.
        { start: X86_MSI_BASE, length: X86_MSI_LENGTH, type: 'MSI' };
  return match(policy.msiRegion)
    .with('sw-msi', () => [sw])
    .with('hw-msi', () => [hwMsi])
    .with('hw-msi-and-sw-msi', () => [hwMsi, sw])
    .with('none', () => [])
    .with('direct-relaxable-imsic', () =>
      // 2026-05 "Map IMSIC addresses for paging domains": each host IMSIC page as DIRECT_RELAXABLE.
      Array.from(
        { length: topo.harts },
        (_, h): ResvRegion => ({
          start: imsicPage(topo.harts, h, 'S') << 12n,
          length: PAGE,
          type: 'DIRECT_RELAXABLE',
        }),
      ),
    )
    .exhaustive();
};

const FIRMWARE_TYPE: Record<DeviceSpec['resv'][number], ResvType> = {
  direct: 'DIRECT',
  'direct-relaxable': 'DIRECT_RELAXABLE',
};

/** Every reserved region of device `index`: firmware regions (RMRR/IVMD/RMR) then the driver's MSI regions. */
export const deviceResvRegions = (
  hw: Hardware,
  policy: Policy,
  topo: Topology,
  index: number,
): ResvRegion[] => {
  const spec = topo.devices[index];
  const firmware = (spec?.resv ?? []).map(
    (r): ResvRegion => ({ start: directRegionPage(index) << 12n, length: PAGE, type: FIRMWARE_TYPE[r] }),
  );
  return [...firmware, ...msiRegions(hw, policy, topo)];
};

export const overlaps = (r: ResvRegion, start: bigint, length: bigint): boolean =>
  start < r.start + r.length && r.start < start + length;
