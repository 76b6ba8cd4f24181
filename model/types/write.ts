import { z } from 'zod';
import type { Access } from './page-map.ts';

/** Largest RISC-V IOMMU device_id (IOMMU spec: device_id is up to 24 bits, DDI[2] = device_id[23:15]). */
export const MAX_DEVICE_ID = 0xff_ffff;
/** Largest PCI requester id (bus << 8 | dev << 3 | fn). */
export const MAX_PCI_RID = 0xffff;

/**
 * One transaction issued by a device. `rid` is the requester identity the fabric stamps on it: the
 * PCI requester id (16 bits, bus << 8 | dev << 3 | fn) on PCI architectures, or the RISC-V IOMMU
 * `device_id` (up to 24 bits). The device cannot choose it. `addr` and `data` are device-chosen.
 * Absent `access` and `translated` mean an untranslated write, the MSI case.
 */
export const WriteSchema = z.object({
  rid: z.number().int().min(0).max(MAX_DEVICE_ID),
  addr: z
    .bigint()
    .min(0n)
    .max((1n << 64n) - 1n),
  /** The first four bytes as a little-endian reader sees them; bytes beyond the fourth are zero. */
  data: z.number().int().min(0).max(0xffffffff),
  /** Bytes transferred; MSIs are 4 (AIA, MSI encoding). A PCIe request may carry more (16 for a 4-DW write). */
  size: z.number().int().min(1).max(4096).default(4),
  /** PASID / process id, when the transaction carries one. */
  pid: z.number().int().min(0).optional(),
  /** Read, write, or read-for-execute (`exec`); absent = write. */
  access: z.enum(['read', 'write', 'exec']).optional(),
  /** A PCIe ATS Translated request (the address was translated beforehand); absent = untranslated. */
  translated: z.boolean().optional(),
});
export type Write = z.infer<typeof WriteSchema>;

/** Builds a 4-byte write without a PASID (the common case). */
export const write32 = (rid: number, addr: bigint, data: number): Write => ({ rid, addr, data, size: 4 });

/** The access type of `w` (absent = write). */
export const accessOf = (w: Write): Access => w.access ?? 'write';

/** True for an ATS Translated request. */
export const isTranslated = (w: Write): boolean => w.translated === true;
