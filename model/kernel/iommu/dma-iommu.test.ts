import { describe, expect, it } from 'vitest';
import { deliverFrom } from '../../platform/deliver.ts';
import { deviceDomain, domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import { ITS_DOORBELL, imsicPage, V2M_DOORBELL } from '../../platform/layout.ts';
import { IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_READ, IOMMU_WRITE, type State } from '../../platform/state.ts';
import { ctxOf } from '../iommufd/ctx.ts';
import { affinity, alloc, armIts, armV2m, assign, riscv, run, setup, topo } from '../testing.ts';
import { iommu_dma_prepare_msi } from './dma-iommu.ts';

const addrOf = (s: State, device: number, vector = 0): bigint | undefined =>
  irqOf(s, device, vector)?.msg.addr;

/** The interrupt outcome of device `device` writing its own programmed MSI of `vector`. */
const fire = (s: State, device: number, vector = 0) => {
  const q = irqOf(s, device, vector);
  if (q === undefined) throw new Error(`no irq for device ${device} vector ${vector}`);
  return deliverFrom(s, device, q.msg.addr, q.msg.data);
};

describe('iommu_dma_prepare_msi (drivers/iommu/iommu.c; docs/linux-policy.md#preparing-an-msi-doorbell; docs/invariants.md#identity-and-blocked-domains)', () => {
  it('an IDENTITY domain passes the physical doorbell through unchanged and maps nothing ("An IDENTITY domain must pass through")', () => {
    const s = setup(armIts(), topo([{}]), [alloc(0)]);
    expect(deviceDomain(s, 0).type).toBe('IDENTITY');
    expect(addrOf(s, 0)).toBe(ITS_DOORBELL);
    expect(ITS_DOORBELL).toBe(0x0809_0040n);
    expect(deviceDomain(s, 0).pages.size).toBe(0);
    const r = iommu_dma_prepare_msi(s, 0, V2M_DOORBELL);
    expect(r.ok && r.state === s).toBe(true);
    expect(r.ok && r.value).toEqual({ iova: 0n, shift: 0, addr: V2M_DOORBELL });
  });

  it('an UNMANAGED domain without a cookie is -EOPNOTSUPP: type1 with no SW_MSI region cannot allocate the assigned device vector (cookie_type NONE)', () => {
    const s = setup(armIts({ msiRegion: 'none', msiIova: 'cookie' }), topo([{}]), [assign(0, 'type1')]);
    expect(deviceDomain(s, 0)).toMatchObject({ type: 'UNMANAGED', cookie: { type: 'NONE' } });
    const { state, results } = run(s, [alloc(0)]);
    expect(results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
    expect(state.irqs).toEqual([]);
  });

  it('type1 with HW MSI and SW_MSI has no cookie, so the ITS vector is -EOPNOTSUPP (vfio_iommu_has_sw_msi false → no iommu_get_msi_cookie)', () => {
    const s = setup(armIts({ msiRegion: 'hw-msi-and-sw-msi' }), topo([{}]), [assign(0, 'type1')]);
    expect(run(s, [alloc(0)]).results).toEqual([{ ok: false, errno: 'EOPNOTSUPP' }]);
  });

  it('a VFIO MSI cookie maps the ITS doorbell page at the SW_MSI base and keeps the page offset (iommu_dma_sw_msi, msi_msg_set_addr)', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'type1'), alloc(0)]);
    expect(addrOf(s, 0)).toBe(0x800_0040n);
    // iommu_dma_get_msi_page maps with IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO.
    expect(deviceDomain(s, 0).pages.get(0x8000n)).toEqual({
      ppn: ITS_DOORBELL >> 12n,
      origin: 'msi',
      prot: IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
    });
    expect(fire(s, 0).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it('the VFIO MSI cookie is a bump allocator from 0x8000000, one 4K page per new doorbell page, reused for a known page (iommu_dma_get_msi_page, iommu_dma_alloc_iova)', () => {
    const design = riscv('prepare-msi', { msiRegion: 'sw-msi' });
    const s0 = setup(design, topo([{}], { harts: 3 }), [assign(0, 'type1', { unsafe: true }), alloc(0)]);
    expect(addrOf(s0, 0)).toBe(0x800_0000n);
    const s1 = run(s0, [affinity(0, 0, 2)]).state;
    expect(addrOf(s1, 0)).toBe(0x800_1000n);
    const s2 = run(s1, [affinity(0, 0, 1)]).state;
    expect(addrOf(s2, 0)).toBe(0x800_2000n);
    const s3 = run(s2, [affinity(0, 0, 0)]).state;
    expect(addrOf(s3, 0)).toBe(0x800_0000n);
    const pages = deviceDomain(s3, 0).pages;
    expect([0x8000n, 0x8001n, 0x8002n].map((p) => pages.get(p)?.ppn)).toEqual(
      [0, 2, 1].map((h) => imsicPage(3, h, 'S')),
    );
    expect(deviceDomain(s3, 0).cookie).toMatchObject({ type: 'DMA_MSI', next: 0x800_3000n });
  });

  it('two devices in one type1 container share the doorbell page IOVA (msi_page list is per domain cookie)', () => {
    const s = setup(armV2m(), topo([{}, {}]), [
      assign(0, 'type1', { unsafe: true }),
      assign(1, 'type1', { unsafe: true }),
      alloc(0),
      alloc(1),
    ]);
    expect(addrOf(s, 0)).toBe(0x800_0040n);
    expect(addrOf(s, 1)).toBe(0x800_0040n);
    expect(irqOf(s, 0, 0)?.msg.data).not.toBe(irqOf(s, 1, 0)?.msg.data);
  });

  it('a DMA_IOVA cookie (host DMA default domain) allocates MSI IOVAs top-down below 4 GiB (iommu_dma_alloc_iova, 32-bit first)', () => {
    const s = setup(armIts({ defaultDomain: 'dma' }), topo([{}]), [alloc(0)]);
    expect(deviceDomain(s, 0).cookie).toEqual({ type: 'DMA_IOVA' });
    expect(addrOf(s, 0)).toBe(0xffff_f040n);
    expect(fire(s, 0).attribution).toMatchObject({ kind: 'irq', owner: 'host' });
    const r = riscv('prepare-msi-all-imsics', { defaultDomain: 'dma' });
    const s2 = setup(r, topo([{}], { harts: 2 }), [alloc(0)]);
    expect(addrOf(s2, 0)).toBe(0xffff_f000n);
    const pages = deviceDomain(s2, 0).pages;
    expect(pages.get(0xf_ffffn)?.ppn).toBe(imsicPage(2, 0, 'S'));
    expect(pages.get(0xf_fffen)?.ppn).toBe(imsicPage(2, 1, 'S'));
  });

  it('iommufd: the IOVA is sw_msi_start + pgoff·4K with pgoff in first-use order per fd (iommufd_sw_msi, iommufd_sw_msi_get_map)', () => {
    const s0 = setup(riscv('prepare-msi'), topo([{}], { harts: 3 }), [
      assign(0, 'iommufd', { unsafe: true }),
      alloc(0),
    ]);
    expect(addrOf(s0, 0)).toBe(0x800_0000n);
    const s1 = run(s0, [affinity(0, 0, 2)]).state;
    expect(addrOf(s1, 0)).toBe(0x800_1000n);
    expect(ctxOf(s1, 'userspace:0').swMsi).toEqual([
      { start: 0x800_0000n, addr: imsicPage(3, 0, 'S') << 12n, pgoff: 0, id: 0 },
      { start: 0x800_0000n, addr: imsicPage(3, 2, 'S') << 12n, pgoff: 1, id: 1 },
    ]);
    // iommufd_sw_msi_install maps with IOMMU_WRITE | IOMMU_READ | IOMMU_MMIO.
    expect(deviceDomain(s1, 0).pages.get(0x8001n)).toEqual({
      ppn: imsicPage(3, 2, 'S'),
      origin: 'msi',
      prot: IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO,
    });
    expect(fire(s1, 0).attribution).toMatchObject({ kind: 'irq', owner: 'userspace:0' });
  });

  it('iommufd without a SW_MSI region leaves the message physical (iommufd_sw_msi: no sw_msi_start → msg unchanged, return 0)', () => {
    const s = setup(armIts({ msiRegion: 'none' }), topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    expect(addrOf(s, 0)).toBe(ITS_DOORBELL);
    expect(domainOf(s, groupOf(s, 0).domain).pages.size).toBe(0);
  });
});
