import { describe, expect, it } from 'vitest';
import { deviceDomain, groupOf } from '../../platform/edit.ts';
import { ITS_DOORBELL, X86_MSI_BASE } from '../../platform/layout.ts';
import { IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_WRITE } from '../../platform/state.ts';
import { armIts, assign, map, setup, topo, x86 } from '../testing.ts';
import { iommu_dma_prepare_msi, iommu_get_msi_cookie, msi_msg_set_addr } from './dma-iommu.ts';

describe('msi_msg_set_addr (include/linux/msi.h msi_msg_set_addr)', () => {
  it('iommu_msi_shift 0: the physical doorbell, whatever the stored IOVA', () => {
    expect(msi_msg_set_addr({ iova: 0x0800_0000n, shift: 0 }, 0x0809_0040n)).toBe(0x0809_0040n);
  });

  it('shift 12: the IOVA page with the doorbell offset within it (msi_addr & ((1 << shift) - 1)); bit 11 from the doorbell, bit 12 from the IOVA', () => {
    expect(msi_msg_set_addr({ iova: 0x0800_0000n, shift: 12 }, 0x0809_0040n)).toBe(0x0800_0040n);
    expect(msi_msg_set_addr({ iova: 0x0800_0000n, shift: 12 }, 0x0809_0fffn)).toBe(0x0800_0fffn);
    expect(msi_msg_set_addr({ iova: 0x0800_0000n, shift: 12 }, 0x0809_1000n)).toBe(0x0800_0000n);
  });

  it('shift 16: a 64 KiB granule keeps 16 offset bits of the doorbell (bit 15 kept, bit 16 from the IOVA)', () => {
    expect(msi_msg_set_addr({ iova: 0x0800_0000n, shift: 16 }, 0x0809_8040n)).toBe(0x0800_8040n);
    expect(msi_msg_set_addr({ iova: 0x0800_0000n, shift: 16 }, 0x0809_0040n)).toBe(0x0800_0040n);
    expect(msi_msg_set_addr({ iova: 0x0801_0000n, shift: 16 }, 0x0809_0040n)).toBe(0x0801_0040n);
  });
});

describe('iommu_get_msi_cookie (drivers/iommu/dma-iommu.c iommu_get_msi_cookie)', () => {
  it('a non-UNMANAGED (IDENTITY) domain is -EINVAL and nothing changes', () => {
    const s = setup(armIts(), topo([{}]));
    const id = groupOf(s, 0).domain;
    expect(iommu_get_msi_cookie(s, id, 0x0800_0000n)).toEqual({ ok: false, errno: 'EINVAL', state: s });
  });

  it('a DMA domain (IOMMU_DOMAIN_DMA, cookie_type DMA_IOVA) is -EINVAL: the type check comes before the cookie check', () => {
    const s = setup(x86('none', { defaultDomain: 'dma' }), topo([{}]));
    expect(deviceDomain(s, 0).type).toBe('DMA');
    const id = groupOf(s, 0).domain;
    expect(iommu_get_msi_cookie(s, id, 0x0800_0000n)).toEqual({ ok: false, errno: 'EINVAL', state: s });
  });

  it('an UNMANAGED domain that already has a cookie (VFIO type1 set one at the SW_MSI base) is -EEXIST', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'type1')]);
    expect(deviceDomain(s, 0).cookie.type).toBe('DMA_MSI');
    const id = groupOf(s, 0).domain;
    expect(iommu_get_msi_cookie(s, id, 0x0900_0000n)).toEqual({ ok: false, errno: 'EEXIST', state: s });
  });

  it('an UNMANAGED domain with cookie_type NONE gets an MSI cookie whose allocator starts at base (cookie->msi_iova = base)', () => {
    const s = setup(armIts({ msiRegion: 'none', msiIova: 'cookie' }), topo([{}]), [assign(0, 'type1')]);
    const before = deviceDomain(s, 0);
    expect(before).toMatchObject({ type: 'UNMANAGED', cookie: { type: 'NONE' } });
    const r = iommu_get_msi_cookie(s, before.id, 0x0900_0000n);
    expect(r.ok).toBe(true);
    expect(deviceDomain(r.state, 0)).toEqual({
      ...before,
      cookie: { type: 'DMA_MSI', base: 0x0900_0000n, next: 0x0900_0000n },
    });
  });
});

