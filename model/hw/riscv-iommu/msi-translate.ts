import { hex } from '../../types/addr.ts';
import { type Hop, hop, type Trace } from '../../types/hop.ts';
import { dropped, type FaultCause, type Outcome, tracedFault } from '../../types/outcome.ts';
import type { Access } from '../../types/page-map.ts';
import { bswap32 } from '../riscv-aia/imsic.ts';
import {
  INSTRUCTION_ACCESS_FAULT,
  MRIF_UNSUPPORTED_ACCESS,
  MSI_DATA_NOT_ALLOWED,
  MSI_PT_DATA_CORRUPTION,
  MSI_PTE_LOAD_ACCESS_FAULT,
  MSI_PTE_MISCONFIGURED,
  MSI_PTE_NOT_VALID,
} from './causes.ts';
import { type DeviceContext, MSIPTP_MODE_FLAT, type RiscvIommuConfig } from './config.ts';
import { extract } from './extract.ts';
import {
  basicReserved,
  INVALID_PTE,
  MSI_PTE_MODE_BASIC,
  MSI_PTE_MODE_MRIF,
  MSI_PTE_MODE_VALIDATED,
  mrifAddress,
  mrifNid,
  mrifNppn,
  mrifReserved,
  pteC,
  pteM,
  ptePpn,
  pteV,
  validatedAllows,
} from './msi-pte.ts';

const BLOCK = 'riscv-iommu';
/** The hypothetical validated mode (model/hw/riscv-iommu/config.ts capabilities.MSI_DATA_VALID; docs/hardware.md#msi-pte-formats). */
const REF_VALIDATED =
  'HYPOTHETICAL MSI PTE mode M = 2 (data validation; riscv-non-isa/riscv-iommu issue #646)';

/** What MSI address translation made of the access. */
export type MsiResult =
  /** Not an interrupt-file address: continue with G-stage translation. */
  | { kind: 'not-msi' }
  /** Basic mode: the write, data unchanged, goes to physical address `pa`. */
  | { kind: 'pa'; pa: bigint; file: bigint }
  /** MRIF mode: the IOMMU records `identity` in the MRIF, then sends `nid` to page `nppn`. */
  | {
      kind: 'mrif';
      file: bigint;
      mrifAddr: bigint;
      identity: number;
      nppn: bigint;
      nid: number;
      byteOrder: 'little' | 'big';
    }
  | { kind: 'outcome'; outcome: Outcome };

// Citations name the rule of [[MSI_TRANS]] by its words; only steps 5 (extract) and 7 (PTE load) are cited by number, as the spec numbers them (docs/hardware.md#msi-address-translation).
const REF = 'RISC-V IOMMU spec v1.0.1, MSI address translation [[MSI_TRANS]]';
const REF_MRIF = 'RISC-V AIA, IOMMU chapter, MSI PTE, MRIF mode';
const ARCH = 'riscv-iommu';

/**
 * True when the guest page of `gpa` selects a virtual interrupt file under the DC's mask/pattern:
 * `(A >> 12) & ~msi_addr_mask = (msi_addr_pattern & ~msi_addr_mask)` on the whole fields ([[MSI_ID]]).
 * The fields are used as stored: their reserved bits (63:52, and from spec 20250828 51:MGPAW−12)
 * already made the DC misconfigured, and under v1.0 bits 51:MGPAW−12 take part in the match.
 */
export const isMsiAddress = (dc: DeviceContext, gpa: bigint): boolean => {
  if (dc.msiptp.MODE !== MSIPTP_MODE_FLAT) return false;
  const m = dc.msi_addr_mask;
  return ((gpa >> 12n) & ~m) === (dc.msi_addr_pattern & ~m);
};

/**
 * MSI address translation of GPA `gpa` (IOMMU spec [[MSI_TRANS]]; reference model
 * msi_address_translation()). Called only with msiptp.MODE = Flat. The write data is never looked at
 * in basic mode (docs/hardware.md#what-happens-to-the-write-data). Every fault records the hop that raised it.
 */
