import { z } from 'zod';
import { PageMapSchema } from '../../types/page-map.ts';
import { parseWith } from '../../types/validate.ts';
import { MsiPteSchema } from './msi-pte.ts';

/**
 * RISC-V IOMMU configuration, reduced to what decides the fate of a device write (IOMMU spec,
 * "Data structures"; docs/hardware.md#risc-v-iommu-msi-translation). Page tables are abstract page maps (their Sv39/Sv39x4-style radix
 * layout is not modelled); MSI page tables are bit-exact PTEs in an abstract physical memory.
 */
export const G_STAGE_MODES = ['Bare', 'Sv32x4', 'Sv39x4', 'Sv48x4', 'Sv57x4'] as const;
export const FIRST_STAGE_MODES = ['Bare', 'Sv32', 'Sv39', 'Sv48', 'Sv57'] as const;
/** msiptp.MODE: 0 = Off, 1 = Flat, 2..13 reserved, 14..15 custom (IOMMU spec, msiptp). */
export const MSIPTP_MODE_OFF = 0;
export const MSIPTP_MODE_FLAT = 1;

/** DC.tc bits beyond V and PDTV (IOMMU spec, "Device-context fields"); absent = 0. */
const tcBit = z.boolean().optional();

export const DeviceContextSchema = z.object({
  tc: z.object({
    /** DC valid. */
    V: z.boolean(),
    /** Process-directory table valid: without it a transaction with a process id is disallowed. */
    PDTV: z.boolean().default(false),
    /** ATS enabled: Translated requests are allowed only then. */
    EN_ATS: tcBit,
    EN_PRI: tcBit,
    /** Translated requests carry a GPA, translated again by the G-stage. */
    T2GPA: tcBit,
    /** Disable translation-fault reporting (the transaction is still aborted). */
    DTF: tcBit,
    PRPR: tcBit,
    GADE: tcBit,
    SADE: tcBit,
    DPE: tcBit,
    /** Endianness of first-stage PTEs and PDT entries. */
    SBE: tcBit,
    /** 32-bit first stage (Sv32). */
    SXL: tcBit,
  }),
  iohgatp: z.object({
    MODE: z.enum(G_STAGE_MODES),
    GSCID: z.number().int().min(0).default(0),
    pages: PageMapSchema,
  }),
  fsc: z.object({ MODE: z.enum(FIRST_STAGE_MODES), pages: PageMapSchema }),
  msiptp: z.object({
    MODE: z.number().int().min(0).max(15),
    /** msiptp.PPN is bits 43:0; a wider value means reserved bits are set. */
    PPN: z.bigint().min(0n),
  }),
  /** Guest page-number mask and pattern: bits 51:0 meaningful, the rest reserved. */
  msi_addr_mask: z.bigint().min(0n),
  msi_addr_pattern: z.bigint().min(0n),
});
export type DeviceContext = z.infer<typeof DeviceContextSchema>;

/**
 * Which revision of the device-context checks applies. `v1.0` (tag v1.0.1) applies MSI translation
 * with a Bare G-stage; `20260222` reserves msiptp ≠ Off when iohgatp is Bare and the model reports
 * the recommended 259 (commit 6302ebe; docs/hardware.md#msiptp-with-a-bare-g-stage).
 */
export const SPEC_VERSIONS = ['v1.0', '20260222'] as const;
export type SpecVersion = (typeof SPEC_VERSIONS)[number];

export const RiscvIommuConfigSchema = z.object({
  specVersion: z.enum(SPEC_VERSIONS),
  capabilities: z.object({
    /** MSI translation with basic PTEs; selects the extended DC format. */
    MSI_FLAT: z.boolean(),
    /** MRIF-mode PTEs. */
    MSI_MRIF: z.boolean(),
    /**
     * HYPOTHETICAL, in no IOMMU spec revision: MSI PTE mode M = 2 validates the write data against a
     * per-PTE bitmap of allowed identities (the MSI data validation seed 000 says was raised with the
     * spec writers; riscv-non-isa/riscv-iommu issue #646). Absent = not implemented (M = 2 reserved).
     */
    MSI_DATA_VALID: z.boolean().optional(),
    /** Physical address width. */
    PAS: z.number().int().min(32).max(64),
    /** The widest G-stage mode implemented, which fixes MGPAW (IOMMU spec [[MSI_ID]]). */
    gStage: z.enum(G_STAGE_MODES),
    /**
     * Further capability bits the device-context checks consult ([[DC_MISCONFIG]]). Each is optional:
     * an absent bit is not checked (configurations built before these existed keep their meaning).
     */
    ATS: z.boolean().optional(),
    T2GPA: z.boolean().optional(),
    END: z.boolean().optional(),
    AMO_HWAD: z.boolean().optional(),
    /** The implemented first-stage and G-stage modes (capabilities.Sv32 … Sv57x4); absent = all. */
    firstStageModes: z.array(z.enum(FIRST_STAGE_MODES)).optional(),
    gStageModes: z.array(z.enum(G_STAGE_MODES)).optional(),
  }),
  /** fctl.BE (IOMMU data structures big-endian) and fctl.GXL (32-bit G-stage); absent = 0. */
  fctl: z.object({ BE: z.boolean(), GXL: z.boolean() }).optional(),
  /**
   * ddtp.iommu_mode: Off, Bare, or a device directory of `levels` levels (1LVL/2LVL/3LVL; absent = 3).
   * The depth bounds the device_id width (IOMMU spec, Process to translate an IOVA, step 5).
   */
  ddtp: z.object({
    iommu_mode: z.enum(['Off', 'Bare', 'DDT']),
    levels: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  }),
  /** The device directory, keyed by device_id (= requester id); a missing entry reads as V = 0. */
  ddt: z.map(z.number().int().min(0), DeviceContextSchema),
  /** Physical memory holding MSI PTEs, keyed by PTE address; absent addresses read as zero. */
  msiPtes: z.map(z.bigint().min(0n), MsiPteSchema),
  /** Fault injection: PTE addresses whose read fails with an access fault or returns poison. */
  accessFault: z.set(z.bigint()).default(new Set()),
  poisoned: z.set(z.bigint()).default(new Set()),
});
export type RiscvIommuConfig = z.infer<typeof RiscvIommuConfigSchema>;

export const parseRiscvIommuConfig = (input: unknown) => parseWith(RiscvIommuConfigSchema, input);

/** MGPAW for the implemented G-stage (IOMMU spec [[MSI_ID]]): 59 / 50 / 41 / 34, else PAS. */
export const mgpaw = (c: RiscvIommuConfig): number => {
  switch (c.capabilities.gStage) {
    case 'Sv57x4':
      return 59;
    case 'Sv48x4':
      return 50;
    case 'Sv39x4':
      return 41;
    case 'Sv32x4':
      return 34;
    case 'Bare':
      return c.capabilities.PAS;
    // Stryker disable next-line BlockStatement: unreachable, the switch covers every member of the union
    default: {
      const never: never = c.capabilities.gStage;
      return never;
    }
  }
};
