import { addDomain, deviceOf, domainOf, mapPage, setDevice, setDomain } from '../../platform/edit.ts';
import { imsicPage } from '../../platform/layout.ts';
import type { Cookie, Domain, DomainType, State } from '../../platform/state.ts';
import { pageOf } from '../../types/addr.ts';

/** iommu_is_dma_domain(): DMA and DMA_FQ domains (the model has no flush queue). */
export const isDmaDomain = (d: Domain): boolean => d.type === 'DMA';
/** A domain that translates (has page tables of its own). */
export const isPaging = (d: Domain): boolean =>
  d.type === 'DMA' || d.type === 'UNMANAGED' || d.type === 'NESTED';

/**
 * Allocates a domain. DMA domains get a DMA_IOVA cookie (iommu_get_dma_cookie in
 * iommu_setup_default_domain); UNMANAGED domains start with none; the stage of paging domains is
 * the driver's (policy.pagingStage).
 */
export const allocDomain = (s: State, type: DomainType, owner: string, cookie?: Cookie): [State, number] =>
  addDomain(s, {
    type,
    owner,
    stage: s.policy.pagingStage,
    pages: new Map(),
    cookie: cookie ?? (type === 'DMA' ? { type: 'DMA_IOVA' } : { type: 'NONE' }),
    msiPages: new Map(),
  });

/**
 * iommu_create_device_direct_mappings (drivers/iommu/iommu.c): a DIRECT region sets
 * require_direct; DIRECT and DIRECT_RELAXABLE regions are identity-mapped only in DMA domains.
 * With policy `dma-default-only` the flag is only recorded for DMA domains (before seed 001's patch).
 */
export const createDirectMappings = (s0: State, domainId: number, device: number): State => {
  let s = s0;
  const dev = deviceOf(s, device);
  const dma = isDmaDomain(domainOf(s, domainId));
  const hasDirect = dev.resv.some((r) => r.type === 'DIRECT');
  if (hasDirect && (s.policy.requiresDirect === 'always' || dma) && !dev.requireDirect) {
    s = setDevice(s, { ...dev, requireDirect: true });
  }
  if (!dma) return s;
  let d = domainOf(s, domainId);
  for (const r of dev.resv) {
    if (r.type !== 'DIRECT' && r.type !== 'DIRECT_RELAXABLE') continue;
    for (let p = pageOf(r.start); p < pageOf(r.start + r.length + 0xfffn); p++) {
      if (!d.pages.has(p)) d = mapPage(d, p, { ppn: p, origin: 'direct' });
    }
  }
  return setDomain(s, d);
};

/**
 * RFC v2 patch 05 (riscv_iommu_ir_map_imsics): a first-stage paging domain identity-maps every host
 * IMSIC S-file page so that MSI writes reach the MSI table, which is consulted after the first stage.
 */
export const mapImsicsIdentity = (s: State, domainId: number): State => {
  let d = domainOf(s, domainId);
  for (let h = 0; h < s.topology.harts; h++) {
    const p = imsicPage(s.topology.harts, h, 'S');
    if (!d.pages.has(p)) d = mapPage(d, p, { ppn: p, origin: 'imsic-identity' });
  }
  return setDomain(s, d);
};

/** The domain whose page table holds MSI pages for `domainId`: a NESTED domain's parent S2 (find_hwpt_paging). */
export const pagingDomainFor = (s: State, domainId: number): number =>
  domainOf(s, domainId).parent ?? domainId;

/** The SW_MSI base a device reports, if any. */
export const swMsiStart = (s: State, device: number): bigint | undefined =>
  deviceOf(s, device).resv.find((r) => r.type === 'SW_MSI')?.start;