export const msiTranslate = (
  c: RiscvIommuConfig,
  dc: DeviceContext,
  gpa: bigint,
  access: Access,
  data: number,
  size: number,
  trace: Trace,
  bigEndianMsi: boolean,
): MsiResult => {
  const faultAt = (cause: FaultCause, step: string, ref: string, facts: Hop['facts']): MsiResult => ({
    kind: 'outcome',
    outcome: tracedFault(trace, ARCH, cause, { block: BLOCK, step, ref, facts }),
  });
  // Steps 3-4: A is an interrupt-file address iff (A >> 12) & ~mask == pattern & ~mask.
  if (!isMsiAddress(dc, gpa)) return { kind: 'not-msi' };
  // Step 5: interrupt file number I = extract(A >> 12, mask).
  const file = extract(gpa >> 12n, dc.msi_addr_mask);
  hop(trace, {
    block: BLOCK,
    step: 'msi-match',
    ref: `${REF}, address match and step 5 (extract)`,
    facts: { gpa: hex(gpa), file: Number(file) },
  });
  // Step 7: PTE address = (msiptp.PPN << 12) | (I × 16): a bitwise OR, not an addition.
  const pteAddr = (dc.msiptp.PPN << 12n) | (file * 16n);
  if (pteAddr >> BigInt(c.capabilities.PAS) !== 0n || c.accessFault.has(pteAddr)) {
    return faultAt(MSI_PTE_LOAD_ACCESS_FAULT, 'msi-pte-load-fault', `${REF}, step 7 (PTE load)`, {
      pte: hex(pteAddr),
    });
  }
  if (c.poisoned.has(pteAddr))
    return faultAt(MSI_PT_DATA_CORRUPTION, 'msi-pte-poisoned', `${REF}, PTE load`, { pte: hex(pteAddr) });
  const pte = c.msiPtes.get(pteAddr) ?? INVALID_PTE;
  const facts = { file: Number(file), pte: hex(pteAddr) };
  // msipte.V = 0: MSI PTE not valid (262).
  if (!pteV(pte)) return faultAt(MSI_PTE_NOT_VALID, 'msi-pte-not-valid', `${REF}, msipte.V == 0`, facts);
  // msipte.C = 1: implementation-defined; the reference model reports 263 (QEMU 262).
  if (pteC(pte))
    return faultAt(
      MSI_PTE_MISCONFIGURED,
      'msi-pte-misconfigured',
      `${REF}, msipte.C == 1 (reference model)`,
      { ...facts, why: 'C = 1' },
    );
  const mode = pteM(pte);
  // HYPOTHETICAL: with capabilities.MSI_DATA_VALID, M = 2 is basic translation that first checks the
  // write data against the PTE's allowed identities (dw1); otherwise M = 2 stays reserved.
  if (mode === MSI_PTE_MODE_VALIDATED && c.capabilities.MSI_DATA_VALID === true) {
    if (basicReserved(pte) || access === 'exec')
      return faultAt(MSI_PTE_MISCONFIGURED, 'msi-pte-misconfigured', `${REF}, msipte.M == 2 (hypothetical)`, {
        ...facts,
        why: access === 'exec' ? 'read-for-execute' : 'reserved bits',
      });
    if (access === 'write' && !validatedAllows(pte, data))
      return faultAt(MSI_DATA_NOT_ALLOWED, 'msi-data-not-allowed', REF_VALIDATED, { ...facts, data });
    const pa = (ptePpn(pte) << 12n) | (gpa & 0xfffn);
    hop(trace, {
      block: BLOCK,
      step: 'msi-pte-validated',
      ref: REF_VALIDATED,
      facts: { ...facts, pa: hex(pa), data },
    });
    return { kind: 'pa', pa, file };
  }
  if (mode !== MSI_PTE_MODE_BASIC && mode !== MSI_PTE_MODE_MRIF) {
    // msipte.M ∈ {0, 2}: reserved → misconfigured (263).
    return faultAt(MSI_PTE_MISCONFIGURED, 'msi-pte-misconfigured', `${REF}, msipte.M reserved`, {
      ...facts,
      why: `M = ${mode}`,
    });
  }
  if (mode === MSI_PTE_MODE_BASIC && basicReserved(pte)) {
    return faultAt(MSI_PTE_MISCONFIGURED, 'msi-pte-misconfigured', `${REF}, msipte.M == 3 reserved bits`, {
      ...facts,
      why: 'reserved bits',
    });
  }
  if (mode === MSI_PTE_MODE_MRIF && (!c.capabilities.MSI_MRIF || mrifReserved(pte))) {
    const why = c.capabilities.MSI_MRIF ? 'reserved bits' : 'M = 1 without capabilities.MSI_MRIF';
    return faultAt(MSI_PTE_MISCONFIGURED, 'msi-pte-misconfigured', `${REF}, msipte.M == 1`, {
      ...facts,
      why,
    });
  }
  // Last rule: a read-for-execute to an interrupt file is an instruction access fault (cause 1; iommu issue #206).
  if (access === 'exec')
    return faultAt(INSTRUCTION_ACCESS_FAULT, 'msi-exec', `${REF}, read-for-execute (issue #206)`, facts);
  if (mode === MSI_PTE_MODE_BASIC) {
    // Basic mode: the write goes on to PPN << 12 | A[11:0], data untouched.
    const pa = (ptePpn(pte) << 12n) | (gpa & 0xfffn);
    hop(trace, {
      block: BLOCK,
      step: 'msi-pte-basic',
      ref: `${REF}, msipte.M == 3 (basic translate mode)`,
      facts: { ...facts, pa: hex(pa) },
    });
    return { kind: 'pa', pa, file };
  }
  // MRIF mode (AIA, "MSI PTE, MRIF mode"): "If a memory access, read or write, is not for 32 bits of
  // data, or if the access address is not aligned to a 4-byte boundary ..., the access should be
  // aborted as unsupported."
  if (size !== 4 || (gpa & 3n) !== 0n) {
    return faultAt(MRIF_UNSUPPORTED_ACCESS, 'mrif-unsupported-access', REF_MRIF, { gpa: hex(gpa), size });
  }
  // Same section: "For a naturally aligned 32-bit read, the IOMMU should preferably return zero as the
  // read value but may alternatively abort the access." The model takes the preferred choice.
  if (access !== 'write') {
    hop(trace, { block: BLOCK, step: 'mrif-read-zero', ref: REF_MRIF, facts: { gpa: hex(gpa) } });
    return { kind: 'outcome', outcome: dropped('mrif-read-zero') };
  }
  // Same section: D is the data in the byte order named by A[2] (1 = big-endian); big-endian MSIs are
  // supported when the system's IMSICs implement seteipnum_be. "If either A[11:3] or D[31:11] is not
  // zero, or if bit 2 of A is one and big-endian MSIs are not supported, then the incoming write is
  // accepted but discarded."
  const bigEndian = (gpa & 4n) !== 0n;
  const identity = bigEndian ? bswap32(data) : data;
  if ((gpa & 0xff8n) !== 0n || identity >>> 11 !== 0 || (bigEndian && !bigEndianMsi)) {
    hop(trace, {
      block: BLOCK,
      step: 'mrif-not-an-msi',
      ref: REF_MRIF,
      facts: { gpa: hex(gpa), data, bigEndian, bigEndianMsi },
    });
    return { kind: 'outcome', outcome: dropped('mrif-not-an-msi') };
  }
  hop(trace, {
    block: BLOCK,
    step: 'msi-pte-mrif',
    ref: REF_MRIF,
    facts: { file: Number(file), identity, bigEndian },
  });
  return {
    kind: 'mrif',
    file,
    mrifAddr: mrifAddress(pte),
    identity,
    nppn: mrifNppn(pte),
    nid: mrifNid(pte),
    byteOrder: bigEndian ? 'big' : 'little',
  };
};
