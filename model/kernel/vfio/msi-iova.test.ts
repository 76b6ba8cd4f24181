import { describe, expect, it } from 'vitest';
import { deliverFrom } from '../../platform/deliver.ts';
import { deviceDomain, deviceOf, ioasOf, irqOf } from '../../platform/edit.ts';
import { ITS_DOORBELL, SW_MSI_BASE, V2M_DOORBELL } from '../../platform/layout.ts';
import type { Op } from '../../platform/scenario.ts';
import type { State } from '../../platform/state.ts';
import { ctxOf } from '../iommufd/ctx.ts';
import { IOAS_MAP_PROT } from '../iommufd/ioas.ts';
import { affinity, alloc, armIts, armV2m, assign, map, run, setup, topo } from '../testing.ts';
import { containerOf } from './type1.ts';

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

describe('vfio_set_msi_iova: where the doorbell mapping goes (seed 003; vfio_dma_do_map / iopt_map_pages)', () => {
  const doorbellPage = ITS_DOORBELL >> 12n;

  it('the vector index is bounded by the device table: the last vector is accepted, one past it -EINVAL', () => {
    const s = setup(perVector, topo([{ vectors: 2 }]), [assign(0, 'type1')]);
    expect(run(s, [setIova(0, 1, 0x1000_0000n), setIova(0, 2, 0x1000_0000n)]).results).toEqual([
      { ok: true },
      { ok: false, errno: 'EINVAL' },
    ]);
  });

  it('iommufd: an IOAS area of one page at the named IOVA onto the ITS doorbell page, filled into the attached domain', () => {
    const s = setup(perVector, topo([{}]), [assign(0, 'iommufd')]);
    const { state, results } = run(s, [setIova(0, 0, 0x1000_0123n)]);
    expect(results).toEqual([{ ok: true }]);
    const ioas = ctxOf(state, 'userspace:0').ioas[0] ?? -1;
    expect(ioasOf(state, ioas).areas).toEqual([
      { start: 0x1000_0000n, last: 0x1000_0fffn, ppn: doorbellPage, prot: IOAS_MAP_PROT },
    ]);
    expect(deviceDomain(state, 0).pages.get(0x1_0000n)?.ppn).toBe(doorbellPage);
    expect(deviceOf(state, 0).userMsiIova).toEqual(new Map([[0, 0x1000_0000n]]));
  });

  it('naming the same doorbell page again (another vector) maps nothing new, on type1 and on iommufd', () => {
    for (const backend of ['type1', 'iommufd'] as const) {
      const s = setup(perVector, topo([{}]), [assign(0, backend), setIova(0, 0, 0x1000_0000n)]);
      const { state, results } = run(s, [setIova(0, 1, 0x1000_0000n)]);
      expect(results).toEqual([{ ok: true }]);
      const ioas = ctxOf(state, 'userspace:0').ioas[0];
      if (backend === 'type1') expect(containerOf(state, 'userspace:0').dmas).toHaveLength(1);
      else expect(ioasOf(state, ioas ?? -1).areas).toHaveLength(1);
      expect(deviceOf(state, 0).userMsiIova).toEqual(
        new Map([
          [0, 0x1000_0000n],
          [1, 0x1000_0000n],
        ]),
      );
    }
  });

  it('an IOVA inside the SW_MSI window is refused as any map there is: -EINVAL (type1 valid list; iommufd reserved range)', () => {
    for (const backend of ['type1', 'iommufd'] as const) {
      const s = setup(perVector, topo([{}]), [assign(0, backend)]);
      const { state, results } = run(s, [setIova(0, 0, SW_MSI_BASE)]);
      expect(results).toEqual([{ ok: false, errno: 'EINVAL' }]);
      expect(deviceOf(state, 0).userMsiIova).toEqual(new Map());
    }
  });
});

describe('vfio_set_msi_iova: a known doorbell mapping is the same IOVA onto the same page (seed 003)', () => {
  const doorbellPage = ITS_DOORBELL >> 12n;

  it('a second vector naming another IOVA for the same doorbell gets its own mapping there, on type1 (vfio_dma_do_map) and on iommufd (iopt_map_pages)', () => {
    for (const backend of ['type1', 'iommufd'] as const) {
      const s = setup(perVector, topo([{}]), [assign(0, backend), setIova(0, 0, 0x1000_0000n)]);
      const { state, results } = run(s, [setIova(0, 1, 0x2000_0000n)]);
      expect(results).toEqual([{ ok: true }]);
      if (backend === 'type1')
        expect(containerOf(state, 'userspace:0').dmas.map((d) => [d.iova, d.ppn])).toEqual([
          [0x1000_0000n, doorbellPage],
          [0x2000_0000n, doorbellPage],
        ]);
      else
        expect(
          ioasOf(state, ctxOf(state, 'userspace:0').ioas[0] ?? -1).areas.map((a) => [a.start, a.ppn]),
        ).toEqual([
          [0x1000_0000n, doorbellPage],
          [0x2000_0000n, doorbellPage],
        ]);
      expect(deviceDomain(state, 0).pages.get(0x2_0000n)?.ppn).toBe(doorbellPage);
    }
  });

  it('an IOVA the owner has already mapped to other memory is refused as any overlapping map is (-EEXIST), and the vector keeps no IOVA', () => {
    for (const backend of ['type1', 'iommufd'] as const) {
      const s = setup(perVector, topo([{}]), [assign(0, backend), map(0, 0x1000_0000n)]);
      const { state, results } = run(s, [setIova(0, 0, 0x1000_0000n)]);
      expect(results).toEqual([{ ok: false, errno: 'EEXIST' }]);
      expect(deviceOf(state, 0).userMsiIova).toEqual(new Map());
    }
  });

  it('the IOVAs belong to the owner that set them: forgotten when the group goes back to the host', () => {
    for (const backend of ['type1', 'iommufd'] as const) {
      const s = setup(perVector, topo([{}]), [assign(0, backend), setIova(0, 0, 0x1000_0000n)]);
      expect(deviceOf(s, 0).userMsiIova.size).toBe(1);
      const { state } = run(s, [{ op: 'vfio_group_release', group: 0 }]);
      expect(deviceOf(state, 0).userMsiIova).toEqual(new Map());
    }
  });
});
