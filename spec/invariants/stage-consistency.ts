import type { Invariant, Violation } from './types.ts';

export const stageConsistency: Invariant = {
  id: 'stage-consistency',
  title: 'RISC-V: the MSI region matches the translation stage',
  statement:
    'On RISC-V, a device attached to a paging domain reports the MSI region that matches the stage the domain uses: G-stage (S2) paging ⇒ IOMMU_RESV_MSI matching DC.msi_addr_*, first-stage (S1) paging ⇒ IOMMU_RESV_SW_MSI.',
  rationale:
    "With first-stage paging a device's MSI address goes through the page table first, so the doorbell needs an aperture the domain owner maps (SW_MSI, as on Arm) — whether or not an MSI page table follows. With only the G-stage the IOVA is the GPA that the MSI table decodes, a fixed window (HW_MSI). Reporting neither, or the other one, leaves MSIs faulting or unmanaged.",
  sources: [
    'seed 000: "If you run the driver like this then it should use IOMMU_RESV_SW_MSI … here you\'d use HW_MSI" (Jason Gunthorpe, 2025-09-22, 20250922235651.GG1391379@nvidia.com)',
    'RISC-V IOMMU spec v1.0.1, Process to translate an IOVA, steps 17-19',
    'Andrew Jones, [RFC PATCH v2 05/18] iommu/riscv: Prepare to use MSI table, 20250920203851.2205115-25-ajones@ventanamicro.com: the MSI table is consulted after the first stage; docs/hardware.md#first-stage-msi-table-and-g-stage',
  ],
  check: (_design, s) => {
    if (s.hardware.arch !== 'riscv') return [];
    const out: Violation[] = [];
    for (const dev of s.devices) {
      const d = s.domains[s.groups[dev.group]?.domain ?? -1];
      if (d === undefined || (d.type !== 'DMA' && d.type !== 'UNMANAGED')) continue;
      const kinds = dev.resv.map((r) => r.type);
      const want = d.stage === 's2' ? 'MSI' : 'SW_MSI';
      const other = d.stage === 's2' ? 'SW_MSI' : 'MSI';
      if (!kinds.includes(want) || kinds.includes(other)) {
        out.push({
          invariant: 'stage-consistency',
          witness: {
            kind: 'regions',
            device: dev.index,
            bdf: dev.bdf,
            regions: kinds,
            problem: `${d.stage.toUpperCase()} paging domain needs ${want}`,
          },
        });
      }
    }
    return out;
  },
};
