import type { Invariant, Violation } from './types.ts';

export const directMapped: Invariant = {
  id: 'direct-mapped',
  title: 'DIRECT regions stay identity-mapped and unassignable',
  statement:
    'Every IOMMU_RESV_DIRECT region of a device is identity-mapped whenever the device is on a DMA domain, and a device with such a region is never claimed for VFIO or iommufd.',
  rationale:
    'Firmware may still be using a DIRECT region; the kernel records require_direct and refuses the blocking domain that DMA ownership needs. Recording the flag only for DMA default domains lets a device on an identity default domain be claimed.',
  sources: [
    'drivers/iommu/iommu.c iommu_create_device_direct_mappings, __iommu_device_set_domain (docs/linux-policy.md#direct-regions-block-assignment)',
    'seed 001: requires_direct set before the DMA-domain check (Jason Gunthorpe, 2023-04-21, ZELOqZliiwbG6l5K@nvidia.com)',
    'drivers/iommu/iommu.c __iommu_take_dma_ownership (Linux 7.0): DMA ownership attaches the blocking domain; docs/linux-policy.md#direct-regions-block-assignment',
  ],
  check: (_design, s) => {
    const out: Violation[] = [];
    for (const dev of s.devices) {
      for (const r of dev.resv) {
        if (r.type !== 'DIRECT') continue;
        const g = s.groups[dev.group];
        const d = g === undefined ? undefined : s.domains[g.domain];
        const region = `DIRECT 0x${r.start.toString(16)}+0x${r.length.toString(16)}`;
        if (g !== undefined && g.owner.kind !== 'host') {
          out.push({
            invariant: 'direct-mapped',
            witness: {
              kind: 'direct',
              device: dev.index,
              bdf: dev.bdf,
              region,
              problem: `claimed by ${g.owner.kind}`,
            },
          });
        } else if (d?.type === 'DMA' && d.pages.get(r.start >> 12n)?.ppn !== r.start >> 12n) {
          out.push({
            invariant: 'direct-mapped',
            witness: {
              kind: 'direct',
              device: dev.index,
              bdf: dev.bdf,
              region,
              problem: 'not identity-mapped in its DMA domain',
            },
          });
        }
      }
    }
    return out;
  },
};
