import { deviceOf, groupOf, irqOf, mapPage, setDevice, setDomain, setIrq } from '../../platform/edit.ts';
import { ITS_DOORBELL, V2M_DOORBELL } from '../../platform/layout.ts';
import { ownerKey, type State } from '../../platform/state.ts';
import { PAGE_MASK, pageOf } from '../../types/addr.ts';
import { err, OK } from '../errno.ts';
import { ownerDomains } from '../iommu/map.ts';
import { overlaps } from '../iommu/resv.ts';
import type { Step } from './assign.ts';

/**
 * VFIO_IRQ_SET_DATA_MSI_IOVA (seed 003, RFCv1 "Allow userspace to specify the address for each MSI
 * vector"): userspace names the MSI IOVA of one vector and maps the doorbell there in its IOAS (an
 * IOAS area for the ITS page: no implicit stage-2 programming by the kernel). A live vector is
 * rewritten at once. Only designs with per-vector userspace addresses have this uAPI.
 */
export const vfio_set_msi_iova = (s0: State, device: number, vector: number, iova: bigint): Step => {
  const dev = deviceOf(s0, device);
  const owner = groupOf(s0, dev.group).owner;
  if (s0.policy.msiIova !== 'userspace-per-vector' || owner.kind === 'host' || vector >= dev.vectors) {
    return { state: s0, result: err('EINVAL') };
  }
  const page = pageOf(iova);
  // The doorbell area is an ordinary IOAS mapping: iopt_check_iova refuses any reserved range (-EINVAL).
  if (dev.resv.some((r) => r.type !== 'DIRECT_RELAXABLE' && overlaps(r, page << 12n, 0x1000n))) {
    return { state: s0, result: err('EINVAL') };
  }
  const doorbell = pageOf(
    s0.hardware.arch === 'arm' && s0.hardware.irqchip === 'gicv2m' ? V2M_DOORBELL : ITS_DOORBELL,
  );
  const domains = ownerDomains(s0, ownerKey(owner));
  if (domains.some((d) => d.pages.has(page) && d.pages.get(page)?.ppn !== doorbell))
    return { state: s0, result: err('EEXIST') };
  let s = s0;
  for (const d of domains) s = setDomain(s, mapPage(d, page, { ppn: doorbell, origin: 'user' }));
  s = setDevice(s, {
    ...deviceOf(s, device),
    userMsiIova: new Map(dev.userMsiIova).set(vector, page << 12n),
  });
  const q = irqOf(s, device, vector);
  if (q !== undefined)
    s = setIrq(s, { ...q, msg: { ...q.msg, addr: (page << 12n) | (q.msg.addr & PAGE_MASK) } });
  return { state: s, result: OK };
};

/** The per-vector MSI IOVAs belong to the owner that set them: forgotten when the group changes hands. */
export const forgetUserMsiIovas = (s: State, devices: readonly number[]): State =>
  devices.reduce((acc, d) => setDevice(acc, { ...deviceOf(acc, d), userMsiIova: new Map() }), s);
