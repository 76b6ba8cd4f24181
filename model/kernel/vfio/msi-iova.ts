import { deviceOf, groupOf, ioasOf, irqOf, setDevice, setIrq } from '../../platform/edit.ts';
import { armMsiDoorbell } from '../../platform/layout.ts';
import { ownerKey, type State } from '../../platform/state.ts';
import { PAGE_MASK, pageOf } from '../../types/addr.ts';
import { err, OK } from '../errno.ts';
import { iopt_map_pages } from '../iommufd/io-pagetable.ts';
import { IOAS_MAP_PROT } from '../iommufd/ioas.ts';
import { ownerIoas, type Step } from './assign.ts';
import { containerOf, vfio_dma_do_map } from './type1.ts';

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
  // Stryker disable next-line ConditionalExpression,StringLiteral: seed 003's uAPI is on the Arm design only (spec/designs/vfio-per-vector-msi-address.json); no design reaches the non-Arm fallback
  const doorbell = pageOf(armMsiDoorbell(s0.hardware.arch === 'arm' ? s0.hardware.irqchip : 'gicv3-its'));
  // The doorbell is an ordinary mapping of the owner's address space (an IOAS area / a type1 DMA
  // at the doorbell's physical page), refused where the backend refuses any map (reserved ranges:
  // -EINVAL; an existing mapping: -EEXIST). Naming the same doorbell page again is a no-op.
  let s = s0;
  const g = groupOf(s0, dev.group);
  if (g.vfioContainer !== undefined) {
    const known = containerOf(s0, g.vfioContainer).dmas.some(
      (d) => d.iova === page << 12n && d.ppn === doorbell,
    );
    if (!known) {
      const r = vfio_dma_do_map(s0, g.vfioContainer, page << 12n, 0x1000n, doorbell << 12n);
      if (!r.ok) return { state: s0, result: err(r.errno) };
      s = r.state;
    }
  } else {
    const [s1, ioas] = ownerIoas(s0, ownerKey(owner));
    const known = ioasOf(s1, ioas).areas.some((a) => a.start === page << 12n && a.ppn === doorbell);
    if (!known) {
      const r = iopt_map_pages(s1, ioas, page << 12n, 0x1000n, doorbell, IOAS_MAP_PROT);
      if (!r.ok) return { state: s0, result: err(r.errno) };
      s = r.state;
    }
  }
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
