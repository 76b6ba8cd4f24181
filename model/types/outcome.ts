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

export type FaultArch = 'riscv-iommu' | 'smmuv3' | 'vtd' | 'amd-vi';

/** A named fault cause: `name` is the spec's (or the model's documented) name, `code` its number. */
export interface FaultCause {
  readonly name: string;
  readonly code: number;
}

export type Outcome =
  | { kind: 'memory'; pa: bigint; data: number }
  | {
      kind: 'interrupt';
      controller: Controller;
      /** Hart "g.h", redistributor "rd<n>", vPE, APIC id, or MRIF address. */
      target: string;
      /** IMSIC file "M" | "S" | "G<i>". */
      file?: string;
      /** EIID, INTID, vINTID or vector. */
      identity: number;
      /** MRIF only: the notice MSI the IOMMU sends after recording the interrupt. */
      notice?: Outcome;
    }
  | { kind: 'dropped'; reason: DropReason }
  | { kind: 'fault'; arch: FaultArch; cause: string; code: number };

/** Why a write completed without effect. One id per rule in `hw-msi-facts.md`. */
export const DROP_REASONS = [
  'imsic-unimplemented-identity', // AIA IMSIC memory region: value not an implemented identity
  'imsic-not-seteipnum', // AIA IMSIC memory region: other offsets are read-only zero
  'imsic-read-only-zero-page', // AIA IMSIC system memory regions: unused pages
  'imsic-unsupported-access', // AIA IMSIC memory region: only aligned 32-bit accesses
  'mrif-not-an-msi', // AIA IOMMU MRIF mode: accepted and silently discarded
  'its-disabled', // GITS_CTLR.Enabled = 0
  'its-deviceid-out-of-range',
  'its-unmapped-deviceid',
  'its-eventid-out-of-range',
  'its-unmapped-eventid',
  'its-unmapped-collection',
  'its-unmapped-vpe',
  'its-vintid-out-of-range',
  'its-translater-not-register', // rest of the translation frame reads as zero, writes ignored
  'v2m-spi-out-of-frame',
  'v2m-not-setspi',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export const fault = (arch: FaultArch, cause: FaultCause): Outcome => ({
  kind: 'fault',
  arch,
  cause: cause.name,
  code: cause.code,
});
export const dropped = (reason: DropReason): Outcome => ({ kind: 'dropped', reason });

/** Records the hop that faulted (naming the cause in its facts) and returns the fault. */
export const tracedFault = (trace: Trace, arch: FaultArch, cause: FaultCause, h: Hop): Outcome => {
  hop(trace, { ...h, facts: { ...h.facts, fault: cause.name } });
  return fault(arch, cause);
};
