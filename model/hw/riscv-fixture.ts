import type { RiscvPlatform } from './riscv.ts';
import type { ImsicConfig } from './riscv-aia/imsic.ts';
import type { DeviceContext, RiscvIommuConfig } from './riscv-iommu/config.ts';

/**
 * A small, valid RISC-V platform used by conformance tests: 4 harts in group 0, IMSIC S-files at
 * 0x28000000 + h·0x8000 (guest index bits 3), M-files at 0x24000000 + h·0x1000, 63 identities.
 */
export const testImsic = (harts = 4, geilen = 3): ImsicConfig => ({
  mBase: 0x2400_0000n,
  sBase: 0x2800_0000n,
  mHartShift: 12,
  guestIndexBits: 3,
  hartIndexBits: 2,
  groupIndexBits: 0,
  groupIndexShift: 24,
  beMsi: false,
  harts: Array.from({ length: harts }, (_, h) => ({
    group: 0,
    hart: h,
    mIds: 63,
    sIds: 63,
    guestIds: 63,
    geilen,
  })),
});

export const bareDc = (over: Partial<DeviceContext> = {}): DeviceContext => ({
  tc: { V: true, PDTV: false },
  iohgatp: { MODE: 'Bare', GSCID: 0, pages: new Map() },
  fsc: { MODE: 'Bare', pages: new Map() },
  msiptp: { MODE: 0, PPN: 0n },
  msi_addr_mask: 0n,
  msi_addr_pattern: 0n,
  ...over,
});

export const testIommu = (over: Partial<RiscvIommuConfig> = {}): RiscvIommuConfig => ({
  specVersion: 'v1.0',
  capabilities: { MSI_FLAT: true, MSI_MRIF: true, PAS: 56, gStage: 'Sv48x4' },
  ddtp: { iommu_mode: 'DDT' },
  ddt: new Map(),
  msiPtes: new Map(),
  accessFault: new Set(),
  poisoned: new Set(),
  ...over,
});

export const testRiscv = (iommu: Partial<RiscvIommuConfig> = {}, imsic = testImsic()): RiscvPlatform => ({
  arch: 'riscv',
  iommu: testIommu(iommu),
  imsic,
});
