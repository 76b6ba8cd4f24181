import type { Invariant, Violation } from './types.ts';

export const hwSwMsiExclusive: Invariant = {
  id: 'hw-sw-msi-exclusive',
  title: 'One MSI region kind per device',
  statement:
    'A device reports at most one kind of MSI region: IOMMU_RESV_MSI, or exactly one IOMMU_RESV_SW_MSI — never both, never two SW_MSI windows.',
  rationale:
    'iommufd refuses such a device at attach ("Drivers must offer sane combinations") and VFIO silently prefers the HW region and creates no cookie, so the two backends disagree about where MSIs go.',
  sources: [
    'drivers/iommu/iommufd/io_pagetable.c iopt_table_enforce_dev_resv_regions',
    'drivers/vfio/vfio_iommu_type1.c vfio_iommu_has_sw_msi',
    'docs/linux-policy.md#binding-and-attaching',
  ],
  check: (_design, s) => {
    const out: Violation[] = [];
    for (const dev of s.devices) {
      const hw = dev.resv.filter((r) => r.type === 'MSI').length;
      const sw = dev.resv.filter((r) => r.type === 'SW_MSI').length;
      if ((hw > 0 && sw > 0) || sw > 1) {
        out.push({
          invariant: 'hw-sw-msi-exclusive',
          witness: {
            kind: 'regions',
            device: dev.index,
            bdf: dev.bdf,
            regions: dev.resv.map((r) => r.type),
            problem: `${hw} MSI and ${sw} SW_MSI`,
          },
        });
      }
    }
    return out;
  },
};
