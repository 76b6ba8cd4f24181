import { describe, expect, it } from 'vitest';
import {
  DeviceSpecSchema,
  HexAddrSchema,
  OP_KINDS,
  OpSchema,
  parseScenario,
  ridOf,
  SCENARIO_VERSION,
  ScenarioSchema,
  TopologySchema,
} from './scenario.ts';

/**
 * The scenario format (docs/architecture.md#the-scenario): every bound of the schema is accepted
 * at its limit and refused one past it, with the error naming the JSON path of the field.
 */
const dev = (over: Record<string, unknown> = {}) => ({ bdf: '00:01.0', group: 0, vectors: 1, ...over });
const topo = (over: Record<string, unknown> = {}) => ({ harts: 1, devices: [dev()], ...over });
const scenario = (over: Record<string, unknown> = {}) => ({
  version: SCENARIO_VERSION,
  design: 'd',
  topology: topo(),
  ops: [],
  ...over,
});
/** The JSON path parseScenario names for `input`, or 'ok'. */
const pathOf = (input: unknown): string => {
  const r = parseScenario(input);
  return r.ok ? 'ok' : r.error.path;
};

describe('DeviceSpecSchema bounds', () => {
  it('bdf is bus:device.function with device 00..1f and function 0..7 (PCI Express Base spec, Routing ID)', () => {
    for (const bdf of ['00:00.0', 'ff:1f.7', 'a0:10.3'])
      expect(DeviceSpecSchema.safeParse(dev({ bdf })).success).toBe(true);
    for (const bdf of ['00:20.0', '00:00.8', '0:00.0', '00:00.00', 'AA:00.0', 'x00:00.0', '00:00.0x'])
      expect(DeviceSpecSchema.safeParse(dev({ bdf })).success).toBe(false);
  });

  it('group 0..3, vectors 1..4, integers; resv at most one firmware region, default none', () => {
    const ok = (o: Record<string, unknown>) => DeviceSpecSchema.safeParse(dev(o)).success;
    expect([
      ok({ group: 0 }),
      ok({ group: 3 }),
      ok({ group: -1 }),
      ok({ group: 4 }),
      ok({ group: 0.5 }),
    ]).toEqual([true, true, false, false, false]);
    expect([
      ok({ vectors: 1 }),
      ok({ vectors: 4 }),
      ok({ vectors: 0 }),
      ok({ vectors: 5 }),
      ok({ vectors: 1.5 }),
    ]).toEqual([true, true, false, false, false]);
    expect([
      ok({ resv: ['direct'] }),
      ok({ resv: ['direct-relaxable'] }),
      ok({ resv: ['direct', 'direct'] }),
      ok({ resv: ['msi'] }),
    ]).toEqual([true, true, false, false]);
    expect(DeviceSpecSchema.parse(dev())).toEqual({ bdf: '00:01.0', group: 0, vectors: 1, resv: [] });
  });
});

describe('TopologySchema bounds', () => {
  it('harts 1..4, devices 1..4, vms 0..2 (default 0)', () => {
    const ok = (o: Record<string, unknown>) => TopologySchema.safeParse(topo(o)).success;
    expect([
      ok({ harts: 1 }),
      ok({ harts: 4 }),
      ok({ harts: 0 }),
      ok({ harts: 5 }),
      ok({ harts: 1.5 }),
    ]).toEqual([true, true, false, false, false]);
    expect([ok({ vms: 0 }), ok({ vms: 2 }), ok({ vms: -1 }), ok({ vms: 3 }), ok({ vms: 0.5 })]).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    const devices = (n: number) => Array.from({ length: n }, (_, i) => dev({ bdf: `0${i}:00.0` }));
    expect([
      ok({ devices: devices(1) }),
      ok({ devices: devices(4) }),
      ok({ devices: [] }),
      ok({ devices: devices(5) }),
    ]).toEqual([true, true, false, false]);
    expect(TopologySchema.parse(topo()).vms).toBe(0);
  });

  it('groups are numbered 0..n-1 without gaps; a bdf appears once', () => {
    const gap = TopologySchema.safeParse(
      topo({ devices: [dev({ group: 0 }), dev({ bdf: '00:02.0', group: 2 })] }),
    );
    expect(gap.success).toBe(false);
    // A superRefine issue is zod's `custom` code (zod docs, "Refinements": ctx.addIssue({ code: "custom" })).
    expect(gap.error?.issues.map((i) => [i.code, i.path, i.message])).toEqual([
      ['custom', ['devices'], 'groups must be numbered 0..1 without gaps'],
    ]);
    // Group 0 missing: one issue per missing group below the count.
    const noZero = TopologySchema.safeParse(topo({ devices: [dev({ group: 1 })] }));
    expect(noZero.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [['devices'], 'groups must be numbered 0..0 without gaps'],
    ]);
    expect(
      TopologySchema.safeParse(topo({ devices: [dev({ group: 1 }), dev({ bdf: '00:02.0', group: 0 })] }))
        .success,
    ).toBe(true);
    const dup = TopologySchema.safeParse(
      topo({ devices: [dev(), dev({ group: 0 }), dev({ bdf: '00:03.0' })] }),
    );
    expect(dup.error?.issues.map((i) => [i.code, i.path, i.message])).toEqual([
      ['custom', ['devices', 1, 'bdf'], 'duplicate bdf 00:01.0'],
    ]);
  });
});

