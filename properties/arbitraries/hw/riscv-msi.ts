import fc from 'fast-check';
import type { DeviceContext, RiscvIommuConfig, SpecVersion } from '../../../model/hw/riscv-iommu/config.ts';
import type { MsiPte } from '../../../model/hw/riscv-iommu/msi-pte.ts';
import type { Access, PageEntry } from '../../../model/types/page-map.ts';
import type { Write } from '../../../model/types/write.ts';

/**
 * Random RISC-V IOMMU MSI-translation cases: one device context (Bare or Sv39x4/Sv48x4 G-stage,
 * Bare or Sv39 first stage, msiptp Off/Flat/reserved, msi_addr_mask/pattern at their edge values),
 * an MSI page table of valid, invalid and misconfigured PTEs in basic and MRIF mode, and one access.
 * Addresses are biased toward pages that match the pattern (built from the file numbers the table
 * holds), one-bit misses of it, and pages the stages map. PTE fields are encoded here from the AIA
 * "MSI page tables" layout, not with the model's encoders.
 */
export interface RiscvMsiCase {
  readonly iommu: RiscvIommuConfig;
  readonly write: Write;
  readonly access: Access;
  /** The system's IMSICs implement seteipnum_be, so the IOMMU also stores big-endian MSIs in MRIFs. */
  readonly bigEndianMsi: boolean;
}

/** The device under test; a write from MSI_RID + 1 finds no device context. */
export const MSI_RID = 0x42;
/** The MSI page table's PPN. */
const PT = 0x9_0000n;
const U64 = (1n << 64n) - 1n;

const bit = (n: number | bigint): bigint => 1n << BigInt(n);
const ones = (n: number): bigint => bit(n) - 1n;
/** fc.oneof over [weight, arbitrary] pairs. */
const weighted = <T>(...choices: [number, fc.Arbitrary<T>][]): fc.Arbitrary<T> =>
  fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })));
const mostly = <T>(common: T, rare: T, odds: number): fc.Arbitrary<T> =>
  weighted([odds, fc.constant(common)], [1, fc.constant(rare)]);

/** PDEP: spreads the low bits of v over the 1-bits of y, from bit 0 up. */
const deposit = (v: bigint, y: bigint): bigint => {
  let out = 0n;
  let k = 0n;
  for (let i = 0n; i < 64n; i++) {
    if ((y >> i) & 1n) {
      out |= ((v >> k) & 1n) << i;
      k++;
    }
  }
  return out;
};
const popcount = (y: bigint): number => y.toString(2).replaceAll('0', '').length;

/** MGPAW of an IOMMU whose widest G-stage mode is `gStage` (IOMMU spec [[MSI_ID]] list). */
const mgpawOf = (gStage: RiscvIommuConfig['capabilities']['gStage'], pas: number): number =>
  ({ Sv57x4: 59, Sv48x4: 50, Sv39x4: 41, Sv32x4: 34, Bare: pas })[gStage];

const capabilitiesArb = fc.record({
  MSI_FLAT: mostly(true, false, 15),
  MSI_MRIF: mostly(true, false, 4),
  PAS: fc.constantFrom(46, 56, 64),
  gStage: weighted(
    [9, fc.constantFrom('Sv39x4' as const, 'Sv48x4' as const, 'Sv57x4' as const)],
    [1, fc.constant('Bare' as const)],
  ),
});

