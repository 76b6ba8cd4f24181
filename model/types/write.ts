import { z } from 'zod';

/**
 * One posted memory write issued by a device. `rid` is the requester id the fabric stamps on the
 * transaction (PCI BDF): the device cannot choose it. `addr` and `data` are fully device-chosen.
 */
export const WriteSchema = z.object({
  rid: z.number().int().min(0).max(0xffff),
  addr: z
    .bigint()
    .min(0n)
    .max((1n << 64n) - 1n),
  data: z.number().int().min(0).max(0xffffffff),
  /** Access size in bytes; MSIs are 4 (AIA, MSI encoding). */
  size: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).default(4),
  /** PASID / process id, when the transaction carries one. */
  pid: z.number().int().min(0).optional(),
});
export type Write = z.infer<typeof WriteSchema>;

/** Builds a 4-byte write without a PASID (the common case). */
export const write32 = (rid: number, addr: bigint, data: number): Write => ({ rid, addr, data, size: 4 });
