import { domainOf, emit, setDomain } from '../../platform/edit.ts';
import type { MapOrigin, Mapping, State } from '../../platform/state.ts';
import { done, fail, type Res } from '../errno.ts';

/**
 * The page table of a domain as iommu_map / iommu_unmap see it (drivers/iommu/iommu.c, io-pgtable).
 * Simplification: the model keeps page tables at 4 KiB granularity; a mapping smaller than 4 KiB
 * (the selftest mock's 2 KiB pages) occupies its whole 4 KiB page.
 */

/** The 4 KiB pages [iova, iova + size) covers. */
const pagesOf = (iova: bigint, size: bigint): [bigint, bigint] => [
  iova >> 12n,
  (iova + size + 0xfffn) >> 12n,
];

/** Whether any page of [iova, iova + size) is mapped in domain `domainId`. */
export const anyMapped = (s: State, domainId: number, iova: bigint, size: bigint): boolean => {
  const pages = domainOf(s, domainId).pages;
  const [lo, hi] = pagesOf(iova, size);
  for (let p = lo; p < hi; p++) if (pages.has(p)) return true;
  return false;
};

/**
 * iommu_map(domain, iova, paddr, size, prot): -EINVAL unless iova, paddr and size are aligned to
 * the domain's smallest page size; -EEXIST when any page of the range is already mapped (the page
 * table refuses to replace a live entry); otherwise every page is mapped and the call is recorded.
 */
export const iommu_map = (
  s: State,
  domainId: number,
  iova: bigint,
  phys: bigint,
  size: bigint,
  prot: number,
  origin: MapOrigin,
): Res => {
  const d = domainOf(s, domainId);
  const mask = d.pgsize - 1n;
  if (size === 0n || ((iova | phys | size) & mask) !== 0n) return fail(s, 'EINVAL');
  if (anyMapped(s, domainId, iova, size)) return fail(s, 'EEXIST');
  const pages = new Map(d.pages);
  const [lo, hi] = pagesOf(iova, size);
  for (let p = lo; p < hi; p++) {
    const m: Mapping = { ppn: (phys >> 12n) + (p - lo), origin, prot };
    pages.set(p, m);
  }
  const next = setDomain(s, { ...d, pages });
  return done(emit(next, { kind: 'map', domain: domainId, iova, phys, size, prot }), undefined);
};

/** iommu_unmap: drops every page of [iova, iova + size) from the domain. */
export const iommu_unmap = (s: State, domainId: number, iova: bigint, size: bigint): State => {
  const d = domainOf(s, domainId);
  const pages = new Map(d.pages);
  const [lo, hi] = pagesOf(iova, size);
  for (let p = lo; p < hi; p++) pages.delete(p);
  return setDomain(s, { ...d, pages });
};