/** msi_addr_mask edge values: small masks, low runs of ones, the bits around 51:MGPAW−12 and 63:52. */
const maskArb = (mgpaw: number): fc.Arbitrary<bigint> =>
  weighted(
    [16, fc.constantFrom(0n, 1n, 0x3n, 0x7n, 0xffn, 0x1ffn)],
    [3, fc.integer({ min: 1, max: 52 }).map(ones)],
    // The highest bit legal in every revision (MGPAW−13), the first one reserved from spec 20250828
    // (MGPAW−12), bit 51 (the top of the field) and bits 52 and 63 (reserved in every revision), each
    // over a small mask.
    [
      4,
      fc
        .tuple(
          fc.constantFrom(mgpaw - 13, mgpaw - 13, mgpaw - 12, 51, 52, 63),
          fc.constantFrom(0n, 0x3n, 0x1fn),
        )
        .filter(([b]) => b < 64)
        .map(([b, low]) => bit(b) | low),
    ],
    [1, fc.bigInt({ min: 0n, max: ones(52) }).map((m) => m & (m >> 7n) & (m >> 13n))],
    [1, fc.bigInt({ min: 0n, max: U64 })],
  );

const patternArb = (mgpaw: number): fc.Arbitrary<bigint> =>
  weighted(
    [24, fc.constantFrom(0x28000n, 0x60000n, 0x0n)],
    [4, fc.bigInt({ min: 0n, max: ones(Math.min(52, mgpaw - 12)) })],
    [1, fc.constantFrom(mgpaw - 12, 51, 52, 63).map((b) => (b < 64 ? bit(b) : 0n) | 0x28000n)],
    [1, fc.bigInt({ min: 0n, max: U64 })],
  );

/** Reserved bit positions of a basic-mode dw0 and of an MRIF-mode PTE (AIA "MSI PTE" formats). */
const BASIC_RESERVED_DW0 = [3, 4, 5, 6, 7, 8, 9, 54, 55, 58, 62] as const;
const MRIF_RESERVED_DW0 = [3, 4, 5, 6, 54, 57, 62] as const;
const MRIF_RESERVED_DW1 = [54, 56, 59, 61, 62, 63] as const;

/** An MSI PTE: valid basic/MRIF, invalid, C = 1, M reserved, reserved bits set, or raw. */
const pteArb = (pas: number): fc.Arbitrary<MsiPte> => {
  const ppn = fc.oneof(
    fc.constantFrom(0x28000n, 0x28008n, 0x80000n),
    fc.bigInt({ min: 0n, max: ones(Math.min(44, pas - 12)) }),
  );
  const basic = ppn.map((p): MsiPte => ({ dw0: 1n | (3n << 1n) | (p << 10n), dw1: 0n }));
  const mrif = fc
    .record({
      addr: fc.bigInt({ min: 0n, max: ones(Math.min(56, pas) - 9) }).map((a) => a << 9n),
      nppn: ppn,
      nid: fc.integer({ min: 0, max: 0x7ff }),
    })
    .map(
      ({ addr, nppn, nid }): MsiPte => ({
        dw0: 1n | (1n << 1n) | ((addr >> 9n) << 7n),
        dw1: BigInt(nid & 0x3ff) | (nppn << 10n) | (BigInt(nid >> 10) << 60n),
      }),
    );
  const any64 = fc.bigInt({ min: 0n, max: U64 });
  const withBit = (a: fc.Arbitrary<MsiPte>, dw: 'dw0' | 'dw1', bits: readonly number[]) =>
    fc.tuple(a, fc.constantFrom(...bits)).map(([p, b]) => ({ ...p, [dw]: p[dw] | bit(b) }));
  return weighted(
    [4, basic],
    [6, mrif],
    // Basic mode ignores dw1, whatever it holds.
    [1, fc.tuple(basic, any64).map(([p, dw1]) => ({ ...p, dw1 }))],
    // V = 0: every other bit is free for software.
    [1, fc.tuple(any64, any64).map(([dw0, dw1]) => ({ dw0: dw0 & ~1n, dw1 }))],
    [1, fc.oneof(basic, mrif).map((p) => ({ ...p, dw0: p.dw0 | bit(63) }))],
    [
      1,
      fc
        .tuple(basic, fc.constantFrom(0n, 2n))
        .map(([p, m]) => ({ ...p, dw0: (p.dw0 & ~0b110n) | (m << 1n) })),
    ],
    [1, withBit(basic, 'dw0', BASIC_RESERVED_DW0)],
    [1, withBit(mrif, 'dw0', MRIF_RESERVED_DW0)],
    [1, withBit(mrif, 'dw1', MRIF_RESERVED_DW1)],
    [1, fc.record({ dw0: any64, dw1: any64 })],
  );
};

