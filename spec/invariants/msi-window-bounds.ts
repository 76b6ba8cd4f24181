import { hex } from '../../model/types/addr.ts';
import type { Invariant, Violation } from './types.ts';
import { devicesThrough } from './witness.ts';

export const msiWindowBounds: Invariant = {
  id: 'msi-window-bounds',
  title: 'Kernel-chosen MSI IOVAs stay in the SW_MSI window',
  statement:
    'Every MSI IOVA the kernel allocates in a VFIO or iommufd domain (MSI cookie, iommufd sw_msi) lies inside the IOMMU_RESV_SW_MSI window of a device attached to it.',
  rationale:
    "The SW_MSI window is the only range userspace is told to keep free; an MSI page outside it can land where the VMM later maps guest memory. The dma-iommu MSI cookie allocator and iommufd's 64-entry map do not check the window length (as read).",
  sources: [
    'drivers/iommu/dma-iommu.c iommu_dma_get_msi_page, iommu_get_msi_cookie (docs/linux-policy.md#msi-cookies)',
    'drivers/iommu/iommufd/driver.c iommufd_sw_msi (docs/linux-policy.md#iommufd)',
    'seed 004 (Eric Auger, 2016, RFC introducing IOMMU_DOMAIN_MIXED on kvm@vger.kernel.org: MSI IOVAs in holes between user mappings; docs/seeds.md#seed-004)',
    'docs/linux-policy.md#msi-cookies, docs/linux-policy.md#software-msi-pages',
  ],
  check: (_design, s) => {
    const out: Violation[] = [];
    for (const d of s.domains) {
      if (d.owner === 'host' || d.type !== 'UNMANAGED') continue;
      const through = devicesThrough(s, d);
      // A domain no device is attached to any more cannot be judged against a window.
      if (through.length === 0) continue;
      const windows = through.flatMap((i) => s.devices[i]?.resv ?? []).filter((r) => r.type === 'SW_MSI');
      for (const [phys, iova] of d.msiPages) {
        const a = iova << 12n;
        if (windows.some((w) => a >= w.start && a + 0x1000n <= w.start + w.length)) continue;
        const window = windows.map((w) => `${hex(w.start)}+${hex(w.length)}`).join(', ') || 'none reported';
        out.push({
          invariant: 'msi-window-bounds',
          witness: { kind: 'msi-iova', domain: d.id, iova: hex(a), doorbell: hex(phys << 12n), window },
        });
      }
    }
    return out;
  },
};
