import { z } from 'zod';
import { hex, PAGE_SHIFT } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import { dropped, type Outcome } from '../../types/outcome.ts';
import type { Access } from '../../types/page-map.ts';

/**
 * RISC-V AIA IMSIC: one per hart, an M-level file, an S-level file and GEILEN guest files, each a
 * 4 KiB page holding only seteipnum_le (0x0) and seteipnum_be (0x4). Layout per AIA
 * "IMSIC system memory regions" (docs/hardware.md#imsic-address-layout):
 *   M files:       g·2^E + A + h·2^C
 *   S/guest files: g·2^E + B + h·2^D + i·2^12   (i = 0 is the S file, 1..GEILEN guest files)
 */
const IdsSchema = z
  .number()
  .int()
  .min(63)
  .max(2047)
  .refine((n) => (n & 63) === 63, { message: 'identities per file must be 64·m − 1 (AIA §IMSIC files)' });

export const ImsicHartSchema = z.object({
  group: z.number().int().min(0),
  hart: z.number().int().min(0),
  /** Implemented identities 1..N of the M, S and guest files (all guest files of a hart share N). */
  mIds: IdsSchema,
  sIds: IdsSchema,
  guestIds: IdsSchema,
  /** Number of guest interrupt files (GEILEN ≤ 63 on RV64). */
  geilen: z.number().int().min(0).max(63),
});
export type ImsicHart = z.infer<typeof ImsicHartSchema>;

export const ImsicConfigSchema = z.object({
  /** A: base of the M-level region. */
  mBase: z.bigint().min(0n),
  /** B: base of the S/guest region. */
  sBase: z.bigint().min(0n),
  /** C (≥ 12): log2 of the per-hart stride of M files. */
  mHartShift: z.number().int().min(12).max(40),
  /** guest index bits: D = 12 + guestIndexBits is the per-hart stride of S/guest files. */
  guestIndexBits: z.number().int().min(0).max(40),
  /** k: hart index bits. */
  hartIndexBits: z.number().int().min(0).max(15),
  /** j: group index bits, at E = groupIndexShift. */
  groupIndexBits: z.number().int().min(0).max(7),
  groupIndexShift: z.number().int().min(24).max(55),
  /** Whether seteipnum_be is implemented (little-endian-only systems ignore it). */
  beMsi: z.boolean(),
  harts: z.array(ImsicHartSchema).min(1),
  /**
   * Number of hart groups (group numbers 0 … groups − 1). An address whose group field names a
   * larger group is outside the IMSIC regions. Absent: every 2^j group exists.
   */
  groups: z.number().int().min(1).optional(),
});
export type ImsicConfig = z.infer<typeof ImsicConfigSchema>;

export type ImsicFile = 'M' | 'S' | `G${number}`;

const SETEIPNUM_LE = 0x0n;
const SETEIPNUM_BE = 0x4n;
const REF_REGION = 'RISC-V AIA 1.0 (20250312), IMSIC memory region of an interrupt file [[IMSIC-memRegion]]';
const REF_LAYOUT =
  'RISC-V AIA 1.0 (20250312), IMSIC system memory regions [[IMSIC-systemMemRegions]] (docs/hardware.md#imsic-address-layout)';

const mask = (n: number): bigint => (1n << BigInt(n)) - 1n;

