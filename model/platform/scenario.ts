import { z } from 'zod';
import { parseWith } from '../types/validate.ts';

/**
 * The one data structure (docs/architecture.md#the-scenario): a design id, a topology and a list of operations, all plain
 * JSON. Devices, groups, vectors, harts, VMs and VFIO contexts are referred to by index, so a
 * random or shrunk scenario is always meaningful.
 */
export const HexAddrSchema = z
  .string()
  .regex(/^0x[0-9a-f]+$/, 'a lower-case hex address such as "0x8000000"');
export const FIRMWARE_REGIONS = ['direct', 'direct-relaxable'] as const;

export const DeviceSpecSchema = z.object({
  bdf: z.string().regex(/^[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/, 'a PCI address such as "00:01.0"'),
  group: z.number().int().min(0).max(3),
  vectors: z.number().int().min(1).max(4),
  /** Firmware-described regions (RMRR, IVMD, IORT RMR) that the IOMMU driver reports for this device. */
  resv: z.array(z.enum(FIRMWARE_REGIONS)).max(1).default([]),
});
export type DeviceSpec = z.infer<typeof DeviceSpecSchema>;

export const TopologySchema = z
  .object({
    harts: z.number().int().min(1).max(4),
    devices: z.array(DeviceSpecSchema).min(1).max(4),
    vms: z.number().int().min(0).max(2).default(0),
  })
  .superRefine((t, ctx) => {
    const groups = new Set(t.devices.map((d) => d.group));
    for (let g = 0; g < groups.size; g++) {
      if (!groups.has(g))
        ctx.addIssue({
          code: 'custom',
          path: ['devices'],
          message: `groups must be numbered 0..${groups.size - 1} without gaps`,
        });
    }
    const bdfs = new Set<string>();
    t.devices.forEach((d, i) => {
      if (bdfs.has(d.bdf))
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'bdf'], message: `duplicate bdf ${d.bdf}` });
      bdfs.add(d.bdf);
    });
  });
export type Topology = z.infer<typeof TopologySchema>;

const idx = z.number().int().min(0);

/** Operations, named after the kernel entry point or hardware event they model. */
export const OpSchema = z.discriminatedUnion('op', [
  /** Host changes a group's default domain type (sysfs iommu_groups/N/type: iommu_group_store_type). */
  z.object({ op: z.literal('iommu_group_store_type'), group: idx, domain: z.enum(['identity', 'dma']) }),
  /**
   * VFIO claims a group for an owner: type1 (vfio_iommu_type1_attach_group) or iommufd
   * (iommufd_device_bind + attach); to a userspace driver (VFIO context `owner`) or a VM (`owner`).
   */
  z.object({
    op: z.literal('vfio_group_assign'),
    group: idx,
    backend: z.enum(['type1', 'iommufd']),
    to: z.enum(['userspace', 'guest']),
    owner: z.number().int().min(0).max(1),
    /** The module parameter allow_unsafe_interrupts of the backend. */
    unsafe: z.boolean(),
  }),
  /** The owner releases the group; it returns to its default domain (iommu_group_release_dma_owner). */
  z.object({ op: z.literal('vfio_group_release'), group: idx }),
  /** The group's owner maps one page of its memory at `iova` (VFIO_IOMMU_MAP_DMA / IOMMU_IOAS_MAP). */
  z.object({ op: z.literal('iommu_map'), group: idx, iova: HexAddrSchema }),
  /** The device's driver (host, VFIO userspace through VFIO_DEVICE_SET_IRQS, or the VMM) allocates its next vector. */
  z.object({ op: z.literal('msi_domain_alloc_irqs'), device: idx }),
  z.object({ op: z.literal('irq_set_affinity'), device: idx, vector: idx, hart: idx }),
  /** iommufd: attach the group to a new hwpt of the same IOAS (iommufd_device_replace). */
  z.object({ op: z.literal('iommu_replace_domain'), group: idx }),
  /** A VM programs the MSI of `vector` toward its vCPU `vcpu` (trapped by the VMM, or irqbypass). */
  z.object({ op: z.literal('guest_program_msi'), device: idx, vector: idx, vcpu: idx }),
  /**
   * RISC-V KVM: vCPU `vcpu` of VM `vm` is loaded on host hart `hart` (kvm_riscv_vcpu_aia_imsic_update,
   * arch/riscv/kvm/aia_imsic.c): a guest interrupt file is allocated on the new hart
   * (kvm_riscv_aia_alloc_hgei) and the old one released (kvm_riscv_aia_free_hgei).
   */
  z.object({ op: z.literal('kvm_riscv_vcpu_aia_imsic_update'), vm: idx, vcpu: idx, hart: idx }),
  /** Userspace supplies the MSI IOVA of one vector (VFIO_IRQ_SET_DATA_MSI_IOVA, seed 003). */
  z.object({ op: z.literal('vfio_set_msi_iova'), device: idx, vector: idx, iova: HexAddrSchema }),
  /**
   * HYPOTHETICAL iommufd uAPI (seed 000): the VMM supplies the MSI window of the paging hwpt `group`
   * is attached to — where its guest's interrupt files sit, starting at `iova`
   * (model/kernel/iommufd/msi-window.ts).
   */
  z.object({ op: z.literal('iommufd_hwpt_set_msi_window'), group: idx, iova: HexAddrSchema }),
]);
export type Op = z.infer<typeof OpSchema>;
export type OpKind = Op['op'];
export const OP_KINDS: readonly OpKind[] = OpSchema.options.map((o) => o.shape.op.value);

