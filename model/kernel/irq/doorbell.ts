import { match } from 'ts-pattern';
import { imsicPage } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import type { ErrnoName } from '../errno.ts';
import { iommu_dma_prepare_msi } from '../iommu/dma-iommu.ts';

/** The address an irqchip writes into the device's MSI message, or why there is none. */
export type DoorbellAddr = { ok: true; state: State; addr: bigint } | { ok: false; errno: ErrnoName };

/** iommu_dma_prepare_msi then msi_msg_set_addr for the physical doorbell `phys`. */
export const prepareDoorbell = (s: State, device: number, phys: bigint): DoorbellAddr => {
  const r = iommu_dma_prepare_msi(s, device, phys);
  return r.ok ? { ok: true, state: r.state, addr: r.value.addr } : { ok: false, errno: r.errno };
};

/**
 * How an IMSIC doorbell becomes the address a device writes, for the design's doorbell policy
 * (model/kernel/policy.ts). `fromAffinity` marks a call from irq_set_affinity: any IOMMU page-table
 * mapping it creates is recorded, because that path runs in atomic context (seed 002).
 */
export const imsicDoorbell = (
  s0: State,
  device: number,
  hart: number,
  irq: number,
  fromAffinity: boolean,
): DoorbellAddr => {
  // Stryker disable next-line StringLiteral: equivalent, imsicFileAddr reads any other file name as guest file G<n> with n = BigInt('') = 0, the S-file
  const phys = imsicPage(s0.topology.harts, hart, 'S') << 12n;
  const record = (s: State, page: bigint): State =>
    fromAffinity ? { ...s, atomicMappings: [...s.atomicMappings, { irq, page }] } : s;
  return match(s0.policy.doorbells)
    .with(
      'raw-physical',
      'hw-window',
      'msi-table-all',
      'msi-table-guest-files',
      // A VMM-supplied window (seed 000) is the guest's: host vectors keep the physical address.
      'msi-table-userspace-window',
      // RFC v2 patch 08: the IMSIC composes the physical address; the IR irq domain maps the MSI
      // PTE (model/kernel/iommu/msi-table.ts). Writing an entry of a preallocated flat table (then
      // IOTINVAL) is like VT-d's modify_irte in set_affinity: no allocation, so it is not recorded
      // as an atomic-context mapping (seed 002 is about page tables).
      'msi-table-affinity',
      'msi-table-irqbypass-rfc-v2',
      // Series 1 patch 05: the IMSIC pages are identity-mapped in the domain, so the physical address works.
      'resv-msi-identity',
      (): DoorbellAddr => ({ ok: true, state: s0, addr: phys }),
    )
    .with('map-all-at-attach', 'prepare-msi', (): DoorbellAddr => preparing(s0, device, [hart], hart, record))
    .with(
      'prepare-msi-all-imsics',
      (): DoorbellAddr => preparing(s0, device, [...Array(s0.topology.harts).keys()], hart, record),
    )
    .exhaustive();
};

/** iommu_dma_prepare_msi for each of `harts`' pages; returns the address for `target`. */
const preparing = (
  s0: State,
  device: number,
  harts: number[],
  target: number,
  record: (s: State, page: bigint) => State,
): DoorbellAddr => {
  let s = s0;
  let addr: bigint | undefined;
  for (const h of harts) {
    const before = s.domains;
    // Stryker disable next-line StringLiteral: equivalent, imsicFileAddr reads any other file name as guest file G<n> with n = BigInt('') = 0, the S-file
    const r = prepareDoorbell(s, device, imsicPage(s.topology.harts, h, 'S') << 12n);
    if (!r.ok) return r;
    s = r.state.domains === before ? r.state : record(r.state, r.addr >> 12n);
    if (h === target) addr = r.addr;
  }
  if (addr === undefined) throw new Error('model inconsistency: target hart not prepared');
  return { ok: true, state: s, addr };
};
