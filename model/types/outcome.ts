import { type Hop, hop, type Trace } from './hop.ts';

/**
 * What one device write does, as data. Human text for any of these is rendered by the report
 * layer only; the model returns ids and numbers.
 */
export type Controller =
  | 'imsic' // RISC-V AIA IMSIC interrupt file
  | 'mrif' // RISC-V IOMMU memory-resident interrupt file
  | 'its-lpi' // GICv3 ITS physical LPI
  | 'its-vlpi' // GICv4 virtual LPI
  | 'gic-spi' // GIC distributor SPI (GICv2m)
  | 'lapic' // x86 local APIC
  | 'posted'; // VT-d posted interrupt descriptor

/**
 * Who aborted the transaction. `bus`: no IOMMU fault, the target region refused the access size
 * (QEMU answers MEMTX_DECODE_ERROR when MemoryRegionOps.valid rejects it, memory.c
 * memory_region_access_valid); the device sees an error completion and nothing is recorded.
 */
export type FaultArch = 'riscv-iommu' | 'smmuv3' | 'vtd' | 'amd-vi' | 'bus';

/** A named fault cause: `name` is the spec's (or the model's documented) name, `code` its number. */
export interface FaultCause {
  readonly name: string;
  readonly code: number;
}

/**
 * An MRIF update (AIA, IOMMU "MSI PTE, MRIF mode"): pending bit `bit` of the little-endian
 * doubleword at `pendingDoubleword` is set, then the notice MSI (NID, little-endian) goes to `noticePa`.
 */
export interface MrifUpdate {
  readonly address: bigint;
  readonly pendingDoubleword: bigint;
  readonly bit: number;
  /** Byte order the incoming MSI was taken in: A[2] = 0 little-endian, 1 big-endian. */
  readonly byteOrder: 'little' | 'big';
  readonly noticePa: bigint;
  readonly noticeData: number;
  /** The notice MSI is always written little-endian, whatever the MSI's byte order (AIA, MRIF mode). */
  readonly noticeByteOrder: 'little';
}

export type Outcome =
  | {
      kind: 'memory';
      pa: bigint;
      data: number;
      /** RISC-V: the access was MSI-translated through MSI PTE number I (basic mode). */
      msiFile?: number;
    }
  | {
      kind: 'interrupt';
      controller: Controller;
      /** Hart "g.h", redistributor "rd<n>", vPE, APIC id, or MRIF address. */
      target: string;
      /** IMSIC file "M" | "S" | "G<i>". */
      file?: string;
      /** EIID, INTID, vINTID or vector. */
      identity: number;
      /** MRIF only: the notice MSI the IOMMU sends after recording the interrupt, and where it landed. */
      notice?: Outcome;
      mrif?: MrifUpdate;
      /** LAPIC only: the delivery mode the interrupt arrived with (absent = fixed). */
      deliveryMode?: DeliveryMode;
    }
  | { kind: 'dropped'; reason: DropReason }
  /**
   * The access reached a device register that is not an MSI doorbell and acted on it (a GIC
   * distributor control, enable, pending or routing register): not an interrupt request, not memory.
   */
  | {
      kind: 'register';
      /** The register block: `gicd`, the GICv3 distributor frame (Arm IHI 0069, GICD register map). */
      block: RegisterBlock;
      /** The architecture's register name, such as `GICD_CTLR` or `GICD_ISENABLER<n>`. */
      register: string;
      /** PA of the register reached. */
      pa: bigint;
      access: 'read' | 'write';
    }
  | {
      kind: 'fault';
      arch: FaultArch;
      cause: string;
      code: number;
      /**
       * The transaction is aborted but no fault is recorded: RISC-V DC.tc.DTF (IOMMU spec, fault
       * record CAUSE table, "Reported if DTF is 1?"), VT-d IRTE.FPD (QEMU vtd_irte_get), AMD-Vi
       * IRTE.SupIOPF.
       */
      unrecorded?: true;
    };

/**
 * x86 interrupt delivery modes (Intel SDM vol. 3 "Message Data Register Format", data[10:8]; the
 * VT-d IRTE DLM field; the AMD-Vi IRTE IntType and MSI MT field). Only `fixed` and
 * `lowest-priority` deliver the vector; SMI, NMI and INIT ignore it and ExtINT takes it from the 8259.
 */
