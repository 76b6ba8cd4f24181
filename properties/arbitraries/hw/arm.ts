import fc from 'fast-check';
import type { ArmPlatform } from '../../../model/hw/arm.ts';
import {
  type Dte,
  GITS_TRANSLATER,
  INTID_SPURIOUS,
  type Ite,
  type ItsConfig,
} from '../../../model/hw/arm-gic/its.ts';
import { MSI_SETSPI_NS, type V2mFrame } from '../../../model/hw/arm-gic/v2m.ts';
import type { Ste } from '../../../model/hw/arm-smmuv3/config.ts';
import { smmuTranslate } from '../../../model/hw/arm-smmuv3/translate.ts';
import type { PageEntry, PageMap } from '../../../model/types/page-map.ts';
import type { Write } from '../../../model/types/write.ts';

/**
 * Random Arm platforms (SMMUv3 + ITSs + GICv2m frames + IORT rid mappings) and writes that hit the
 * doorbells with high probability. ITSs and v2m frames sit in fixed, disjoint slots so that page
 * maps can point at their pages without knowing which slots were drawn.
 */
const ITS_SLOT_BASE = 0x8080000n;
const ITS_SLOT_STRIDE = 0x20000n; // control + translation frame
const ITS_SLOTS = 4;
const V2M_SLOT_BASE = 0x8020000n;
const V2M_SLOTS = 4;
/** Linux MSI_IOVA_BASE (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h, Linux 7.0): the SW_MSI window's first pages. */
const SW_MSI_PAGE = 0x8000n;

const itsBase = (slot: number): bigint => ITS_SLOT_BASE + BigInt(slot) * ITS_SLOT_STRIDE;
const v2mBase = (slot: number): bigint => V2M_SLOT_BASE + BigInt(slot) * 0x1000n;

/** Pages worth mapping: every ITS translater page (and the next), every v2m frame, SW_MSI, a few IPAs. */
const PAGE_POOL: readonly bigint[] = [
  ...Array.from({ length: ITS_SLOTS }, (_, k) => (itsBase(k) + GITS_TRANSLATER) >> 12n),
  ...Array.from({ length: ITS_SLOTS }, (_, k) => ((itsBase(k) + GITS_TRANSLATER) >> 12n) + 1n),
  ...Array.from({ length: V2M_SLOTS }, (_, k) => v2mBase(k) >> 12n),
  SW_MSI_PAGE,
  SW_MSI_PAGE + 1n,
  0x40000n,
  0x40001n,
];

const pageArb: fc.Arbitrary<bigint> = fc.oneof(
  { arbitrary: fc.constantFrom(...PAGE_POOL), weight: 8 },
  { arbitrary: fc.bigInt({ min: 0n, max: (1n << 52n) - 1n }), weight: 1 },
);

const pageEntryArb: fc.Arbitrary<PageEntry> = fc.record({
  ppn: pageArb,
  r: fc.boolean(),
  w: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
  x: fc.boolean(),
});

const pageMapArb: fc.Arbitrary<PageMap> = fc
  .uniqueArray(fc.tuple(pageArb, pageEntryArb), { maxLength: 6, selector: ([k]) => k })
  .map((entries) => new Map(entries));

const steArb: fc.Arbitrary<Ste> = fc.oneof(
  { arbitrary: fc.constant({ config: 'invalid' as const }), weight: 1 },
  { arbitrary: fc.constant({ config: 'abort' as const }), weight: 1 },
  { arbitrary: fc.constant({ config: 'bypass' as const }), weight: 3 },
  { arbitrary: pageMapArb.map((s1) => ({ config: 's1' as const, s1 })), weight: 4 },
  { arbitrary: pageMapArb.map((s2) => ({ config: 's2' as const, s2 })), weight: 2 },
  {
    arbitrary: fc
      .record({ s1: pageMapArb, s2: pageMapArb })
      .map((m) => ({ config: 'nested' as const, ...m })),
    weight: 3,
  },
);

const lpiArb = fc.integer({ min: 8192, max: 8192 + 64 });
const iteArb: fc.Arbitrary<Ite> = fc.oneof(
  {
    arbitrary: fc.record({ type: fc.constant('physical' as const), intid: lpiArb, icid: fc.nat(4) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('virtual' as const),
      vintid: fc.oneof({ arbitrary: lpiArb, weight: 3 }, { arbitrary: fc.nat(0x20000), weight: 1 }),
      vpeid: fc.nat(4),
      doorbell: fc.oneof(fc.constant(INTID_SPURIOUS), lpiArb),
    }),
    weight: 1,
  },
);

const idMap = <T>(
  maxKey: number,
  value: fc.Arbitrary<T>,
  maxLength: number,
  minLength = 0,
): fc.Arbitrary<Map<number, T>> =>
  fc
    .uniqueArray(fc.tuple(fc.nat(maxKey), value), { minLength, maxLength, selector: ([k]) => k })
    .map((entries) => new Map(entries));

/** A DTE whose ITEs mostly lie inside its EventID range (2^(size+1)), with a few just past it. */
const dteArb: fc.Arbitrary<Dte> = fc
  .nat(5)
  .chain((size) => fc.record({ size: fc.constant(size), itt: idMap(2 ** (size + 1) + 1, iteArb, 8, 1) }));

