import { describe, expect, it } from 'vitest';
import type { Hop } from '../types/hop.ts';
import { rw } from '../types/page-map.ts';
import { write32 } from '../types/write.ts';
import { type ArmPlatform, deliverArm, parseArmPlatform } from './arm.ts';

const ITS_BASE = 0x8080000n; // GITS_TRANSLATER = 0x8090040 (QEMU virt layout)
const ITS_PAGE = 0x8090n;
const V2M_BASE = 0x8020000n; // MSI_SETSPI_NS = 0x8020040
const SW_MSI_PAGE = 0x8000n; // Linux MSI_IOVA_BASE = 0x8000000 (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h, Linux 7.0)
const SW_MSI_DB = 0x8000040n;

const RID_A = 0x0100; // 01:00.0
const RID_B = 0x0200; // 02:00.0
const RID_C = 0x0300; // 03:00.0 — s1 with no doorbell mapping
const RID_N = 0x0400; // 04:00.0 — nested (guest S1 over host S2)
const RID_X = 0x0500; // 05:00.0 — bypass
const RID_V = 0x0600; // 06:00.0 — maps the GICv2m frame

const platform: ArmPlatform = {
  arch: 'arm',
  smmu: {
    streams: new Map([
      [
        10,
        {
          config: 's1' as const,
          s1: new Map([
            [SW_MSI_PAGE, rw(ITS_PAGE)],
            [0x100n, rw(0x4000n)],
          ]),
        },
      ],
      [11, { config: 's1' as const, s1: new Map([[SW_MSI_PAGE, rw(ITS_PAGE)]]) }],
      [12, { config: 's1' as const, s1: new Map([[0x100n, rw(0x4000n)]]) }],
      [
        13,
        {
          config: 'nested' as const,
          s1: new Map([[0x30000n, rw(0x8090n)]]), // guest maps its doorbell IOVA to the vITS IPA
          s2: new Map([[0x8090n, rw(ITS_PAGE)]]), // VMM's identity RMR for the doorbell IPA
        },
      ],
      [14, { config: 'bypass' as const }],
      [15, { config: 's1' as const, s1: new Map([[SW_MSI_PAGE, rw(V2M_BASE >> 12n)]]) }],
    ]),
  },
  its: [
    {
      base: ITS_BASE,
      enabled: true,
      dtEntries: 0x1000,
      deviceTable: new Map([
        [
          0x100,
          {
            size: 3,
            itt: new Map([
              [0, { type: 'physical' as const, intid: 8192, icid: 0 }],
              [1, { type: 'physical' as const, intid: 8193, icid: 0 }],
            ]),
          },
        ],
        [0x200, { size: 3, itt: new Map([[0, { type: 'physical' as const, intid: 8300, icid: 1 }]]) }],
        [
          0x400,
          {
            size: 3,
            itt: new Map([[0, { type: 'virtual' as const, vintid: 8192, vpeid: 0, doorbell: 1023 }]]),
          },
        ],
      ]),
      collections: new Map([
        [0, { rdbase: 0 }],
        [1, { rdbase: 3 }],
      ]),
      vpes: new Map([[0, { rdbase: 2, vptsize: 15 }]]),
    },
  ],
  v2m: [{ base: V2M_BASE, firstSpi: 80, numSpis: 32 }],
  rids: new Map([
    [RID_A, { sid: 10, deviceId: 0x100 }],
    [RID_B, { sid: 11, deviceId: 0x200 }],
    [RID_C, { sid: 12, deviceId: 0x300 }],
    [RID_N, { sid: 13, deviceId: 0x400 }],
    [RID_X, { sid: 14, deviceId: 0x100 }], // shares device A's DeviceID: same ITT
    [RID_V, { sid: 15, deviceId: 0x600 }],
  ]),
};