export const DELIVERY_MODES = ['fixed', 'lowest-priority', 'smi', 'nmi', 'init', 'extint'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** Blocks whose non-doorbell registers a device access can reach (the `register` outcome). */
export const REGISTER_BLOCKS = ['gicd'] as const;
export type RegisterBlock = (typeof REGISTER_BLOCKS)[number];

/** Why a write completed without effect: one id per rule of the hardware model, cited where it is raised. */
export const DROP_REASONS = [
  'imsic-unimplemented-identity', // AIA IMSIC memory region: value not an implemented identity
  'imsic-not-seteipnum', // AIA IMSIC memory region: other offsets are read-only zero
  'imsic-read-only-zero-page', // AIA IMSIC system memory regions: unused pages
  'imsic-unsupported-access', // AIA IMSIC memory region: only aligned 32-bit accesses
  'imsic-read-zero', // AIA IMSIC memory region: reads of seteipnum_le/_be and of every other byte return 0
  'mrif-not-an-msi', // AIA IOMMU MRIF mode: accepted and silently discarded
  'mrif-read-zero', // AIA IOMMU MRIF mode: a naturally aligned 32-bit read returns zero
  'its-disabled', // GITS_CTLR.Enabled = 0
  'its-deviceid-out-of-range',
  'its-unmapped-deviceid',
  'its-eventid-out-of-range',
  'its-unmapped-eventid',
  'its-unmapped-collection',
  'its-unmapped-vpe',
  'its-vintid-out-of-range',
  'its-translater-not-register', // rest of the translation frame reads as zero, writes ignored
  'its-read-zero', // GITS_TRANSLATER is write-only; the translation frame reads as zero
  'its-virtual-unsupported', // virtual ITE on an ITS without GITS_TYPER.Virtual
  'its-rdbase-out-of-range', // CTE/VTE RDbase beyond the redistributors
  'v2m-spi-out-of-frame',
  'v2m-not-setspi',
  'v2m-bad-size', // QEMU gicv2m_write: only 16- and 32-bit writes
  'v2m-read-zero', // QEMU gicv2m_read: MSI_SETSPI_NS reads as zero
  'gicd-not-an-spi', // GICD_SETSPI_NSR: an INTID that is not an implemented SPI is ignored
  'gicd-secure-only', // GICD_SETSPI_SR / GICD_CLRSPI_SR: RAZ/WI for Non-secure accesses
  'gicd-read-only', // GICD_TYPER, GICD_IIDR, GICD_TYPER2, ID registers: writes ignored
  'gicd-reserved', // reserved offsets of the distributor frame: RES0
  'x86-ir-read', // QEMU vtd_mem_ir_read / amdvi_mem_ir_read: reads of the interrupt window do nothing
  'lapic-not-an-msi', // a read, or a write narrower than 32 bits, in 0xFEE00000-0xFEEFFFFF without remapping
  'lapic-reserved-delivery-mode', // MSI data[10:8] = 011 or 110: reserved (Intel SDM vol. 3 "Message Data Register Format")
  'lapic-illegal-vector', // fixed / lowest-priority vector 0-15: "Receive Illegal Vector" (Intel SDM vol. 3 "Error Handling")
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export const fault = (arch: FaultArch, cause: FaultCause): Outcome => ({
  kind: 'fault',
  arch,
  cause: cause.name,
  code: cause.code,
});

/** The same fault, aborted but not recorded (DTF / FPD / SupIOPF). */
export const unrecorded = (o: Outcome): Outcome => (o.kind === 'fault' ? { ...o, unrecorded: true } : o);

/** QEMU's answer to an access size a MemoryRegionOps.valid range refuses (memory.c memory_region_access_valid). */
export const MEMTX_DECODE_ERROR = { name: 'MEMTX_DECODE_ERROR', code: 0 } as const satisfies FaultCause;
export const dropped = (reason: DropReason): Outcome => ({ kind: 'dropped', reason });

/** Records the hop that faulted (naming the cause in its facts) and returns the fault. */
export const tracedFault = (trace: Trace, arch: FaultArch, cause: FaultCause, h: Hop): Outcome => {
  hop(trace, { ...h, facts: { ...h.facts, fault: cause.name } });
  return fault(arch, cause);
};