export const bswap32 = (x: number): number =>
  (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

const sStride = (c: ImsicConfig): number => 12 + c.guestIndexBits;

/** Physical address of the interrupt file `file` of hart (group, hart). */
export const imsicFileAddr = (c: ImsicConfig, group: number, hart: number, file: ImsicFile): bigint => {
  const g = BigInt(group) << BigInt(c.groupIndexShift);
  if (file === 'M') return g | c.mBase | (BigInt(hart) << BigInt(c.mHartShift));
  const i = file === 'S' ? 0n : BigInt(file.slice(1));
  return g | c.sBase | (BigInt(hart) << BigInt(sStride(c))) | (i << PAGE_SHIFT);
};

export const findHart = (c: ImsicConfig, group: number, hart: number): ImsicHart | undefined =>
  c.harts.find((h) => h.group === group && h.hart === hart);

/** Implemented identities of `file` on hart `h`. */
export const fileIds = (h: ImsicHart, file: ImsicFile): number =>
  file === 'M' ? h.mIds : file === 'S' ? h.sIds : h.guestIds;

/** The hart id string used as an interrupt target: "group.hart". */
export const hartTarget = (group: number, hart: number): string => `${group}.${hart}`;

interface Located {
  region: 'M' | 'SG';
  group: number;
  hart: number;
  /** Page index within the hart's block: 0 for the M/S file, 1.. for guests or unused M pages. */
  page: number;
}

/** Which region/hart/page a PA falls in, or undefined if it is outside both IMSIC regions. */
const locate = (c: ImsicConfig, pa: bigint): Located | undefined => {
  const groupField = mask(c.groupIndexBits) << BigInt(c.groupIndexShift);
  const group = Number((pa & groupField) >> BigInt(c.groupIndexShift));
  if (c.groups !== undefined && group >= c.groups) return undefined;
  const rest = pa & ~groupField;
  const regions = [
    { region: 'M' as const, base: c.mBase, stride: c.mHartShift },
    { region: 'SG' as const, base: c.sBase, stride: sStride(c) },
  ];
  for (const r of regions) {
    const span = BigInt(c.hartIndexBits + r.stride);
    if ((rest & ~mask(Number(span))) !== r.base) continue;
    return {
      region: r.region,
      group,
      hart: Number((rest >> BigInt(r.stride)) & mask(c.hartIndexBits)),
      page: Number((rest >> PAGE_SHIFT) & mask(r.stride - 12)),
    };
  }
  return undefined;
};

/**
 * What an access of `data` at physical address `pa` does to the IMSICs, or undefined when `pa` is
 * in neither IMSIC region (then it is ordinary memory). The IMSIC never looks at who wrote: there
 * is no requester input (AIA, MSI encoding). Reads (and reads for execute) return zero and change
 * nothing (AIA, memory region of an interrupt file).
 */
export const imsicWrite = (
  c: ImsicConfig,
  pa: bigint,
  data: number,
  size: number,
  trace: Trace,
  access: Access = 'write',
): Outcome | undefined => {
  const at = locate(c, pa);
  if (at === undefined) return undefined;
  const h = findHart(c, at.group, at.hart);
  // 1. Unused pages of a group's range are read-only zero: writes are ignored.
  if (h === undefined || (at.region === 'M' && at.page !== 0) || (at.region === 'SG' && at.page > h.geilen)) {
    hop(trace, {
      block: 'imsic',
      step: 'read-only-zero-page',
      ref: REF_LAYOUT,
      facts: { pa: hex(pa), group: at.group, hart: at.hart, page: at.page },
    });
    return dropped('imsic-read-only-zero-page');
  }
  const file: ImsicFile = at.region === 'M' ? 'M' : at.page === 0 ? 'S' : `G${at.page}`;
  const target = hartTarget(at.group, at.hart);
  if (access !== 'write') {
    hop(trace, { block: 'imsic', step: 'read-zero', ref: REF_REGION, facts: { target, file, access } });
    return dropped('imsic-read-zero');
  }
  // 2. Only naturally aligned 32-bit accesses are supported; others are ignored.
  if (size !== 4) {
    hop(trace, {
      block: 'imsic',
      step: 'unsupported-access',
      ref: REF_REGION,
      facts: { target, file, size },
    });
    return dropped('imsic-unsupported-access');
  }
  // 3. seteipnum_le at 0x0 takes the identity as written; seteipnum_be at 0x4 byte-swapped, if implemented.
  const off = pa & 0xfffn;
  const id = off === SETEIPNUM_LE ? data : off === SETEIPNUM_BE && c.beMsi ? bswap32(data) : undefined;
  if (id === undefined) {
    hop(trace, {
      block: 'imsic',
      step: 'not-seteipnum',
      ref: REF_REGION,
      facts: { target, file, offset: hex(off) },
    });
    return dropped('imsic-not-seteipnum');
  }
  // 4. An implemented identity 1..N becomes pending; any other value is ignored without error.
  const n = fileIds(h, file);
  if (id < 1 || id > n) {
    hop(trace, {
      block: 'imsic',
      step: 'unimplemented-identity',
      ref: REF_REGION,
      facts: { target, file, identity: id, n },
    });
    return dropped('imsic-unimplemented-identity');
  }
  hop(trace, {
    block: 'imsic',
    step: 'seteipnum',
    ref: REF_REGION,
    facts: { target, file, identity: id, n },
  });
  return { kind: 'interrupt', controller: 'imsic', target, file, identity: id };
};
