import { z } from 'zod';
import { PAGE_MASK, PAGE_SHIFT } from './addr.ts';

/**
 * An abstract page table: virtual page number → leaf entry. Real tables are radix trees; every
 * behaviour the model checks depends only on the leaf (simplification of the Privileged spec's
 * Sv* walk and the SMMU/VT-d table formats; their bit layouts are not modelled).
 */
export const PageEntrySchema = z.object({
  ppn: z.bigint().min(0n),
  r: z.boolean(),
  w: z.boolean(),
  x: z.boolean().default(false),
  /** RISC-V PTE.U; absent = 1. Device accesses are not privileged, so U = 0 faults (RISC-V IOMMU stages only). */
  u: z.boolean().optional(),
});
export type PageEntry = z.infer<typeof PageEntrySchema>;
export const PageMapSchema = z.map(z.bigint().min(0n), PageEntrySchema);
export type PageMap = z.infer<typeof PageMapSchema>;

export type Access = 'read' | 'write' | 'exec';

export type PageLookup = { kind: 'ok'; pa: bigint } | { kind: 'not-mapped' } | { kind: 'no-permission' };

/** Looks `addr` up in `map` for an access of kind `access`. */
export const lookupPage = (map: ReadonlyMap<bigint, PageEntry>, addr: bigint, access: Access): PageLookup => {
  const e = map.get(addr >> PAGE_SHIFT);
  if (e === undefined) return { kind: 'not-mapped' };
  const allowed = access === 'read' ? e.r : access === 'write' ? e.w : e.x;
  if (!allowed) return { kind: 'no-permission' };
  return { kind: 'ok', pa: (e.ppn << PAGE_SHIFT) | (addr & PAGE_MASK) };
};

/** Read-write, non-executable leaf for page `ppn`. */
export const rw = (ppn: bigint): PageEntry => ({ ppn, r: true, w: true, x: false });
