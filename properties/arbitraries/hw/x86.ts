import fc from 'fast-check';
import type { AmdIrte, Dte } from '../../../model/hw/x86/amd-ir.ts';
import type { DmaDomain } from '../../../model/hw/x86/dma.ts';
import type { X86Platform } from '../../../model/hw/x86/index.ts';
import type { Irte, VtdIrConfig } from '../../../model/hw/x86/vtd-ir.ts';
import { MSI_WINDOW_START } from '../../../model/hw/x86/window.ts';
import type { PageEntry } from '../../../model/types/page-map.ts';
import type { Write } from '../../../model/types/write.ts';

/**
 * Random x86 platforms and device writes. Requester ids, IRT indices and page numbers are drawn
 * from small pools most of the time so that writes hit configured entries, and addresses land in
 * the 0xFEE window (both interrupt formats) with high probability.
 */

/** A few requester ids sharing buses/functions (so SQ masks and bus ranges matter), plus any. */
const RID_POOL = [0x0000, 0x0008, 0x0100, 0x0101, 0x0104, 0x0108, 0x0200, 0x0300, 0xffff] as const;
export const arbRid: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(...RID_POOL), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 1 },
);

const arbU8 = fc.integer({ min: 0, max: 0xff });
const arbTwoBits = fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const);
/** IRT indices: mostly small, sometimes anywhere in the 16-bit handle space. */
const arbIndex = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 1 },
);

export const arbIrte: fc.Arbitrary<Irte> = fc
  .record({
    present: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.boolean(), weight: 1 }),
    fpd: fc.boolean(),
    vector: arbU8,
    dest: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff })),
    svt: arbTwoBits,
    sq: arbTwoBits,
    sid: fc.oneof(fc.constantFrom(...RID_POOL), fc.integer({ min: 0, max: 0xffff })),
    reservedSet: fc.oneof(
      { arbitrary: fc.constant(false), weight: 4 },
      { arbitrary: fc.boolean(), weight: 1 },
    ),
    posted: fc.option(fc.record({ pda: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), vvector: arbU8 })),
    /** Remapped format's DLM (VT-d 9.10), mostly fixed as Linux prepare_irte writes it. */
    dlm: fc.oneof(
      { arbitrary: fc.constant(0), weight: 3 },
      { arbitrary: fc.integer({ min: 0, max: 7 }), weight: 2 },
    ),
  })
  .map(
    ({ posted, dlm, ...c }): Irte => (posted === null ? { ...c, im: 0, dlm } : { ...c, im: 1, ...posted }),
  );

export const arbVtdIr: fc.Arbitrary<VtdIrConfig> = fc.record({
  ires: fc.boolean(),
  cfis: fc.boolean(),
  eime: fc.boolean(),
  irtSize: fc.oneof(fc.integer({ min: 0, max: 48 }), fc.constant(0x10000)),
  irt: fc.array(fc.tuple(arbIndex, arbIrte), { maxLength: 10 }).map((a) => new Map(a)),
});

export const arbAmdIrte: fc.Arbitrary<AmdIrte> = fc.record({
  remapEn: fc.boolean(),
  vector: arbU8,
  destination: fc.oneof(arbU8, fc.integer({ min: 0, max: 0xffffffff })),
  guestMode: fc.boolean(),
  /** IntType: 0 fixed, 1 arbitrated, above 1 reserved (AMD IOMMU spec 2.2.5). */
  intType: fc.integer({ min: 0, max: 7 }),
});

export const arbDte: fc.Arbitrary<Dte> = fc.record({
  iv: fc.boolean(),
  intCtl: arbTwoBits,
  irt: fc
    .array(
      fc.tuple(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0x7ff })), arbAmdIrte),
      {
        maxLength: 8,
      },
    )
    .map((a) => new Map(a)),
  pass: fc.record({ nmi: fc.boolean(), init: fc.boolean(), extint: fc.boolean() }),
});

/** Pages written by the generated writes; output pages include the window (0xFEE00–0xFEE02). */
const IOVA_PAGES = [0n, 1n, 2n, 3n, 0x10n, 0xfee00n] as const;
const OUT_PAGES = [0x100n, 0x101n, 0xfee00n, 0xfee01n, 0xfeeffn, 0xfef00n] as const;

const arbPageEntry: fc.Arbitrary<PageEntry> = fc.record({
  ppn: fc.oneof(fc.constantFrom(...OUT_PAGES), fc.bigInt({ min: 0n, max: (1n << 40n) - 1n })),
  r: fc.boolean(),
  w: fc.boolean(),
  x: fc.boolean(),
});

export const arbDmaDomain: fc.Arbitrary<DmaDomain> = fc.oneof(
  fc.constant({ mode: 'passthrough' as const }),
  fc.record({
    mode: fc.constant('translate' as const),
    map: fc
      .array(fc.tuple(fc.constantFrom(...IOVA_PAGES), arbPageEntry), { maxLength: 6 })
      .map((a) => new Map(a)),
  }),
);

export const arbX86Platform: fc.Arbitrary<X86Platform> = fc.record({
  arch: fc.constant('x86' as const),
  ir: fc.oneof(
    arbVtdIr.map((c) => ({ kind: 'vtd' as const, ...c })),
    fc
      .array(fc.tuple(arbRid, arbDte), { maxLength: 5 })
      .map((a) => ({ kind: 'amd' as const, devices: new Map(a) })),
    fc.constant({ kind: 'none' as const }),
  ),
  dma: fc.array(fc.tuple(arbRid, arbDmaDomain), { maxLength: 5 }).map((a) => new Map(a)),
});

