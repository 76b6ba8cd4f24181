/** The architectures a hardware vector names (docs/conformance-format.md, section 3). */
export const ARCHES = [
  'riscv-iommu',
  'imsic',
  'gicv3-its',
  'gicv2m',
  'vtd-ir',
  'amd-ir',
  'x86-compat',
] as const;
export type Arch = (typeof ARCHES)[number];