/** Checks every index in `ops` against the topology: an op naming a device that does not exist is malformed. */
const refineIndices = (s: { topology: Topology; ops: Op[] }, ctx: z.RefinementCtx): void => {
  const groups = new Set(s.topology.devices.map((d) => d.group)).size;
  s.ops.forEach((o, i) => {
    const bad = (field: string, max: number) =>
      ctx.addIssue({
        code: 'custom',
        path: ['ops', i, field],
        message: `must be below ${max} for this topology`,
      });
    if ('group' in o && o.group >= groups) bad('group', groups);
    if ('device' in o && o.device >= s.topology.devices.length) bad('device', s.topology.devices.length);
    if ('hart' in o && o.hart >= s.topology.harts) bad('hart', s.topology.harts);
    if ('vcpu' in o && o.vcpu >= s.topology.harts) bad('vcpu', s.topology.harts);
    if ('vm' in o && o.vm >= s.topology.vms) bad('vm', s.topology.vms);
    if (o.op === 'vfio_group_assign' && o.to === 'guest' && o.owner >= s.topology.vms)
      bad('owner', s.topology.vms);
  });
};

/**
 * The scenario schema version. 2: the op that changes a group's default domain type is named
 * `iommu_group_store_type` (it was `iommu_attach_group`, a name of another kernel function);
 * scripts/migrate-scenarios.ts rewrites version-1 files.
 */
export const SCENARIO_VERSION = 2;

export const ScenarioSchema = z
  .object({
    version: z.literal(SCENARIO_VERSION),
    design: z.string().min(1),
    topology: TopologySchema,
    ops: z.array(OpSchema),
  })
  .superRefine(refineIndices);
export type Scenario = z.infer<typeof ScenarioSchema>;
export const parseScenario = (input: unknown) => parseWith(ScenarioSchema, input);

/** The requester id of a device: its BDF as bus << 8 | device << 3 | function. */
export const ridOf = (bdf: string): number => {
  const [bus = '0', rest = '0.0'] = bdf.split(':');
  const [dev = '0', fn = '0'] = rest.split('.');
  return (Number.parseInt(bus, 16) << 8) | (Number.parseInt(dev, 16) << 3) | Number.parseInt(fn, 16);
};
