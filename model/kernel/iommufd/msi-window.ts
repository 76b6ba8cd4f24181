import { domainOf, groupOf, setDomain } from '../../platform/edit.ts';
import { IMSIC_MSI_MASK, IMSIC_MSI_PATTERN, imsicPage, msiFileIndex } from '../../platform/layout.ts';
import type { Domain, MsiWindow, State } from '../../platform/state.ts';
import { PAGE_MASK, pageOf } from '../../types/addr.ts';
import { err, OK } from '../errno.ts';
import type { Step } from '../vfio/assign.ts';
import { attachedHwpt } from './device.ts';
import { hwptIoas, hwptOf } from './hwpt.ts';
import { domainOwner, iopt_reserve_iova } from './io-pagetable.ts';

/**
 * MGPAW of the modelled G-stage, Sv48x4 (RISC-V IOMMU spec [[MSI_ID]]): from spec 20250828 the
 * msi_addr_mask / msi_addr_pattern bits 51:MGPAW−12 are reserved, so a window above 2^50 is refused.
 */
const MGPAW = 50n;

/** Whether GPA page `page` hits window `w` (RISC-V IOMMU spec [[MSI_TRANS]]: (A >> 12) & ~mask == pattern & ~mask). */
export const inMsiWindow = (w: MsiWindow, page: bigint): boolean =>
  (page & ~w.mask) === (w.pattern & ~w.mask);

/** The GPA page of interrupt-file index `index` in window `w` (the mask is one run of low bits here). */
export const msiWindowPage = (w: MsiWindow, index: bigint): bigint => w.pattern | (index & w.mask);

const HOST_WINDOW: MsiWindow = { pattern: IMSIC_MSI_PATTERN, mask: IMSIC_MSI_MASK };
/** The window a domain's devices decode: the VMM's, else the host IMSIC layout (RFC v2 patch 05). */
export const domainMsiWindow = (d: Domain): MsiWindow => d.msiWindow ?? HOST_WINDOW;

/**
 * HYPOTHETICAL iommufd uAPI after seed 000 (Jason Gunthorpe, 20250922235651.GG1391379@nvidia.com:
 * "setting the DC.msi_addr* should come from userspace and create a new reserved region.. Maybe we
 * need to create per-domain reserved regions.."), on the msi-table-userspace-window design: the VMM
 * names where its guest's interrupt files sit in the address space of the paging hwpt `group` is
 * attached to. The kernel
 * - refuses a design without the uAPI (-EOPNOTSUPP), a group that is not a VM's through iommufd
 *   (-EINVAL: only a VM has guest interrupt files), a hwpt that is not a G-stage paging hwpt or that
 *   has a window already (-EINVAL, -EBUSY);
 * - refuses a window that is not aligned to its size (pattern bits under the mask set, -EINVAL) or
 *   reaches the reserved bits 51:MGPAW−12 (-EINVAL; spec [[DC_MISCONFIG]] would fault every DMA);
 * - reserves the window in the hwpt's IOAS with the domain as owner, as iopt_table_add_domain
 *   reserves the IOVA outside a domain's aperture (iopt_reserve_iova, io_pagetable.c, Linux 7.0:
 *   -EADDRINUSE over an existing area or an allowed range), so IOMMU_IOAS_MAP over it is refused
 *   (iopt_check_iova: -EINVAL) and the reservation goes with the domain (iopt_table_remove_domain);
 * - programs DC.msi_addr_pattern / msi_addr_mask of every device of the domain from it
 *   (model/platform/hw-view.ts), and replaces the domain's MSI table with one basic PTE per vCPU of
 *   the VM, index vCPU → the guest interrupt file the vCPU holds (State.vcpus).
 * Simplifications: userspace supplies only the window's base; its mask is the model's IMSIC
 * geometry (hart and guest index bits, IMSIC_MSI_MASK), which a guest with one vCPU per hart needs.
 * How iommufd learns the VM's guest files is not in seed 000 ("I don't know how it will work"); the
 * model takes them from KVM's placement and rewrites them on vCPU moves (model/kernel/kvm/vcpu.ts).
 * The window is not checked against the devices' other reserved regions, as iopt_reserve_iova does
 * not check reserved ranges against each other. Host vectors of the domain's devices, allocated
 * before or after, keep the physical S-file address the IMSIC driver composes, which the DC no
 * longer decodes (no path composes a host MSI through the window).
 */
export const iommufd_hwpt_set_msi_window = (s0: State, group: number, iova: bigint): Step => {
  if (s0.policy.doorbells !== 'msi-table-userspace-window') return { state: s0, result: err('EOPNOTSUPP') };
  const g = groupOf(s0, group);
  const first = g.devices[0];
  if (g.owner.kind !== 'vm' || g.owner.backend !== 'iommufd' || first === undefined)
    return { state: s0, result: err('EINVAL') };
  const hwpt = attachedHwpt(s0, first);
  if (hwpt === undefined) return { state: s0, result: err('EINVAL') };
  const d = domainOf(s0, hwpt);
  if (hwptOf(s0, hwpt).kind !== 'paging' || d.type !== 'UNMANAGED' || d.stage !== 's2')
    return { state: s0, result: err('EINVAL') };
  if (d.msiWindow !== undefined) return { state: s0, result: err('EBUSY') };
  const w: MsiWindow = { pattern: pageOf(iova), mask: IMSIC_MSI_MASK };
  if ((iova & PAGE_MASK) !== 0n || (w.pattern & w.mask) !== 0n) return { state: s0, result: err('EINVAL') };
  const last = ((w.pattern | w.mask) << 12n) | PAGE_MASK;
  if (last >> MGPAW !== 0n) return { state: s0, result: err('EINVAL') };
  const r = iopt_reserve_iova(s0, hwptIoas(s0, hwpt), iova, last, domainOwner(hwpt));
  if (!r.ok) return { state: s0, result: err(r.errno) };
  // Stryker disable next-line ArrayDeclaration: every VM owner has vCPUs (the scenario schema keeps owner < vms; build.ts gives each VM one per hart)
  const vcpus = s0.vcpus[g.owner.index] ?? [];
  const table = new Map<bigint, bigint>();
  vcpus.forEach((p, v) => {
    table.set(msiFileIndex(v, 0), imsicPage(s0.topology.harts, p.hart, `G${p.hgei}` as const));
  });
  return {
    state: setDomain(r.state, { ...domainOf(r.state, hwpt), msiWindow: w, msiTable: table }),
    result: OK,
  };
};
