import { describe, expect, it } from 'vitest';
import { deliverFrom } from '../../platform/deliver.ts';
import { deviceDomain, irqOf } from '../../platform/edit.ts';
import { ITS_DOORBELL, V2M_DOORBELL } from '../../platform/layout.ts';
import type { Op } from '../../platform/scenario.ts';
import type { State } from '../../platform/state.ts';
import { affinity, alloc, armIts, armV2m, assign, run, setup, topo } from '../testing.ts';

const perVector = armIts({ msiIova: 'userspace-per-vector' });
const setIova = (device: number, vector: number, iova: bigint): Op => ({
  op: 'vfio_set_msi_iova',
  device,
  vector,
  iova: `0x${iova.toString(16)}`,
});
const fire = (s: State, device: number, vector = 0) => {
  const q = irqOf(s, device, vector);
  if (q === undefined) throw new Error(`no irq for device ${device} vector ${vector}`);
  return deliverFrom(s, device, q.msg.addr, q.msg.data);
};

describe('vfio_set_msi_iova (VFIO_IRQ_SET_DATA_MSI_IOVA, seed 003; invariant userspace-msi-address)', () => {
  it('exists only on the userspace-per-vector design: -EINVAL on the MSI-cookie design', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'type1')]);
    expect(run(s, [setIova(0, 0, 0x1000_0000n)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('is -EINVAL for a host-owned device and for a vector beyond the device table', () => {
    const s = setup(perVector, topo([{}, { vectors: 1 }]), [assign(1, 'type1')]);
    expect(run(s, [setIova(0, 0, 0x1000_0000n), setIova(1, 1, 0x1000_0000n)]).results).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: false, errno: 'EINVAL' },
    ]);
  });

  it('allocating an assigned device vector without a supplied IOVA is -EINVAL, never a kernel-chosen address (seed 003)', () => {
    const s = setup(perVector, topo([{}]), [assign(0, 'type1')]);
    const { state, results } = run(s, [alloc(0)]);
    expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
    expect(state.irqs).toEqual([]);
  });

  it('with a supplied IOVA the programmed address is that IOVA + the ITS doorbell offset 0x40, mapped to the doorbell page, and the MSI arrives', () => {
    const s = setup(perVector, topo([{}]), [assign(0, 'type1'), setIova(0, 0, 0x1000_0000n), alloc(0)]);
    expect(irqOf(s, 0, 0)?.msg.addr).toBe(0x1000_0040n);
    expect(ITS_DOORBELL & 0xfffn).toBe(0x40n);
    expect(deviceDomain(s, 0).pages.get(0x1_0000n)).toMatchObject({
      ppn: ITS_DOORBELL >> 12n,
      origin: 'user',
    });
    expect(fire(s, 0).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it('the userspace address survives irq_set_affinity (ITS MOVI keeps the message)', () => {
    const s = setup(perVector, topo([{}], { harts: 2 }), [
      assign(0, 'type1'),
      setIova(0, 0, 0x1000_0000n),
      alloc(0),
    ]);
    const { state, results } = run(s, [affinity(0, 0, 1)]);
    expect(results).toEqual([{ ok: true }]);
    expect(irqOf(state, 0, 0)?.msg.addr).toBe(0x1000_0040n);
    expect(irqOf(state, 0, 0)?.hart).toBe(1);
  });

  it('setting the IOVA of a live vector rewrites its message at once', () => {
    const s = setup(perVector, topo([{}]), [assign(0, 'type1'), setIova(0, 0, 0x1000_0000n), alloc(0)]);
    const { state } = run(s, [setIova(0, 0, 0x2000_0000n)]);
    expect(irqOf(state, 0, 0)?.msg.addr).toBe(0x2000_0040n);
    expect(fire(state, 0).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it('on GICv2m the supplied IOVA maps the MSI_SETSPI_NS page (doorbell offset 0x40)', () => {
    const d = armV2m({ msiIova: 'userspace-per-vector' });
    const s = setup(d, topo([{}]), [
      assign(0, 'type1', { unsafe: true }),
      setIova(0, 0, 0x1000_0000n),
      alloc(0),
    ]);
    expect(irqOf(s, 0, 0)?.msg.addr).toBe(0x1000_0040n);
    expect(deviceDomain(s, 0).pages.get(0x1_0000n)?.ppn).toBe(V2M_DOORBELL >> 12n);
  });

  it('a host-owned device on this design still gets its physical doorbell through the identity domain (iommu_dma_prepare_msi)', () => {
    const s = setup(perVector, topo([{}]), [alloc(0)]);
    expect(irqOf(s, 0, 0)?.msg.addr).toBe(ITS_DOORBELL);
  });
});