/** A page-table leaf with any R/W/X, the reserved W-without-R encodings included. */
const leafArb = (ppn: fc.Arbitrary<bigint>): fc.Arbitrary<PageEntry> =>
  fc.record({ ppn, r: mostly(true, false, 3), w: mostly(true, false, 3), x: fc.boolean() });

/** The G-stage modes other than Bare a DC may use, by the widest one the IOMMU implements. */
const G_MODES_BY_WIDEST = {
  Bare: ['Bare'],
  Sv32x4: ['Bare'],
  Sv39x4: ['Sv39x4'],
  Sv48x4: ['Sv39x4', 'Sv48x4'],
  Sv57x4: ['Sv39x4', 'Sv48x4'],
} as const;

const bswap = (d: number): number =>
  (((d & 0xff) << 24) | ((d & 0xff00) << 8) | ((d >>> 8) & 0xff00) | (d >>> 24)) >>> 0;
/** Identities and the 2047/2048 edge, in little-endian order (as read at offset 0). */
const identityArb = weighted([4, fc.integer({ min: 0, max: 64 })], [2, fc.constantFrom(2047, 2048)]);

/**
 * Page offset and data together: a little-endian MSI at seteipnum_le (0), a big-endian one at
 * seteipnum_be (4, data byte-swapped), either byte order at the other offset, the offsets MRIF mode
 * discards (A[11:3] ≠ 0), misaligned offsets, anything.
 */
const offsetDataArb: fc.Arbitrary<[bigint, number]> = weighted(
  [6, fc.tuple(fc.constant(0n), identityArb)],
  [3, fc.tuple(fc.constant(4n), identityArb.map(bswap))],
  [1, fc.tuple(fc.constantFrom(0n, 4n), fc.oneof(identityArb, identityArb.map(bswap)))],
  [2, fc.tuple(fc.constantFrom(8n, 0x10n, 0xffcn, 2n, 1n, 0xfffn), identityArb)],
  [1, fc.tuple(fc.bigInt({ min: 0n, max: 0xfffn }), fc.integer({ min: 0, max: 0xffffffff }))],
);

