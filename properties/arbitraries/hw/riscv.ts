import fc from 'fast-check';
import type { RiscvPlatform } from '../../../model/hw/riscv.ts';
import type { ImsicConfig } from '../../../model/hw/riscv-aia/imsic.ts';
import { imsicFileAddr } from '../../../model/hw/riscv-aia/imsic.ts';
import type { DeviceContext } from '../../../model/hw/riscv-iommu/config.ts';
import { G_STAGE_MODES, SPEC_VERSIONS } from '../../../model/hw/riscv-iommu/config.ts';
import { basicPte, mrifPte } from '../../../model/hw/riscv-iommu/msi-pte.ts';
import type { PageEntry } from '../../../model/types/page-map.ts';
import type { Write } from '../../../model/types/write.ts';

/** Random but valid RISC-V platforms: 1-4 harts, random DCs, page maps and MSI PTEs aimed at IMSIC pages. */
const imsicArb: fc.Arbitrary<ImsicConfig> = fc
  .record({
    harts: fc.integer({ min: 1, max: 4 }),
    geilen: fc.integer({ min: 0, max: 3 }),
    ids: fc.constantFrom(63, 127, 255),
    beMsi: fc.boolean(),
  })
  .map(({ harts, geilen, ids, beMsi }) => ({
    mBase: 0x2400_0000n,
    sBase: 0x2800_0000n,
    mHartShift: 12,
    guestIndexBits: 2,
    hartIndexBits: 2,
    groupIndexBits: 0,
    groupIndexShift: 24,
    beMsi,
    harts: Array.from({ length: harts }, (_, h) => ({
      group: 0,
      hart: h,
      mIds: 63,
      sIds: ids,
      guestIds: 63,
      geilen,
    })),
  }));

/** Physical pages worth aiming at: every IMSIC page slot (existing or not) and some RAM. */
const interestingPages = (c: ImsicConfig): bigint[] => {
  const pages: bigint[] = [0x80000n, 0x80001n];
  for (let h = 0; h < 4; h++) {
    pages.push(imsicFileAddr(c, 0, h, 'M') >> 12n);
    for (let g = 0; g <= 4; g++) pages.push(imsicFileAddr(c, 0, h, g === 0 ? 'S' : `G${g}`) >> 12n);
  }
  return pages;
};

const pageMapArb = (targets: bigint[]) =>
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 15 }),
        fc.constantFrom(...targets),
        fc.record({ r: fc.boolean(), w: fc.boolean(), x: fc.boolean() }),
      ),
      { maxLength: 6 },
    )
    .map((es) => new Map(es.map(([v, ppn, p]): [bigint, PageEntry] => [BigInt(v), { ppn, ...p }])));

const PT = 0x9_0000n;

export const riscvPlatformArb: fc.Arbitrary<RiscvPlatform> = imsicArb.chain((imsic) => {
  const targets = interestingPages(imsic);
  const dcArb: fc.Arbitrary<DeviceContext> = fc.record({
    tc: fc.record({ V: fc.boolean(), PDTV: fc.boolean() }),
    iohgatp: fc.record({
      MODE: fc.constantFrom(...G_STAGE_MODES),
      GSCID: fc.constant(0),
      pages: pageMapArb(targets),
    }),
    fsc: fc.record({ MODE: fc.constantFrom('Bare' as const, 'Sv39' as const), pages: pageMapArb(targets) }),
    msiptp: fc.record({ MODE: fc.integer({ min: 0, max: 3 }), PPN: fc.constant(PT) }),
    msi_addr_mask: fc.constantFrom(0x0n, 0x3n, 0x1fn, 0xffn),
    msi_addr_pattern: fc.constantFrom(0x28000n, 0x24000n, 0x0n),
  });
  const pteArb = fc.oneof(
    fc.constantFrom(...targets).map(basicPte),
    fc.constantFrom(...targets).map((t) => mrifPte(0x7000_0000n, t, 5)),
    fc.record({
      dw0: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      dw1: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    }),
  );
  return fc.record({
    arch: fc.constant('riscv' as const),
    imsic: fc.constant(imsic),
    iommu: fc.record({
      specVersion: fc.constantFrom(...SPEC_VERSIONS),
      capabilities: fc.record({
        MSI_FLAT: fc.boolean(),
        MSI_MRIF: fc.boolean(),
        PAS: fc.constant(56),
        gStage: fc.constantFrom(...G_STAGE_MODES),
      }),
      ddtp: fc.record({ iommu_mode: fc.constantFrom('Off' as const, 'Bare' as const, 'DDT' as const) }),
      ddt: fc
        .array(fc.tuple(fc.integer({ min: 0, max: 3 }), dcArb), { maxLength: 4 })
        .map((es) => new Map(es)),
      msiPtes: fc
        .array(fc.tuple(fc.integer({ min: 0, max: 255 }), pteArb), { maxLength: 8 })
        .map((es) => new Map(es.map(([i, p]) => [(PT << 12n) | (BigInt(i) * 16n), p]))),
      accessFault: fc.constant(new Set<bigint>()),
      poisoned: fc.constant(new Set<bigint>()),
    }),
  });
});

/** Writes from any of the 4 requester ids to an interesting page (or anywhere), with any data. */
export const riscvWriteArb = (p: RiscvPlatform): fc.Arbitrary<Write> =>
  fc.record({
    rid: fc.integer({ min: 0, max: 3 }),
    addr: fc.oneof(
      fc
        .tuple(
          fc.constantFrom(...interestingPages(p.imsic), 0n, 1n, 2n, 3n),
          fc.constantFrom(0n, 4n, 8n, 0xffcn),
        )
        .map(([pg, off]) => (pg << 12n) | off),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    ),
    data: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff })),
    size: fc.constantFrom(4 as const, 4 as const, 2 as const),
  });