/** A remappable-format VT-d address: handle, SHV and the format bit set (QEMU VTD_IR_MSIAddress). */
const arbRemappableAddr = fc
  .record({ handle: arbIndex, shv: fc.boolean(), low: fc.integer({ min: 0, max: 3 }) })
  .map(
    ({ handle, shv, low }) =>
      MSI_WINDOW_START |
      (BigInt(handle & 0x7fff) << 5n) |
      (BigInt((handle >> 15) & 1) << 2n) |
      (1n << 4n) |
      (shv ? 1n << 3n : 0n) |
      BigInt(low),
  );
/** A compatibility-format address: APIC id in bits 19:12, bit 4 clear. */
const arbCompatAddr = fc
  .record({ apic: arbU8, low: fc.integer({ min: 0, max: 0xf }) })
  .map(({ apic, low }) => MSI_WINDOW_START | (BigInt(apic) << 12n) | BigInt(low & 0xf));

export const arbX86Addr: fc.Arbitrary<bigint> = fc.oneof(
  { arbitrary: arbRemappableAddr, weight: 3 },
  { arbitrary: arbCompatAddr, weight: 2 },
  { arbitrary: fc.bigInt({ min: MSI_WINDOW_START, max: 0xfeef_ffffn }), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...IOVA_PAGES), fc.integer({ min: 0, max: 0xfff }))
      .map(([p, o]) => (p << 12n) | BigInt(o)),
    weight: 2,
  },
  { arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), weight: 1 },
);

/** Data words: small sub-handles/indices, crafted delivery modes, or anything. */
export const arbX86Data: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 48 }),
  fc.tuple(fc.integer({ min: 0, max: 7 }), arbU8).map(([dlm, v]) => (dlm << 8) | v),
  fc.integer({ min: 0, max: 0xffffffff }),
);

export const arbX86Write: fc.Arbitrary<Write> = fc.record({
  rid: arbRid,
  addr: arbX86Addr,
  data: arbX86Data,
  size: fc.constant(4 as const),
});

/** Requester ids and table indices a platform's config mentions, for writes that hit them. */
const configRids = (p: X86Platform): number[] => [
  ...p.dma.keys(),
  ...(p.ir.kind === 'amd' ? p.ir.devices.keys() : []),
  ...(p.ir.kind === 'vtd' ? [...p.ir.irt.values()].map((e) => e.sid) : []),
];
const configIndices = (p: X86Platform): number[] =>
  p.ir.kind === 'vtd'
    ? [...p.ir.irt.keys()]
    : p.ir.kind === 'amd'
      ? [...p.ir.devices.values()].flatMap((d) => [...d.irt.keys()])
      : [];

const pick = <T>(xs: readonly T[], fallback: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  xs.length === 0
    ? fallback
    : fc.oneof({ arbitrary: fc.constantFrom(...xs), weight: 3 }, { arbitrary: fallback, weight: 1 });

/**
 * Writes aimed at a given platform: requester ids and indices taken from its config most of the
 * time (VT-d: handle, or handle + SHV sub-handle; AMD: data[10:0] with a fixed/NMI/INIT/ExtINT/SMI
 * delivery mode), mixed with the generic writes above.
 */
export const arbX86WriteFor = (p: X86Platform): fc.Arbitrary<Write> => {
  const rid = pick(configRids(p), arbRid);
  const index = pick(configIndices(p), arbIndex);
  const vtdHit = fc
    .record({ rid, index, sub: fc.integer({ min: 0, max: 3 }), shv: fc.boolean() })
    .map(({ rid, index, sub, shv }): Write => {
      const handle = shv ? Math.max(0, index - sub) : index;
      const data = shv ? index - handle : 0;
      const addr =
        MSI_WINDOW_START |
        (BigInt(handle & 0x7fff) << 5n) |
        (BigInt((handle >> 15) & 1) << 2n) |
        (1n << 4n) |
        (shv ? 1n << 3n : 0n);
      return { rid, addr, data, size: 4 };
    });
  // data[10:8] is both the top of the index and the delivery mode (QEMU amdvi_int_remap_msi), so a
  // hit either is the index itself or keeps index[7:0] under a chosen delivery mode.
  const amdHit = fc
    .record({ rid, index, dlm: fc.constantFrom(0, 1, 2, 4, 5, 7), asIs: fc.boolean(), addr: arbCompatAddr })
    .map(
      ({ rid, index, dlm, asIs, addr }): Write => ({
        rid,
        addr,
        data: asIs ? index & 0x7ff : (dlm << 8) | (index & 0xff),
        size: 4,
      }),
    );
  const generic = fc.record({ rid, addr: arbX86Addr, data: arbX86Data, size: fc.constant(4 as const) });
  return fc.oneof(
    { arbitrary: p.ir.kind === 'amd' ? amdHit : vtdHit, weight: 3 },
    { arbitrary: generic, weight: 2 },
  );
};

/** A platform together with a write aimed at it. */
export const arbX86Case: fc.Arbitrary<[X86Platform, Write]> = arbX86Platform.chain((p) =>
  fc.tuple(fc.constant(p), arbX86WriteFor(p)),
);
