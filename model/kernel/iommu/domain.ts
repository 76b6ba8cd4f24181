import { addDomain, deviceOf, domainOf, mapPage, setDevice, setDomain } from '../../platform/edit.ts';
import { imsicPage } from '../../platform/layout.ts';
import {
  type Cookie,
  type Domain,
  type DomainType,
  IOMMU_READ,
  IOMMU_WRITE,
  type State,
} from '../../platform/state.ts';
import { alignUp, type Range } from '../interval.ts';
import { initialMsiTable } from './msi-table.ts';
import { iommu_map } from './pgtable.ts';

/** iommu_is_dma_domain(): DMA and DMA_FQ domains (the model has no flush queue). */
export const isDmaDomain = (d: Domain): boolean => d.type === 'DMA';
/** A domain that translates (has page tables of its own). */
export const isPaging = (d: Domain): boolean =>
  d.type === 'DMA' || d.type === 'UNMANAGED' || d.type === 'NESTED';

/** Geometry the platform IOMMU drivers give a paging domain unless a case fixes it: 48-bit, 4 KiB pages. */
export const DEFAULT_APERTURE: Range = { start: 0n, last: 0xffff_ffff_ffffn };
export const DEFAULT_PGSIZE = 0x1000n;
/** mock_domain_alloc_pgtable (drivers/iommu/iommufd/iommufd_test.h): MOCK_APERTURE_START/LAST, MOCK_PAGE_SIZE. */
export const MOCK_APERTURE: Range = { start: 1n << 24n, last: (1n << 31n) - 1n };
export const MOCK_PAGE_SIZE = 0x800n;

export interface DomainOpts {
  readonly cookie?: Cookie;
  readonly driver?: Domain['driver'];
}

/**
 * Allocates a domain. DMA domains get a DMA_IOVA cookie (iommu_get_dma_cookie in
 * iommu_setup_default_domain); UNMANAGED domains start with none; the stage of paging domains is
 * the driver's (policy.pagingStage). Paging domains take the case's geometry, else the driver's.
 */
export const allocDomain = (
  s: State,
  type: DomainType,
  owner: string,
  cookie?: Cookie,
  opts: DomainOpts = {},
): [State, number] => {
  const driver = opts.driver ?? 'iommu';
  const mock = driver === 'mock';
  return addDomain(s, {
    type,
    owner,
    stage: s.policy.pagingStage,
    pages: new Map(),
    cookie: cookie ?? opts.cookie ?? (type === 'DMA' ? { type: 'DMA_IOVA' } : { type: 'NONE' }),
    msiPages: new Map(),
    msiTable: initialMsiTable(s, owner),
    aperture: s.geometry?.aperture ?? (mock ? MOCK_APERTURE : DEFAULT_APERTURE),
    pgsize: s.geometry?.pgsize ?? (mock ? MOCK_PAGE_SIZE : DEFAULT_PGSIZE),
    driver,
  });
};

/** Prot of a firmware direct mapping (RMRR / IVMD / IORT RMR without attributes): IOMMU_READ | IOMMU_WRITE. */
const DIRECT_PROT = IOMMU_READ | IOMMU_WRITE;

/**
 * iommu_create_device_direct_mappings (drivers/iommu/iommu.c): a DIRECT region sets
 * require_direct; DIRECT and DIRECT_RELAXABLE regions are identity-mapped only in DMA domains, from
 * ALIGN(start, pg_size) up to ALIGN(start + length, pg_size) — both ends rounded up — skipping pages
 * that are already mapped and mapping each run of unmapped pages with one iommu_map. With policy
 * `dma-default-only` the flag is only recorded for DMA domains (before seed 001's patch).
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
  const pg = domainOf(s, domainId).pgsize;
  for (const r of dev.resv) {
    if (r.type !== 'DIRECT' && r.type !== 'DIRECT_RELAXABLE') continue;
    const start = alignUp(r.start, pg);
    const end = alignUp(r.start + r.length, pg);
    let run = 0n;
    for (let addr = start; addr <= end; addr += pg) {
      // Stryker disable next-line EqualityOperator,ConditionalExpression: `mapped` is only read under addr < end; (0 ? 1 : 0) >> 12 is 0 either way
      const mapped = addr < end && domainOf(s, domainId).pages.has((addr === 0n ? 1n : addr) >> 12n);
      if (addr < end && !mapped) {
        run += pg;
        continue;
      }
      // Stryker disable next-line EqualityOperator,ConditionalExpression: iommu_map of size 0 fails -EINVAL with the state unchanged
      if (run > 0n) {
        const r2 = iommu_map(s, domainId, addr - run, addr - run, run, DIRECT_PROT, 'direct');
        s = r2.state;
        run = 0n;
      }
    }
  }
  return s;
};

/**
 * RFC v2 patch 05 (riscv_iommu_ir_map_imsics): a first-stage paging domain identity-maps every host
 * IMSIC S-file page so that MSI writes reach the MSI table, which is consulted after the first stage.
 */
export const mapImsicsIdentity = (s: State, domainId: number): State => {
  let d = domainOf(s, domainId);
  for (let h = 0; h < s.topology.harts; h++) {
    // Stryker disable next-line StringLiteral: imsicFileAddr reads '' like 'S' (BigInt('') is 0n), same page
    const p = imsicPage(s.topology.harts, h, 'S');
    if (!d.pages.has(p)) d = mapPage(d, p, { ppn: p, origin: 'imsic-identity', prot: DIRECT_PROT });
  }
  return setDomain(s, d);
};

/** The domain whose page table holds MSI pages for `domainId`: a NESTED domain's parent S2 (find_hwpt_paging). */
export const pagingDomainFor = (s: State, domainId: number): number =>
  domainOf(s, domainId).parent ?? domainId;
