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

/**
 * Looks `addr` up in `map` for an access of kind `access`. Every R/W/X combination is a valid leaf
 * here: Arm VMSAv8-64 stage 2 encodes all four S2AP values, stage 1 has no write-only encoding to
 * reserve (Linux drivers/iommu/io-pgtable-arm.c arm_lpae_prot_to_pte: HAP_READ/HAP_WRITE, AP_RDONLY),
 * and VT-d second-level R and W are independent (QEMU hw/i386/intel_iommu.c vtd_iova_to_slpte checks
 * only the requested bit; Linux commit eea53c5816889ee8 notes that second level allows write-only).
 * RISC-V page tables reserve some combinations: use lookupRiscvPage.
 */
export const lookupPage = (map: ReadonlyMap<bigint, PageEntry>, addr: bigint, access: Access): PageLookup => {
  const e = map.get(addr >> PAGE_SHIFT);
  if (e === undefined) return { kind: 'not-mapped' };
  const allowed = access === 'read' ? e.r : access === 'write' ? e.w : e.x;
  if (!allowed) return { kind: 'no-permission' };
  return { kind: 'ok', pa: (e.ppn << PAGE_SHIFT) | (addr & PAGE_MASK) };
};

/**
 * RISC-V leaf encodings that are reserved (Privileged spec, src/priv/supervisor.adoc [[pteperm]]
 * "Encoding of PTE R/W/X fields": "Writable pages must also be marked readable; the contrary
 * combinations are reserved"): XWR = 010 and 110, i.e. W without R, with X either way, in
 * first-stage (Sv*) and G-stage (Sv*x4) tables alike. XWR = 010 stays reserved for I/O even where
 * Zicfiss makes it a shadow-stack page (IOMMU spec [[P2IOVA]], closing paragraph). XWR = 000 is the
 * non-leaf pointer; in a leaf-only map it is a pointer past the last level, a page fault of the
 * access type as well ([[sv32algorithm]] step 4, i < 0), which the permission check already gives.
 * Simplification: the other reserved bits (D, A, U of a non-leaf PTE, PBMT = 3, N without Svnapot,
 * bits 60:54) have no place in a leaf-only page map.
 */
const riscvReservedLeaf = (e: PageEntry): boolean => e.w && !e.r;

export type RiscvPageLookup = PageLookup | { kind: 'reserved-encoding' };

/**
 * Leaf lookup of a RISC-V walk: a reserved encoding faults for every access type, before the
 * permission check (src/priv/supervisor.adoc [[sv32algorithm]] step 3: "If pte.v=0, or if pte.r=0
 * and pte.w=1, ... stop and raise a page-fault exception corresponding to the original access
 * type"). For the G-stage the caller raises a guest-page fault instead (src/priv/hypervisor.adoc
 * [[norm:H_vm_gpatrans]]).
 */
export const lookupRiscvPage = (
  map: ReadonlyMap<bigint, PageEntry>,
  addr: bigint,
  access: Access,
): RiscvPageLookup => {
  const e = map.get(addr >> PAGE_SHIFT);
  if (e !== undefined && riscvReservedLeaf(e)) return { kind: 'reserved-encoding' };
  return lookupPage(map, addr, access);
};

/** Read-write, non-executable leaf for page `ppn`. */
export const rw = (ppn: bigint): PageEntry => ({ ppn, r: true, w: true, x: false });
