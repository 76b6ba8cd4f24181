import { GICD_REGISTERS } from '../../model/hw/arm-gic/gicd.ts';
import { GITS_TRANSLATER } from '../../model/hw/arm-gic/its.ts';
import { MSI_SETSPI_NS } from '../../model/hw/arm-gic/v2m.ts';
import { inInterruptWindow } from '../../model/hw/x86/window.ts';
import { domainOf } from '../../model/platform/edit.ts';
import { ITS_DOORBELL, imsicPage, MBI_DOORBELL, V2M_DOORBELL } from '../../model/platform/layout.ts';
import { structuralMemo } from '../../model/platform/memo.ts';
import { ownerKey, type State } from '../../model/platform/state.ts';
import { hex } from '../../model/types/addr.ts';
import { jsonOutcome } from './json.ts';
import type { Invariant, Violation } from './types.ts';
import { assignedGroups } from './witness.ts';
import { deliverCached, msiTablePages } from './write-space.ts';

/**
 * Every register offset of a 4 KiB page any modelled doorbell lives in: each register of the GICv3
 * distributor's register map (its offset within its 4 KiB page), GITS_TRANSLATER (the ITS
 * translation frame holds nothing else), MSI_SETSPI_NS with MSI_TYPER (0x008) and MSI_IIDR (0xfcc)
 * of a GICv2m frame, seteipnum_le (0x0) and seteipnum_be (0x4) of an IMSIC interrupt-file page and
 * a read-only-zero word after them (0x8). A page's other offsets are reserved in every one of them.
 */
export const DOORBELL_PAGE_OFFSETS: readonly bigint[] = [
  ...new Set([
    0x0n,
    0x4n,
    0x8n,
    MSI_SETSPI_NS,
    0xfccn,
    GITS_TRANSLATER & 0xfffn,
    ...GICD_REGISTERS.map((r) => r.start & 0xfffn),
  ]),
].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The physical pages that hold an MSI doorbell of the platform: ITS, GICv2m, MBI, every IMSIC file. */
const doorbellPages = (s: State): Set<bigint> => {
  const pages = new Set([ITS_DOORBELL >> 12n, V2M_DOORBELL >> 12n, MBI_DOORBELL >> 12n]);
  for (let h = 0; h < s.topology.harts; h++)
    for (const f of ['M', 'S', 'G1', 'G2', 'G3'] as const) pages.add(imsicPage(s.topology.harts, h, f));
  return pages;
};

/**
 * The IOVA pages device `device`'s domain maps for its MSIs: pages mapped as MSI doorbells
 * (iommu_dma_get_msi_page, iommufd_sw_msi, an IOMMU_RESV_MSI region) or as IMSIC identity pages; for
 * a NESTED domain the S1 pages whose IPA is such a page of its parent S2; every GPA page the
 * device's MSI page table decodes (RISC-V); and the page a programmed message of the device targets
 * where the domain maps it onto a doorbell's physical page (a userspace-supplied doorbell IOVA,
 * seed 003) or it lies in the untranslated x86 interrupt window. A message page that maps user
 * memory is msi-delivery's concern, not this invariant's.
 */
export const msiMappedPages = (s: State, device: number): bigint[] => {
  const dev = s.devices[device];
  if (dev === undefined) return [];
  const d = domainOf(s, s.groups[dev.group]?.domain ?? -1);
  const parent = d.parent === undefined ? undefined : domainOf(s, d.parent);
  const pages = new Set<bigint>();
  for (const [iova, m] of d.pages) {
    if (
      parent === undefined
        ? m.origin === 'msi' || m.origin === 'imsic-identity'
        : parent.pages.get(m.ppn)?.origin === 'msi'
    )
      pages.add(iova);
  }
  for (const p of msiTablePages(d)) pages.add(p);
  const doorbells = doorbellPages(s);
  for (const q of s.irqs) {
    if (q.device !== device) continue;
    const page = q.msg.addr >> 12n;
    const target = d.pages.get(page)?.ppn;
    const inWindow = inInterruptWindow(q.msg.addr);
    if ((s.hardware.arch === 'x86' && inWindow) || (target !== undefined && doorbells.has(target)))
      pages.add(page);
  }
  return [...pages];
};

const judge = structuralMemo((s: State): Violation[] => {
  const out: Violation[] = [];
  for (const g of assignedGroups(s)) {
    for (const device of g.devices) {
      const hit = msiMappedPages(s, device)
        .flatMap((page) => DOORBELL_PAGE_OFFSETS.map((off) => (page << 12n) | off))
        .map((addr) => ({ addr, outcome: deliverCached(s, device, addr, 0).outcome }))
        .find(({ outcome }) => outcome.kind === 'register' || outcome.kind === 'memory');
      if (hit === undefined) continue;
      out.push({
        invariant: 'doorbell-exposure',
        witness: {
          kind: 'write',
          device,
          bdf: s.devices[device]?.bdf ?? '?',
          addr: hex(hit.addr),
          data: 0,
          outcome: jsonOutcome(hit.outcome),
          reached:
            hit.outcome.kind === 'register'
              ? { owner: 'host', what: `register ${hit.outcome.register}` }
              : { owner: 'memory', what: 'memory in a page mapped for MSIs' },
          allowed: ownerKey(g.owner),
        },
      });
    }
  }
  return out;
});

export const doorbellExposure: Invariant = {
  id: 'doorbell-exposure',
  title: 'A page mapped for MSIs exposes only MSI doorbells',
  statement:
    "A write by a device of an assigned group to any register offset of a page its domain maps for MSIs (a doorbell page of its MSI cookie or sw_msi, an IMSIC identity page, an S1 page onto the parent S2's doorbell page, an MSI page-table target, a page a programmed message targets that maps a doorbell or is the x86 interrupt window) requests an interrupt or is ignored by the hardware; it never acts on another register of the interrupt controller and never reaches memory.",
  rationale:
    'The IOMMU maps the doorbell\'s whole page, not the doorbell register (iommu_dma_get_msi_page maps the cookie granule; iommufd_sw_msi trusts that the doorbell is "secure to map at PAGE_SIZE"), so every other register in that page becomes reachable by the device. Interrupt controllers therefore put their doorbells alone in a page: the ITS translation frame holds only GITS_TRANSLATER, a GICv2m frame only MSI_SETSPI_NS beside read-only identification, an IMSIC interrupt file only seteipnum_le/be, and the GICv3 binding offers mbi-alias, an alias frame holding only the SETSPI/CLRSPI registers "to be used if isolation is required". Reaching GICD_CTLR or an SPI enable register lets a device disable or mask the host\'s interrupts, whatever the isolation claim.',
  sources: [
    'drivers/iommu/dma-iommu.c iommu_dma_get_msi_page; drivers/iommu/iommufd/driver.c iommufd_sw_msi (Linux 7.0)',
    'Documentation/devicetree/bindings/interrupt-controller/arm,gic-v3.yaml mbi-alias; drivers/irqchip/irq-gic-v3-mbi.c mbi_irq_domain_alloc (Linux 7.0)',
    'Arm IHI 0069 (GICv3/v4), ITS translation register frame and The GIC Distributor register map; RISC-V AIA 1.0, IMSIC memory region of an interrupt file; docs/invariants.md#doorbell-exposure',
  ],
  // A function of the state's structure alone: memoised, so a refused op costs nothing here.
  check: (_design, s) => judge(s),
};
