import { hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import { dropped, fault, type Outcome } from '../../types/outcome.ts';
import type { Access } from '../../types/page-map.ts';
import {
  INSTRUCTION_ACCESS_FAULT,
  MRIF_UNSUPPORTED_ACCESS,
  MSI_PT_DATA_CORRUPTION,
  MSI_PTE_LOAD_ACCESS_FAULT,
  MSI_PTE_MISCONFIGURED,
  MSI_PTE_NOT_VALID,
} from './causes.ts';
import { type DeviceContext, MSIPTP_MODE_FLAT, mgpaw, type RiscvIommuConfig } from './config.ts';
import { extract } from './extract.ts';
import {
  basicReserved,
  INVALID_PTE,
  MSI_PTE_MODE_BASIC,
  MSI_PTE_MODE_MRIF,
  mrifAddress,
  mrifNid,
  mrifNppn,
  mrifReserved,
  pteC,
  pteM,
  ptePpn,
  pteV,
} from './msi-pte.ts';

/** What MSI address translation made of the access. */
export type MsiResult =
  /** Not an interrupt-file address: continue with G-stage translation (spec step 19). */
  | { kind: 'not-msi' }
  /** Basic mode: the write, data unchanged, goes to physical address `pa`. */
  | { kind: 'pa'; pa: bigint; file: bigint }
  /** MRIF mode: the IOMMU records `identity` in the MRIF, then sends `nid` to page `nppn`. */
  | { kind: 'mrif'; file: bigint; mrifAddr: bigint; identity: number; nppn: bigint; nid: number }
  | { kind: 'outcome'; outcome: Outcome };

const REF = 'RISC-V IOMMU spec, MSI address translation';
const REF_MRIF = 'RISC-V AIA, IOMMU MRIF mode';
const ARCH = 'riscv-iommu';

const widthMask = (w: number): bigint => (1n << BigInt(w)) - 1n;

/** True when the guest page of `gpa` selects a virtual interrupt file under the DC's mask/pattern. */
export const isMsiAddress = (c: RiscvIommuConfig, dc: DeviceContext, gpa: bigint): boolean => {
  if (dc.msiptp.MODE !== MSIPTP_MODE_FLAT) return false;
  const m = dc.msi_addr_mask & widthMask(mgpaw(c));
  const p = dc.msi_addr_pattern & widthMask(mgpaw(c));
  return ((gpa >> 12n) & ~m) === (p & ~m);
};

/**
 * MSI address translation of GPA `gpa` (IOMMU spec [[MSI_TRANS]]; reference model
 * msi_address_translation()). Called only with msiptp.MODE = Flat. The write data is never looked at
 * in basic mode (hw-msi-facts §1.5).
 */
export const msiTranslate = (
  c: RiscvIommuConfig,
  dc: DeviceContext,
  gpa: bigint,
  access: Access,
  data: number,
  size: number,
  trace: Trace,
): MsiResult => {
  // 1-4. A is an interrupt-file address iff (A >> 12) & ~mask == pattern & ~mask (MGPAW-wide).
  const m = dc.msi_addr_mask & widthMask(mgpaw(c));
  if (!isMsiAddress(c, dc, gpa)) return { kind: 'not-msi' };
  // 5. Interrupt file number I = extract(A >> 12, mask).
  const file = extract(gpa >> 12n, m);
  hop(trace, {
    block: 'riscv-iommu',
    step: 'msi-match',
    ref: `${REF}, steps 1-5`,
    facts: { gpa: hex(gpa), file: Number(file) },
  });
  // Read-for-execute to an interrupt file: instruction access fault (cause 1; iommu issue #206).
  if (access === 'exec') return { kind: 'outcome', outcome: fault(ARCH, INSTRUCTION_ACCESS_FAULT) };
  // 6-7. PTE address = (msiptp.PPN << 12) | (I × 16): a bitwise OR, not an addition.
  const pteAddr = (dc.msiptp.PPN << 12n) | (file * 16n);
  if (pteAddr >> BigInt(c.capabilities.PAS) !== 0n || c.accessFault.has(pteAddr)) {
    hop(trace, {
      block: 'riscv-iommu',
      step: 'msi-pte-load-fault',
      ref: `${REF}, step 7`,
      facts: { pte: hex(pteAddr) },
    });
    return { kind: 'outcome', outcome: fault(ARCH, MSI_PTE_LOAD_ACCESS_FAULT) };
  }
  if (c.poisoned.has(pteAddr)) return { kind: 'outcome', outcome: fault(ARCH, MSI_PT_DATA_CORRUPTION) };
  const pte = c.msiPtes.get(pteAddr) ?? INVALID_PTE;
  // 8. V = 0: MSI PTE not valid (262).
  if (!pteV(pte)) {
    hop(trace, {
      block: 'riscv-iommu',
      step: 'msi-pte-not-valid',
      ref: `${REF}, step 8`,
      facts: { file: Number(file), pte: hex(pteAddr) },
    });
    return { kind: 'outcome', outcome: fault(ARCH, MSI_PTE_NOT_VALID) };
  }
  // 9. C = 1: implementation-defined; the reference model reports 263 (QEMU 262).
  if (pteC(pte)) return { kind: 'outcome', outcome: fault(ARCH, MSI_PTE_MISCONFIGURED) };
  const mode = pteM(pte);
  if (mode === MSI_PTE_MODE_BASIC) {
    // 10. Basic mode: reserved bits → 263; else the write goes on to PPN << 12 | A[11:0], data untouched.
    if (basicReserved(pte)) return { kind: 'outcome', outcome: fault(ARCH, MSI_PTE_MISCONFIGURED) };
    const pa = (ptePpn(pte) << 12n) | (gpa & 0xfffn);
    hop(trace, {
      block: 'riscv-iommu',
      step: 'msi-pte-basic',
      ref: `${REF}, step 10 (M = 3, basic translate mode)`,
      facts: { file: Number(file), pte: hex(pteAddr), pa: hex(pa) },
    });
    return { kind: 'pa', pa, file };
  }
  if (mode === MSI_PTE_MODE_MRIF) {
    // 11. MRIF mode needs capabilities.MSI_MRIF and clear reserved bits.
    if (!c.capabilities.MSI_MRIF || mrifReserved(pte)) {
      return { kind: 'outcome', outcome: fault(ARCH, MSI_PTE_MISCONFIGURED) };
    }
    // Not an aligned 32-bit access: aborted as unsupported.
    if (size !== 4 || (gpa & 3n) !== 0n)
      return { kind: 'outcome', outcome: fault(ARCH, MRIF_UNSUPPORTED_ACCESS) };
    // Byte order from A[2]; A[11:3] ≠ 0, D[31:11] ≠ 0 or big-endian: accepted and discarded
    // (simplification: big-endian MRIF writes are treated as unsupported by the platform).
    if ((gpa & 0xffcn) !== 0n || data >>> 11 !== 0) {
      hop(trace, {
        block: 'riscv-iommu',
        step: 'mrif-not-an-msi',
        ref: REF_MRIF,
        facts: { gpa: hex(gpa), data },
      });
      return { kind: 'outcome', outcome: dropped('mrif-not-an-msi') };
    }
    hop(trace, {
      block: 'riscv-iommu',
      step: 'msi-pte-mrif',
      ref: REF_MRIF,
      facts: { file: Number(file), identity: data },
    });
    return {
      kind: 'mrif',
      file,
      mrifAddr: mrifAddress(pte),
      identity: data,
      nppn: mrifNppn(pte),
      nid: mrifNid(pte),
    };
  }
  // 12. M ∈ {0, 2}: reserved → misconfigured (263).
  return { kind: 'outcome', outcome: fault(ARCH, MSI_PTE_MISCONFIGURED) };
};