describe('iommu_dma_get_msi_page (drivers/iommu/dma-iommu.c) on cookies the other tests do not reach', () => {
  it('DMA_IOVA and a doorbell inside an IOMMU_RESV_MSI region: the msi page cookie_init_hw_msi_region made, iova == phys, nothing mapped', () => {
    const s = setup(x86('none', { defaultDomain: 'dma' }), topo([{}]));
    const before = deviceDomain(s, 0);
    expect(before.cookie).toEqual({ type: 'DMA_IOVA' });
    expect(s.devices[0]?.resv).toEqual([{ start: X86_MSI_BASE, length: 0x10_0000n, type: 'MSI' }]);
    const doorbell = X86_MSI_BASE + 0x0000_1004n;
    const r = iommu_dma_prepare_msi(s, 0, doorbell);
    // iommu_dma_sw_msi: msi_desc_set_iommu_msi_iova(desc, msi_page->iova, ilog2(cookie_msi_granule)).
    expect(r.ok && r.value).toEqual({ iova: X86_MSI_BASE + 0x1000n, shift: 12, addr: doorbell });
    const after = deviceDomain(r.state, 0);
    expect(after).toEqual({
      ...before,
      msiPages: new Map([[(X86_MSI_BASE + 0x1000n) >> 12n, (X86_MSI_BASE + 0x1000n) >> 12n]]),
    });
    expect(after.pages.size).toBe(0);
  });

  it('the same doorbell granule again reuses the msi page (list_for_each_entry … msi_page->phys == msi_addr): same IOVA, no new state', () => {
    const s = setup(x86('none', { defaultDomain: 'dma' }), topo([{}]));
    const r1 = iommu_dma_prepare_msi(s, 0, X86_MSI_BASE);
    if (!r1.ok) throw new Error(r1.errno);
    const r2 = iommu_dma_prepare_msi(r1.state, 0, X86_MSI_BASE + 0xffcn);
    expect(r2.ok && r2.state).toBe(r1.state);
    expect(r2.ok && r2.value).toEqual({ iova: X86_MSI_BASE, shift: 12, addr: X86_MSI_BASE + 0xffcn });
  });

  it('MIXED (seed 004_1adf62605f63b2ac.txt, IOMMU_DOMAIN_MIXED): the lowest hole above IOVA page 0 that no user mapping holds, mapped WRITE|NOEXEC|MMIO', () => {
    const s = setup(armIts({ msiIova: 'holes' }), topo([{}]), [assign(0, 'type1'), map(0, 0x1000n)]);
    const before = deviceDomain(s, 0);
    expect(before.cookie).toEqual({ type: 'MIXED' });
    const r = iommu_dma_prepare_msi(s, 0, ITS_DOORBELL);
    expect(r.ok && r.value).toEqual({ iova: 0x2000n, shift: 12, addr: 0x2040n });
    const after = deviceDomain(r.state, 0);
    expect(after.pages.get(2n)).toEqual({
      ppn: ITS_DOORBELL >> 12n,
      origin: 'msi',
      prot: IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
    });
    expect(after.pages.size).toBe(before.pages.size + 1);
    expect(after.msiPages).toEqual(new Map([[ITS_DOORBELL >> 12n, 2n]]));
    expect(after.cookie).toEqual({ type: 'MIXED' });
  });

  it('MIXED with no user mapping: IOVA page 1 (the allocator never returns IOVA 0)', () => {
    const s = setup(armIts({ msiIova: 'holes' }), topo([{}]), [assign(0, 'type1')]);
    const r = iommu_dma_prepare_msi(s, 0, ITS_DOORBELL);
    expect(r.ok && r.value).toEqual({ iova: 0x1000n, shift: 12, addr: 0x1040n });
  });
});