export const riscvMsiCaseArb = (specVersion: SpecVersion): fc.Arbitrary<RiscvMsiCase> =>
  capabilitiesArb.chain((capabilities) => {
    const mgpaw = mgpawOf(capabilities.gStage, capabilities.PAS);
    return fc
      .record({
        mask: maskArb(mgpaw),
        pattern: patternArb(mgpaw),
        gMode: weighted(
          [1, fc.constant('Bare' as const)],
          [7, fc.constantFrom(...G_MODES_BY_WIDEST[capabilities.gStage])],
        ),
        fsSv39: mostly(false, true, 4),
        msiptpMode: weighted([20, fc.constant(1)], [3, fc.constant(0)], [1, fc.integer({ min: 2, max: 15 })]),
        msiptpPpn: weighted(
          [30, fc.constant(PT)],
          [1, fc.constant(PT | bit(44))],
          // The highest PPN within PAS: larger file numbers then address PTEs beyond it (261).
          [1, fc.constant(ones(Math.min(44, capabilities.PAS - 12)))],
        ),
        files: fc.array(fc.bigInt({ min: 0n, max: 0xffn }), { minLength: 1, maxLength: 4 }),
      })
      .chain(({ mask, pattern, gMode, fsSv39, msiptpMode, msiptpPpn, files }) => {
        const fileNos = files.map((i) => i % bit(Math.min(popcount(mask), 62)));
        const matching = fileNos.map((i) => (pattern & ~mask) | deposit(i, mask));
        const pteAddr = (i: bigint) => (msiptpPpn << 12n) | (i * 16n);
        const pageArb = weighted(
          [4, fc.constantFrom(...matching)],
          // One-bit misses of the pattern, outside the mask.
          [
            2,
            fc
              .tuple(fc.constantFrom(...matching), fc.integer({ min: 0, max: 51 }))
              .map(([p, b]) => ((mask >> BigInt(b)) & 1n ? p : p ^ bit(b))),
          ],
          [1, fc.bigInt({ min: 0n, max: 0xfn }).map((p) => 0x80000n | p)],
        );
        const dcArb: fc.Arbitrary<DeviceContext> = fc.record({
          tc: fc.record({ V: mostly(true, false, 30), PDTV: fc.constant(false) }),
          iohgatp: fc.record({
            MODE: fc.constant(gMode),
            GSCID: fc.constant(1),
            pages: fc
              .array(fc.tuple(pageArb, leafArb(fc.bigInt({ min: 0n, max: ones(20) }))), {
                minLength: 2,
                maxLength: 8,
              })
              .map((es) => new Map(es)),
          }),
          fsc: fc.record({
            MODE: fc.constant(fsSv39 ? ('Sv39' as const) : ('Bare' as const)),
            pages: fc
              .array(fc.tuple(fc.bigInt({ min: 0n, max: 3n }), leafArb(pageArb)), {
                minLength: 1,
                maxLength: 4,
              })
              .map((es) => new Map(es)),
          }),
          msiptp: fc.constant({ MODE: msiptpMode, PPN: msiptpPpn }),
          msi_addr_mask: fc.constant(mask),
          msi_addr_pattern: fc.constant(pattern),
        });
        const injected = weighted(
          [12, fc.constant<bigint[]>([])],
          [1, fc.subarray(fileNos.map(pteAddr), { minLength: 1, maxLength: 1 })],
        ).map((a) => new Set(a));
        const iommuArb: fc.Arbitrary<RiscvIommuConfig> = fc.record({
          specVersion: fc.constant(specVersion),
          capabilities: fc.constant(capabilities),
          ddtp: fc.record({
            iommu_mode: weighted(
              [40, fc.constant('DDT' as const)],
              [1, fc.constantFrom('Off' as const, 'Bare' as const)],
            ),
          }),
          ddt: dcArb.map((dc) => new Map([[MSI_RID, dc]])),
          msiPtes: fc
            .tuple(...fileNos.map(() => pteArb(capabilities.PAS)))
            .map((ptes) => new Map(ptes.map((p, k) => [pteAddr(fileNos[k] ?? 0n), p] as const))),
          accessFault: injected,
          poisoned: injected,
        });
        // The page written: one the pattern selects or nearly, with a Sv39 first stage an IOVA its
        // leaves map, or anything (the high bits of a page above bit 51 fall off the 64-bit address).
        const pageOfWrite = weighted(
          [fsSv39 ? 1 : 8, pageArb],
          [fsSv39 ? 8 : 1, fc.bigInt({ min: 0n, max: 3n })],
          [1, fc.bigInt({ min: 0n, max: U64 >> 12n })],
        );
        const writeArb: fc.Arbitrary<Write> = fc
          .record({
            rid: mostly(MSI_RID, MSI_RID + 1, 40),
            at: fc.tuple(pageOfWrite, offsetDataArb),
            size: weighted(
              [12, fc.constant(4 as const)],
              [1, fc.constantFrom(1 as const, 2 as const, 8 as const)],
            ),
            withPid: mostly(false, true, 40),
          })
          .map(({ withPid, at: [page, [offset, data]], ...w }): Write => {
            const write = { ...w, addr: ((page << 12n) | offset) & U64, data };
            return withPid ? { ...write, pid: 3 } : write;
          });
        return fc.record({
          iommu: iommuArb,
          write: writeArb,
          access: weighted([10, fc.constant<Access>('write')], [1, fc.constantFrom<Access>('read', 'exec')]),
          bigEndianMsi: fc.boolean(),
        });
      });
  });
