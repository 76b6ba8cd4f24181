import { describe, expect, it, vi } from 'vitest';
import { HardwareSchema, LINUX_POLICY, PolicySchema } from './policy.ts';

// The policy knobs name Linux 7.0 behaviour (model/kernel/policy.ts docs); each enum is asserted
// value by value so a renamed or dropped option is noticed, and LINUX_POLICY is Linux 7.0's own
// choice: IOMMU_DMA default domains (drivers/iommu/Kconfig IOMMU_DEFAULT_DMA_STRICT/LAZY), SW_MSI
// cookies (drivers/iommu/dma-iommu.c iommu_get_msi_cookie), irqchips calling iommu_dma_prepare_msi
// (drivers/irqchip/irq-gic-v3-its.c its_irq_domain_alloc), require_direct on every probe
// (drivers/iommu/iommu.c iommu_create_device_direct_mappings), IOMMU_CAP_CACHE_COHERENCY.
describe('PolicySchema and LINUX_POLICY', () => {
  it('LINUX_POLICY is Linux 7.0’s choice on every knob and parses', () => {
    expect(LINUX_POLICY).toEqual({
      defaultDomain: 'dma',
      pagingStage: 's1',
      msiRegion: 'sw-msi',
      doorbells: 'prepare-msi',
      isolatedMsiClaim: true,
      requiresDirect: 'always',
      msiIova: 'cookie',
      nestedGuest: 'none',
      cacheCoherencyCap: true,
    });
    expect(PolicySchema.safeParse(LINUX_POLICY).success).toBe(true);
  });
  it('each enum knob takes exactly its listed values', () => {
    const s = PolicySchema.shape;
    expect(s.defaultDomain.options).toEqual(['identity', 'dma']);
    expect(s.pagingStage.options).toEqual(['s1', 's2']);
    expect(s.msiRegion.options).toEqual([
      'sw-msi',
      'hw-msi',
      'none',
      'direct-relaxable-imsic',
      'hw-msi-and-sw-msi',
    ]);
    expect(s.requiresDirect.options).toEqual(['always', 'dma-default-only']);
    expect(s.msiIova.options).toEqual(['cookie', 'holes', 'userspace-per-vector']);
    expect(s.nestedGuest.options).toEqual(['none', 'rmr', 'no-rmr', 'vmm-ipa']);
    expect(s.guestRmr.unwrap().options).toEqual(['DIRECT', 'DIRECT_RELAXABLE', 'MSI', 'MSI_DIRECT']);
    expect(s.guestDomain.unwrap().options).toEqual(['dma', 'vfio']);
  });
  it('a value outside a knob’s enum, or a missing required knob, is rejected; the optional knobs may be absent', () => {
    const bad = (p: Record<string, unknown>) => PolicySchema.safeParse({ ...LINUX_POLICY, ...p }).success;
    expect(bad({ defaultDomain: 'blocked' })).toBe(false);
    expect(bad({ doorbells: 'prepare_msi' })).toBe(false);
    expect(bad({ isolatedMsiClaim: 'yes' })).toBe(false);
    const { cacheCoherencyCap: _, ...missing } = LINUX_POLICY;
    expect(PolicySchema.safeParse(missing).success).toBe(false);
    expect(bad({ guestRmr: 'DIRECT', guestDomain: 'vfio' })).toBe(true);
  });
});

describe('HardwareSchema', () => {
  it('the Arm MSI controllers and IORT DeviceID mappings, the x86 remapping units', () => {
    const [, arm, x86] = HardwareSchema.options;
    expect(arm.shape.irqchip.options).toEqual(['gicv3-its', 'gicv2m', 'gicv3-mbi']);
    expect(arm.shape.deviceIds.unwrap().options).toEqual(['unique', 'aliased', 'all-zero']);
    expect(x86.shape.ir.options).toEqual(['vtd', 'amd', 'none']);
  });
  it('the AMD IVHD device-entry pass flags (AMD IOMMU spec, IVHD device entry DTE settings: INITPass, EIntPass, NMIPass, Lint0Pass, Lint1Pass)', () => {
    const x86 = HardwareSchema.options[2];
    expect(x86.shape.amdIvrsPass.unwrap().element.options).toEqual([
      'NMIPass',
      'INITPass',
      'ExtIntPass',
      'Lint0Pass',
      'Lint1Pass',
    ]);
    const hw = { arch: 'x86', ir: 'amd', vtdSourceIdCheck: true, compatFormatBlocked: true };
    expect(HardwareSchema.safeParse({ ...hw, amdIvrsPass: ['NMIPass', 'Lint1Pass'] }).success).toBe(true);
    expect(HardwareSchema.safeParse({ ...hw, amdIvrsPass: ['SMIPass'] }).success).toBe(false);
  });
  // The schema is evaluated afresh inside the test (vi.resetModules + import), so what is checked is the
  // schema built when the test runs, not the one built when this file was loaded.
  it('one valid hardware of each arch parses to itself; dropping a required field of that arch, or an unknown or missing arch, is rejected (the discriminator is `arch`; docs/hardware.md)', async () => {
    vi.resetModules();
    const { HardwareSchema: schema } = await import('./policy.ts');
    const valid = [
      { arch: 'riscv', msiFlat: true, specVersion: 'v1.0' },
      { arch: 'arm', irqchip: 'gicv3-its', deviceIds: 'aliased' },
      {
        arch: 'x86',
        ir: 'vtd',
        vtdSourceIdCheck: true,
        compatFormatBlocked: true,
        vtdSameBusDmaAliases: true,
      },
    ] as const;
    const optional = new Set(['arch', 'deviceIds', 'vtdSameBusDmaAliases']);
    for (const hw of valid) {
      expect(schema.parse(hw)).toEqual(hw);
      for (const key of Object.keys(hw).filter((k) => !optional.has(k))) {
        const missing = Object.fromEntries(Object.entries(hw).filter(([k]) => k !== key));
        expect(schema.safeParse(missing).success).toBe(false);
      }
    }
    expect(schema.safeParse({ arch: 'ppc', msiFlat: true, specVersion: 'v1.0' }).success).toBe(false);
    expect(schema.safeParse({ msiFlat: true, specVersion: 'v1.0' }).success).toBe(false);
  });
});