describe('OpSchema and the scenario', () => {
  it('addresses are lower-case hex with 0x', () => {
    for (const a of ['0x0', '0x8000000', '0xfee00000']) expect(HexAddrSchema.safeParse(a).success).toBe(true);
    for (const a of ['0X10', '0xFEE00000', '10', '0x', ' 0x10', '0x10 '])
      expect(HexAddrSchema.safeParse(a).success).toBe(false);
  });

  it('lists the eleven ops, each named after its kernel entry point (the window op after the iommufd uAPI seed 000 proposes)', () => {
    expect(OP_KINDS).toEqual([
      'iommu_group_store_type',
      'vfio_group_assign',
      'vfio_group_release',
      'iommu_map',
      'msi_domain_alloc_irqs',
      'irq_set_affinity',
      'iommu_replace_domain',
      'guest_program_msi',
      'kvm_riscv_vcpu_aia_imsic_update',
      'vfio_set_msi_iova',
      'iommufd_hwpt_set_msi_window',
    ]);
  });

  it('iommu_group_store_type takes the two default-domain types the scenario format names, "identity" and "dma" (docs/architecture.md#the-scenario; the sysfs "identity" / "DMA" of drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const store = (domain: string) => OpSchema.safeParse({ op: 'iommu_group_store_type', group: 0, domain });
    expect(['identity', 'dma', 'DMA', '', 'auto'].map((d) => store(d).success)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(store('').error?.issues[0]?.path).toEqual(['domain']);
  });

  it('indices are non-negative integers; a VFIO owner is 0 or 1', () => {
    expect(OpSchema.safeParse({ op: 'msi_domain_alloc_irqs', device: 0 }).success).toBe(true);
    expect(OpSchema.safeParse({ op: 'msi_domain_alloc_irqs', device: -1 }).success).toBe(false);
    expect(OpSchema.safeParse({ op: 'msi_domain_alloc_irqs', device: 0.5 }).success).toBe(false);
    const assign = (owner: number) => ({
      op: 'vfio_group_assign',
      group: 0,
      backend: 'type1',
      to: 'userspace',
      owner,
      unsafe: false,
    });
    expect([0, 1, -1, 2].map((o) => OpSchema.safeParse(assign(o)).success)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('version is 2 and the design id non-empty', () => {
    expect(SCENARIO_VERSION).toBe(2);
    expect(pathOf(scenario())).toBe('ok');
    expect(pathOf(scenario({ version: 1 }))).toBe('$.version');
    expect(pathOf(scenario({ design: '' }))).toBe('$.design');
  });

  it('every index is checked against the topology, at its limit and one past it', () => {
    const t = topo({
      harts: 2,
      vms: 1,
      devices: [dev(), dev({ bdf: '00:02.0', group: 1 })],
    });
    const at = (op: Record<string, unknown>) =>
      pathOf(scenario({ topology: t, ops: [{ op: 'vfio_group_release', group: 0 }, op] }));
    expect(at({ op: 'vfio_group_release', group: 1 })).toBe('ok');
    expect(at({ op: 'vfio_group_release', group: 2 })).toBe('$.ops[1].group');
    expect(at({ op: 'msi_domain_alloc_irqs', device: 1 })).toBe('ok');
    expect(at({ op: 'msi_domain_alloc_irqs', device: 2 })).toBe('$.ops[1].device');
    expect(at({ op: 'irq_set_affinity', device: 0, vector: 0, hart: 1 })).toBe('ok');
    expect(at({ op: 'irq_set_affinity', device: 0, vector: 0, hart: 2 })).toBe('$.ops[1].hart');
    expect(at({ op: 'guest_program_msi', device: 0, vector: 0, vcpu: 1 })).toBe('ok');
    expect(at({ op: 'guest_program_msi', device: 0, vector: 0, vcpu: 2 })).toBe('$.ops[1].vcpu');
    expect(at({ op: 'kvm_riscv_vcpu_aia_imsic_update', vm: 0, vcpu: 0, hart: 0 })).toBe('ok');
    expect(at({ op: 'kvm_riscv_vcpu_aia_imsic_update', vm: 1, vcpu: 0, hart: 0 })).toBe('$.ops[1].vm');
    const assign = (to: string, owner: number) => ({
      op: 'vfio_group_assign',
      group: 0,
      backend: 'iommufd',
      to,
      owner,
      unsafe: false,
    });
    expect(at(assign('guest', 0))).toBe('ok');
    expect(at(assign('guest', 1))).toBe('$.ops[1].owner');
    // A userspace owner is a VFIO context, not a VM: the VM count does not bound it.
    expect(pathOf(scenario({ topology: topo(), ops: [assign('userspace', 1)] }))).toBe('ok');
    const r = parseScenario(scenario({ topology: t, ops: [{ op: 'vfio_group_release', group: 2 }] }));
    expect(r).toEqual({
      ok: false,
      error: { path: '$.ops[0].group', message: 'must be below 2 for this topology' },
    });
    const bad = ScenarioSchema.safeParse(
      scenario({ topology: t, ops: [{ op: 'vfio_group_release', group: 2 }] }),
    );
    expect(bad.error?.issues.map((i) => [i.code, i.path])).toEqual([['custom', ['ops', 0, 'group']]]);
  });
});

describe('ridOf', () => {
  it('is bus << 8 | device << 3 | function (PCI Express Base spec, Routing IDs)', () => {
    expect(ridOf('00:00.0')).toBe(0);
    expect(ridOf('00:01.0')).toBe(0x08);
    expect(ridOf('00:00.7')).toBe(0x07);
    expect(ridOf('01:00.0')).toBe(0x100);
    expect(ridOf('ff:1f.7')).toBe(0xffff);
    expect(ridOf('a5:13.2')).toBe((0xa5 << 8) | (0x13 << 3) | 2);
  });
});
