import { describe, expect, it } from 'vitest';
import { deviceResvRegions } from '../kernel/iommu/resv.ts';
import { armIts, topo, x86 } from '../kernel/testing.ts';
import { boot, build, type DeviceInit } from './build.ts';
import { RAM_BASE_PAGE } from './layout.ts';
import { NO_DOMAIN } from './state.ts';

/**
 * The boot state (docs/architecture.md#the-scenario): before any probe (`boot`), and after
 * iommu_probe_device of every device group by group (`build`, drivers/iommu/iommu.c).
 */
const init = (bdf: string, group: number): DeviceInit => ({
  bdf,
  group,
  vectors: 2,
  resv: [],
  msiIsolated: true,
  cacheCoherent: false,
  nestingCapable: true,
  mock: true,
});

describe('boot', () => {
  const d = armIts();
  const t = topo([{}, {}], { harts: 2, vms: 2 });
  const s = boot(d, t, [init('01:00.0', 0), init('02:00.1', 1)], ['identity', 'blocked']);

  it('devices unprobed at their index with their RID; groups empty with no domain, owned by the host', () => {
    expect(s.devices).toEqual([
      {
        ...init('01:00.0', 0),
        index: 0,
        rid: 0x100,
        requireDirect: false,
        userMsiIova: new Map(),
        probed: false,
      },
      {
        ...init('02:00.1', 1),
        index: 1,
        rid: 0x201,
        requireDirect: false,
        userMsiIova: new Map(),
        probed: false,
      },
    ]);
    expect(s.groups).toEqual(
      (['identity', 'blocked'] as const).map((defaultType, id) => ({
        id,
        devices: [],
        domain: NO_DOMAIN,
        owner: { kind: 'host' },
        defaultType,
        defaultDomain: NO_DOMAIN,
        ownerCnt: 0,
        handle: false,
      })),
    );
  });

  it('no domains, IRQs, contexts or containers; VM n’s vCPU h on hart h with guest file G<n+1>; 4 KiB pages', () => {
    const { devices: _d, groups: _g, ...rest } = s;
    expect(rest).toEqual({
      design: d.id,
      hardware: d.hardware,
      policy: d.policy,
      topology: t,
      domains: [],
      irqs: [],
      nextIrq: 24,
      vcpus: [
        [
          { hart: 0, hgei: 1 },
          { hart: 1, hgei: 1 },
        ],
        [
          { hart: 0, hgei: 2 },
          { hart: 1, hgei: 2 },
        ],
      ],
      pageSize: 0x1000n,
      params: { iommufdUnsafe: false, type1Unsafe: false },
      iommufd: new Map(),
      ioases: [],
      type1: new Map(),
      nextRamPage: RAM_BASE_PAGE,
      atomicMappings: [],
      events: [],
    });
    expect(s).not.toHaveProperty('geometry');
  });

  it('takes the page size and the geometry a conformance case fixes', () => {
    const geometry = { aperture: { start: 0n, last: 0xffff_ffffn }, pgsize: 0x1000n };
    const g = boot(d, t, [], [], { pageSize: 0x10000n, geometry });
    expect(g.pageSize).toBe(0x10000n);
    expect(g.geometry).toEqual(geometry);
    expect(boot(d, topo([{}], { vms: 0 }), [], []).vcpus).toEqual([]);
  });
});

describe('build', () => {
  it('probes every device: the design’s capabilities, its reserved regions, its group’s default domain', () => {
    const t = topo([{ group: 1 }, { group: 0 }, { group: 1 }]);
    for (const [design, nesting] of [
      [
        armIts({
          isolatedMsiClaim: true,
          cacheCoherencyCap: false,
          nestedGuest: 'rmr',
          defaultDomain: 'dma',
        }),
        true,
      ],
      [
        x86('none', {
          isolatedMsiClaim: false,
          cacheCoherencyCap: true,
          nestedGuest: 'none',
          defaultDomain: 'identity',
        }),
        false,
      ],
    ] as const) {
      const s = build(design, t);
      expect(
        s.devices.map((x) => [x.probed, x.msiIsolated, x.cacheCoherent, x.nestingCapable, x.mock]),
      ).toEqual(
        Array(3).fill([
          true,
          design.policy.isolatedMsiClaim,
          design.policy.cacheCoherencyCap,
          nesting,
          false,
        ]),
      );
      expect(s.devices.map((x) => x.resv)).toEqual(
        [0, 1, 2].map((i) => deviceResvRegions(design.hardware, design.policy, t, i)),
      );
      expect(s.groups.map((g) => [g.defaultType, g.devices])).toEqual([
        [design.policy.defaultDomain, [1]],
        [design.policy.defaultDomain, [0, 2]],
      ]);
      // Group by group: group 0's default domain is allocated first, and each group sits in its default domain.
      expect(s.groups.map((g) => g.domain)).toEqual([0, 1]);
      expect(s.groups.map((g) => g.defaultDomain)).toEqual([0, 1]);
      expect(s.domains.map((x) => x.type)).toEqual(
        Array(2).fill(design.policy.defaultDomain === 'dma' ? 'DMA' : 'IDENTITY'),
      );
      expect(s.events).toEqual([]);
    }
  });

  it('one boot state per design and topology, reused', () => {
    const d = armIts();
    const a = build(d, topo([{}]));
    expect(build(d, topo([{}]))).toBe(a);
    expect(build(d, topo([{}, {}]))).not.toBe(a);
    expect(build(armIts(), topo([{}]))).not.toBe(a);
    expect(build(armIts(), topo([{}]))).toEqual(a);
  });
});