describe('deliverArm: SMMU in front of the ITS (docs/hardware.md#arm-delivery-step-by-step, docs/hardware.md#arm-smmuv3)', () => {
  it('raises the LPI when the SW_MSI IOVA 0x8000000 is mapped to the ITS doorbell page (Linux MSI_IOVA_BASE)', () => {
    const trace: Hop[] = [];
    expect(deliverArm(platform, write32(RID_A, SW_MSI_DB, 0), trace)).toEqual({
      kind: 'interrupt',
      controller: 'its-lpi',
      target: 'rd0',
      identity: 8192,
    });
    expect(trace.map((h) => `${h.block}:${h.step}`)).toEqual([
      'arm:iort-id-mapping',
      'arm-smmuv3:find-ste',
      'arm-smmuv3:stage1-walk',
      'arm-gic-its:translater-write',
      'arm-gic-its:lpi-pending',
    ]);
  });
  it('faults F_TRANSLATION when the doorbell is not mapped in the SMMU, even at the doorbell PA (QEMU smmuv3_translate)', () => {
    expect(deliverArm(platform, write32(RID_C, SW_MSI_DB, 0))).toMatchObject({
      kind: 'fault',
      cause: 'F_TRANSLATION',
    });
    expect(deliverArm(platform, write32(RID_C, 0x8090040n, 0))).toMatchObject({
      kind: 'fault',
      cause: 'F_TRANSLATION',
    });
  });
  it('reaches the doorbell without mapping only under a bypass STE', () => {
    expect(deliverArm(platform, write32(RID_X, 0x8090040n, 0))).toMatchObject({
      kind: 'interrupt',
      identity: 8192,
    });
  });
  it('routes nested S1 (IOVA→IPA) then S2 (IPA→PA) to the ITS, where a virtual ITE raises the vLPI (GICv4; seed 001)', () => {
    expect(deliverArm(platform, write32(RID_N, 0x30000040n, 0))).toEqual({
      kind: 'interrupt',
      controller: 'its-vlpi',
      target: 'vpe0@rd2',
      identity: 8192,
    });
  });
  it('faults at stage 2 for a nested stream when the doorbell IPA has no S2 mapping (no RMR; seed 001)', () => {
    const noRmr: ArmPlatform = {
      ...platform,
      smmu: {
        streams: new Map([
          [13, { config: 'nested' as const, s1: new Map([[0x30000n, rw(0x8090n)]]), s2: new Map() }],
        ]),
      },
    };
    expect(deliverArm(noRmr, write32(RID_N, 0x30000040n, 0))).toMatchObject({
      kind: 'fault',
      cause: 'F_TRANSLATION',
    });
  });
  it('faults C_BAD_STREAMID for a rid without an IORT StreamID mapping', () => {
    expect(deliverArm(platform, write32(0x0700, SW_MSI_DB, 0))).toEqual({
      kind: 'fault',
      arch: 'smmuv3',
      cause: 'C_BAD_STREAMID',
      code: 0x02,
    });
  });
  it('writes memory for a mapped non-doorbell IOVA', () => {
    expect(deliverArm(platform, write32(RID_A, 0x100010n, 7))).toEqual({
      kind: 'memory',
      pa: 0x4000010n,
      data: 7,
    });
  });
});

describe('deliverArm: DeviceID comes from the fabric, not the write (docs/hardware.md#why-the-its-isolates)', () => {
  it('turns the same IOVA and data from two devices into two different LPIs', () => {
    const a = deliverArm(platform, write32(RID_A, SW_MSI_DB, 0));
    const b = deliverArm(platform, write32(RID_B, SW_MSI_DB, 0));
    expect(a).toMatchObject({ kind: 'interrupt', identity: 8192, target: 'rd0' });
    expect(b).toMatchObject({ kind: 'interrupt', identity: 8300, target: 'rd3' });
  });
  it('drops an EventID the device has no ITE for, whatever another device maps (its-unmapped-eventid)', () => {
    expect(deliverArm(platform, write32(RID_A, SW_MSI_DB, 1))).toMatchObject({
      kind: 'interrupt',
      identity: 8193,
    });
    expect(deliverArm(platform, write32(RID_B, SW_MSI_DB, 1))).toEqual({
      kind: 'dropped',
      reason: 'its-unmapped-eventid',
    });
  });
});

describe('deliverArm: GICv2m frame behind the SMMU (docs/hardware.md#arm-gicv2m)', () => {
  it('lets any device that maps the frame raise any SPI of it: two rids raise the same SPI (QEMU gicv2m_write)', () => {
    const viaSmmu = deliverArm(platform, write32(RID_V, SW_MSI_DB, 90));
    const viaBypass = deliverArm(platform, write32(RID_X, V2M_BASE + 0x40n, 90));
    expect(viaSmmu).toEqual({ kind: 'interrupt', controller: 'gic-spi', target: 'dist', identity: 90 });
    expect(viaBypass).toEqual(viaSmmu);
  });
  it('drops SPIs outside the frame and writes to other frame offsets', () => {
    expect(deliverArm(platform, write32(RID_V, SW_MSI_DB, 200))).toEqual({
      kind: 'dropped',
      reason: 'v2m-spi-out-of-frame',
    });
    expect(deliverArm(platform, write32(RID_V, 0x8000008n, 90))).toEqual({
      kind: 'dropped',
      reason: 'v2m-not-setspi',
    });
  });
});

describe('parseArmPlatform (zod ArmPlatformSchema)', () => {
  it('accepts the test platform and rejects a non-arm arch with the allowed value', () => {
    expect(parseArmPlatform(platform).ok).toBe(true);
    const bad = parseArmPlatform({ ...platform, arch: 'riscv' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ path: '$.arch', allowed: ['"arm"'] });
  });
});
