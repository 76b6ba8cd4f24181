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

/** The MSI-related regions the IOMMU driver's get_resv_regions reports (docs/linux-policy.md#who-reports-which-region). */
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

export const overlaps = (
  r: { readonly start: bigint; readonly length: bigint },
  start: bigint,
  length: bigint,
): boolean => start < r.start + r.length && r.start < start + length;

/** enum iommu_resv_type order (include/linux/iommu.h): the tie-break of iommu_insert_resv_region. */
export const RESV_TYPE_ORDER: readonly ResvType[] = [
  'DIRECT',
  'DIRECT_RELAXABLE',
  'RESERVED',
  'MSI',
  'SW_MSI',
];
const order = (t: ResvType): number => RESV_TYPE_ORDER.indexOf(t);

/**
 * iommu_insert_resv_region (drivers/iommu/iommu.c): insert `nr` sorted by start (then type), then
 * merge overlapping or adjacent regions of nr's type; regions of other types are kept as they are.
 */
export const iommu_insert_resv_region = (nr: ResvRegion, regions: readonly ResvRegion[]): ResvRegion[] => {
  const at = regions.findIndex(
    (it) => nr.start < it.start || (nr.start === it.start && order(nr.type) <= order(it.type)),
  );
  const list = at < 0 ? [...regions, nr] : [...regions.slice(0, at), nr, ...regions.slice(at)];
  const stack: ResvRegion[] = [];
  for (const it of list) {
    if (it.type !== nr.type) {
      stack.push(it);
      continue;
    }
    let top = -1;
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i]?.type === it.type) {
        top = i;
        break;
      }
    }
    const t = stack[top];
    if (t === undefined) {
      stack.push(it);
      continue;
    }
    const topEnd = t.start + t.length - 1n;
    const itEnd = it.start + it.length - 1n;
    if (it.start > topEnd + 1n) stack.push(it);
    else stack[top] = { ...t, length: (topEnd > itEnd ? topEnd : itEnd) - t.start + 1n };
  }
  return stack;
};

/**
 * iommu_get_group_resv_regions: every probed device's regions inserted in turn into one list
 * (what /sys/kernel/iommu_groups/N/reserved_regions prints).
 */
export const mergedResv = (devices: readonly { readonly resv: readonly ResvRegion[] }[]): ResvRegion[] => {
  let list: ResvRegion[] = [];
  for (const d of devices) for (const r of d.resv) list = iommu_insert_resv_region(r, list);
  return list;
};

/** iommu_group_resv_type_string: MSI and SW_MSI both print "msi". */
export const RESV_TYPE_STRING: Record<ResvType, string> = {
  DIRECT: 'direct',
  DIRECT_RELAXABLE: 'direct-relaxable',
  RESERVED: 'reserved',
  MSI: 'msi',
  SW_MSI: 'msi',
};
