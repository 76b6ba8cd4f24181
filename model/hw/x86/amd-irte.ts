import { bit, bits } from '../../types/addr.ts';
import type { AmdIrte } from './amd-ir.ts';

/** IRTE fields by their AMD-Vi names (absent = 0). */
export interface AmdIrteFields {
  readonly RemapEn: boolean;
  readonly SupIOPF?: boolean | undefined;
  readonly IntType?: number | undefined;
  readonly RqEoi?: boolean | undefined;
  readonly DM?: boolean | undefined;
  readonly GuestMode?: boolean | undefined;
  readonly Destination?: number | undefined;
  readonly Vector?: number | undefined;
}

const b = (v: number | boolean | undefined, at: number): bigint => BigInt(Number(v ?? 0)) << BigInt(at);

/**
 * An IRTE as it sits in the interrupt remapping table: 32 bits in legacy mode (QEMU
 * hw/i386/amd_iommu.h union irte: valid 0, no_fault 1, int_type 4:2, rq_eoi 5, dm 6, guest_mode 7,
 * destination 15:8, vector 23:16), 128 bits in guest-virtual-APIC mode (struct irte_ga: lo has the
 * same low byte and destination 31:8, hi has vector in bits 71:64 and destination_hi in 127:120).
 */
export const encodeAmdIrte = (f: AmdIrteFields, ga: boolean): bigint => {
  const low =
    b(f.RemapEn, 0) | b(f.SupIOPF, 1) | b(f.IntType, 2) | b(f.RqEoi, 5) | b(f.DM, 6) | b(f.GuestMode, 7);
  return ga ? low | b(f.Destination, 8) | b(f.Vector, 64) : low | b(f.Destination, 8) | b(f.Vector, 16);
};

/**
 * Reads an IRTE in the layout the unit's mode selects (QEMU amdvi_get_irte: offset index << 2, or
 * amdvi_get_irte_ga: index << 4). Without XTSup the GA destination is its low 8 bits
 * (amdvi_int_remap_ga).
 */
export const decodeAmdIrte = (raw: bigint, ga: boolean): AmdIrte => ({
  remapEn: bit(raw, 0),
  supIOPF: bit(raw, 1),
  intType: Number(bits(raw, 4, 2)),
  rqEoi: bit(raw, 5),
  dm: bit(raw, 6),
  guestMode: bit(raw, 7),
  destination: Number(bits(raw, 15, 8)),
  vector: Number(ga ? bits(raw, 71, 64) : bits(raw, 23, 16)),
});