const itsArb = (slot: number): fc.Arbitrary<ItsConfig> =>
  fc.record({
    base: fc.constant(itsBase(slot)),
    enabled: fc.oneof(
      { arbitrary: fc.constant(true), weight: 5 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    dtEntries: fc.oneof({ arbitrary: fc.constant(10), weight: 4 }, { arbitrary: fc.nat(10), weight: 1 }),
    deviceTable: idMap(9, dteArb, 9, 7),
    collections: idMap(4, fc.record({ rdbase: fc.nat(7) }), 4, 2),
    vpes: idMap(4, fc.record({ rdbase: fc.nat(7), vptsize: fc.integer({ min: 11, max: 17 }) }), 5, 3),
  });

const v2mArb = (slot: number): fc.Arbitrary<V2mFrame> =>
  fc.record({
    base: fc.constant(v2mBase(slot)),
    firstSpi: fc.integer({ min: 32, max: 200 }),
    numSpis: fc.nat(64),
  });

const slotsArb = (n: number, minLength: number) => fc.uniqueArray(fc.nat(n - 1), { minLength, maxLength: n });

export const armPlatformArb: fc.Arbitrary<ArmPlatform> = fc.record({
  arch: fc.constant('arm' as const),
  smmu: fc.record({ streams: idMap(7, steArb, 8, 7) }),
  its: slotsArb(ITS_SLOTS, 1).chain((slots) => fc.tuple(...slots.map(itsArb))),
  v2m: slotsArb(V2M_SLOTS, 0).chain((slots) => fc.tuple(...slots.map(v2mArb))),
  rids: idMap(0xffff, fc.record({ sid: fc.nat(7), deviceId: fc.nat(8) }), 8, 1),
});

const offsetArb = fc.oneof(
  { arbitrary: fc.constant(0x40n), weight: 6 }, // GITS_TRANSLATER low bits and MSI_SETSPI_NS
  { arbitrary: fc.bigInt({ min: 0n, max: 0xfffn }), weight: 2 },
);

/** Pages a stream's STE accepts as input addresses (its first-stage keys). */
const inputPages = (ste: Ste | undefined): bigint[] =>
  ste === undefined
    ? []
    : ste.config === 's1' || ste.config === 'nested'
      ? [...ste.s1.keys()]
      : ste.config === 's2'
        ? [...ste.s2.keys()]
        : [];

/**
 * Writes by any rid (mostly mapped ones) to addresses biased towards that rid's own IOVA pages and
 * the doorbells, with data biased towards the EventIDs of that rid's DeviceID and the frames' SPIs.
 */
export const armWriteArb = (p: ArmPlatform): fc.Arbitrary<Write> => {
  const rids = [...p.rids.keys()];
  const ridArb = fc.oneof(...(rids.length > 0 ? [{ arbitrary: fc.constantFrom(...rids), weight: 10 }] : []), {
    arbitrary: fc.nat(0xffff),
    weight: 1,
  });
  const doorbells = [
    ...p.its.map((its) => its.base + GITS_TRANSLATER),
    ...p.v2m.map((f) => f.base + MSI_SETSPI_NS),
  ];
  return ridArb.chain((rid) => {
    const ids = p.rids.get(rid);
    const own = inputPages(ids === undefined ? undefined : p.smmu.streams.get(ids.sid));
    const pages = [...own, ...PAGE_POOL];
    // IOVAs of this rid that the SMMU actually sends to a doorbell (found with the model itself,
    // only to bias the search towards the ITS/v2m paths).
    const toDoorbell =
      ids === undefined
        ? []
        : [...own.map((pg) => (pg << 12n) | 0x40n), ...doorbells].filter((iova) => {
            const t = smmuTranslate(p.smmu, ids.sid, iova, 'write', undefined);
            return t.kind === 'ok' && doorbells.includes(t.pa);
          });
    const addrArb = fc.oneof(
      ...(toDoorbell.length > 0
        ? [
            {
              arbitrary: fc
                .tuple(fc.constantFrom(...toDoorbell), offsetArb)
                .map(([iova, off]) => (iova & ~0xfffn) | off),
              weight: 8,
            },
          ]
        : []),
      ...(own.length > 0
        ? [
            {
              arbitrary: fc.tuple(fc.constantFrom(...own), offsetArb).map(([pg, off]) => (pg << 12n) | off),
              weight: 4,
            },
          ]
        : []),
      {
        arbitrary: fc.tuple(fc.constantFrom(...pages), offsetArb).map(([pg, off]) => (pg << 12n) | off),
        weight: 2,
      },
      ...(doorbells.length > 0 ? [{ arbitrary: fc.constantFrom(...doorbells), weight: 2 }] : []),
      { arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), weight: 1 },
    );
    const events =
      ids === undefined
        ? []
        : p.its.flatMap((its) => [...(its.deviceTable.get(ids.deviceId)?.itt.keys() ?? [])]);
    const spis = p.v2m.flatMap((f) => (f.numSpis > 0 ? [f.firstSpi, f.firstSpi + f.numSpis - 1] : []));
    const dataArb = fc.oneof(
      ...(events.length > 0 ? [{ arbitrary: fc.constantFrom(...events), weight: 12 }] : []),
      ...(spis.length > 0 ? [{ arbitrary: fc.constantFrom(...spis), weight: 2 }] : []),
      { arbitrary: fc.nat(48), weight: 2 },
      { arbitrary: fc.integer({ min: 32, max: 300 }), weight: 1 },
      { arbitrary: fc.nat(0xffffffff), weight: 1 },
    );
    return fc.record({ rid: fc.constant(rid), addr: addrArb, data: dataArb, size: fc.constant(4 as const) });
  });
};

/** A platform and a batch of writes against it. */
export const armCaseArb: fc.Arbitrary<{ platform: ArmPlatform; writes: Write[] }> = armPlatformArb.chain(
  (platform) =>
    fc.record({
      platform: fc.constant(platform),
      writes: fc.array(armWriteArb(platform), { minLength: 1, maxLength: 16 }),
    }),
);
