import { overlaps } from '../../model/kernel/iommu/resv.ts';
import type { ResvRegion } from '../../model/platform/state.ts';
import { hex } from '../../model/types/addr.ts';
import type { Invariant, Violation } from './types.ts';
import { devicesThrough } from './witness.ts';

const describe = (r: ResvRegion): string => `${r.type} ${hex(r.start)}+${hex(r.length)}`;

export const resvExclusion: Invariant = {
  id: 'resv-exclusion',
  title: 'User mappings stay out of reserved regions and MSI IOVAs',
  statement:
    'No user mapping in a VFIO or iommufd domain intersects a reserved region (other than DIRECT_RELAXABLE) of a device attached to it, and no user mapping replaces a page the kernel allocated for an MSI doorbell.',
  rationale:
    "Reserved regions are where the device's writes mean something else (an MSI window, firmware memory); VFIO cuts them from the IOVA list and iommufd reserves them, refusing conflicting maps (-EINVAL) and attaches (-EINVAL / -EADDRINUSE).",
  sources: [
    'drivers/vfio/vfio_iommu_type1.c vfio_iommu_resv_conflict, vfio_iommu_iova_dma_valid (docs/linux-policy.md#vfio-type1)',
    'drivers/iommu/iommufd/io_pagetable.c iopt_reserve_iova, iopt_check_iova (docs/linux-policy.md#iommufd)',
    'docs/linux-policy.md#vfio-type1, docs/linux-policy.md#binding-and-attaching',
  ],
  check: (_design, s) => {
    const out: Violation[] = [];
    for (const d of s.domains) {
      if (d.owner === 'host' || d.type !== 'UNMANAGED') continue;
      const regions = devicesThrough(s, d).flatMap((i) => s.devices[i]?.resv ?? []);
      for (const [iova, m] of d.pages) {
        if (m.origin !== 'user') continue;
        const r = regions.find((x) => x.type !== 'DIRECT_RELAXABLE' && overlaps(x, iova << 12n, 0x1000n));
        if (r !== undefined)
          out.push({
            invariant: 'resv-exclusion',
            witness: { kind: 'mapping', domain: d.id, iova: hex(iova << 12n), conflict: describe(r) },
          });
      }
      for (const [phys, iova] of d.msiPages) {
        const m = d.pages.get(iova);
        if (m?.origin !== 'msi' || m.ppn !== phys) {
          out.push({
            invariant: 'resv-exclusion',
            witness: {
              kind: 'mapping',
              domain: d.id,
              iova: hex(iova << 12n),
              conflict: `MSI page for ${hex(phys << 12n)}`,
            },
          });
        }
      }
    }
    return out;
  },
};
