import type { FaultCause } from '../../types/outcome.ts';

/*
 * Intel VT-d fault reasons (Fault Recording Register FR field). Names and codes are QEMU's
 * `enum VTDFaultReason` (hw/i386/intel_iommu_internal.h); the numbering is the VT-d spec's.
 */

/** Context entry not present for the requester (no domain attached to this RID). */
export const VTD_FR_CONTEXT_ENTRY_P = {
  name: 'VTD_FR_CONTEXT_ENTRY_P',
  code: 0x2,
} as const satisfies FaultCause;
/**
 * Write without write permission. A not-present second-level entry has R = W = 0, so a write to an
 * unmapped IOVA is also reported with this reason (QEMU vtd_iova_to_slpte: `!(slpte &
 * access_right_check)` → `is_write ? -VTD_FR_WRITE : -VTD_FR_READ`).
 */
export const VTD_FR_WRITE = { name: 'VTD_FR_WRITE', code: 0x5 } as const satisfies FaultCause;
/** Read without read permission (a not-present entry included; QEMU vtd_iova_to_slpte). */
export const VTD_FR_READ = { name: 'VTD_FR_READ', code: 0x6 } as const satisfies FaultCause;
/** DMA whose translated output lies in the interrupt address range (legacy mode; LGN.4). */
export const VTD_FR_INTERRUPT_ADDR = {
  name: 'VTD_FR_INTERRUPT_ADDR',
  code: 0xe,
} as const satisfies FaultCause;
/**
 * Scalable mode: DMA output in the interrupt range (SGN.8, QEMU vtd_iova_to_slpte), and an ATS
 * Translated write to the interrupt window (QEMU "intel_iommu: Support memory operations with
 * pre-translated addresses", 2025-10, vtd_mem_ir_write → vtd_report_sid_ir_illegal_access).
 */
export const VTD_FR_SM_INTERRUPT_ADDR = {
  name: 'VTD_FR_SM_INTERRUPT_ADDR',
  code: 0x87,
} as const satisfies FaultCause;
/** Interrupt request with reserved fields set (address bits 63:32, or data[31:16] with SHV = 1). */
export const VTD_FR_IR_REQ_RSVD = { name: 'VTD_FR_IR_REQ_RSVD', code: 0x20 } as const satisfies FaultCause;
/** Interrupt index beyond the IRT size. */
export const VTD_FR_IR_INDEX_OVER = {
  name: 'VTD_FR_IR_INDEX_OVER',
  code: 0x21,
} as const satisfies FaultCause;
/** IRTE Present bit clear. */
export const VTD_FR_IR_ENTRY_P = { name: 'VTD_FR_IR_ENTRY_P', code: 0x22 } as const satisfies FaultCause;
/** IRT read failed (listed for completeness; the model's table cannot fail to read). */
export const VTD_FR_IR_ROOT_INVAL = {
  name: 'VTD_FR_IR_ROOT_INVAL',
  code: 0x23,
} as const satisfies FaultCause;
/** Present IRTE with a reserved field non-zero. */
export const VTD_FR_IR_IRTE_RSVD = { name: 'VTD_FR_IR_IRTE_RSVD', code: 0x24 } as const satisfies FaultCause;
/** Compatibility-format interrupt request blocked (CFIS = 0, or EIME = 1). */
export const VTD_FR_IR_REQ_COMPAT = {
  name: 'VTD_FR_IR_REQ_COMPAT',
  code: 0x25,
} as const satisfies FaultCause;
/** Requester id fails the IRTE's SVT/SQ/SID check. */
export const VTD_FR_IR_SID_ERR = { name: 'VTD_FR_IR_SID_ERR', code: 0x26 } as const satisfies FaultCause;

export const VTD_CAUSES = [
  VTD_FR_CONTEXT_ENTRY_P,
  VTD_FR_WRITE,
  VTD_FR_READ,
  VTD_FR_INTERRUPT_ADDR,
  VTD_FR_SM_INTERRUPT_ADDR,
  VTD_FR_IR_REQ_RSVD,
  VTD_FR_IR_INDEX_OVER,
  VTD_FR_IR_ENTRY_P,
  VTD_FR_IR_ROOT_INVAL,
  VTD_FR_IR_IRTE_RSVD,
  VTD_FR_IR_REQ_COMPAT,
  VTD_FR_IR_SID_ERR,
] as const;

/*
 * AMD-Vi. DMA faults carry the event-log code (QEMU hw/i386/amd_iommu.h AMDVI_EVENT_* >> 12).
 * Interrupt-remapping failures carry QEMU's return codes (amd_iommu.h "Interrupt remapping errors":
 * AMDVI_IR_ERR 0x1, AMDVI_IR_TARGET_ABORT 0x3); where QEMU folds several conditions into
 * AMDVI_IR_ERR the model gives each its own name with that code.
 */

/** IO_PAGE_FAULT event: DMA to an IOVA the requester's page table does not map writable. */
export const IO_PAGE_FAULT = { name: 'IO_PAGE_FAULT', code: 0x2 } as const satisfies FaultCause;
/** Interrupt target-aborted: DTE IntCtl = 0 (abort), or IRTE RemapEn = 0 (amdvi_int_remap_legacy). */
export const AMDVI_IR_TARGET_ABORT = {
  name: 'AMDVI_IR_TARGET_ABORT',
  code: 0x3,
} as const satisfies FaultCause;
/** DTE IntCtl = 3, reserved (QEMU __amdvi_int_remap_msi "int_ctl reserved" → AMDVI_IR_ERR). */
export const AMDVI_IR_INTCTL_RESERVED = {
  name: 'AMDVI_IR_INTCTL_RESERVED',
  code: 0x1,
} as const satisfies FaultCause;
/**
 * NMI / INIT / ExtINT without its DTE pass bit, SMI, or a reserved delivery mode
 * (QEMU amdvi_int_remap_msi "passthrough is not enabled" / "SMI is not supported" → AMDVI_IR_ERR).
 */
export const AMDVI_IR_NOT_ALLOWED = { name: 'AMDVI_IR_NOT_ALLOWED', code: 0x1 } as const satisfies FaultCause;
/**
 * IRTE guest_mode set: guest-virtual-APIC posting is not modelled; QEMU's legacy path rejects it
 * ("guest mode is not zero" → AMDVI_IR_ERR), and so does the model.
 */
export const AMDVI_IR_GUEST_MODE = { name: 'AMDVI_IR_GUEST_MODE', code: 0x1 } as const satisfies FaultCause;
/** IRTE int_type above arbitrated (QEMU amdvi_int_remap_legacy / _ga "reserved int_type" → AMDVI_IR_ERR). */
export const AMDVI_IR_INT_TYPE_RESERVED = {
  name: 'AMDVI_IR_INT_TYPE_RESERVED',
  code: 0x1,
} as const satisfies FaultCause;
/** DTE IV = 1 on an IOMMU without interrupt remapping (QEMU amdvi_int_remap_msi, intremap=off → AMDVI_IR_ERR). */
export const AMDVI_IR_NOT_SUPPORTED = {
  name: 'AMDVI_IR_NOT_SUPPORTED',
  code: 0x1,
} as const satisfies FaultCause;
/** NMI / INIT / ExtINT with logical destination mode, address bit 2 (QEMU amdvi_int_remap_msi "invalid dest_mode"). */
export const AMDVI_IR_DEST_MODE = { name: 'AMDVI_IR_DEST_MODE', code: 0x1 } as const satisfies FaultCause;

export const AMDVI_CAUSES = [
  IO_PAGE_FAULT,
  AMDVI_IR_TARGET_ABORT,
  AMDVI_IR_INTCTL_RESERVED,
  AMDVI_IR_NOT_ALLOWED,
  AMDVI_IR_GUEST_MODE,
  AMDVI_IR_INT_TYPE_RESERVED,
  AMDVI_IR_NOT_SUPPORTED,
  AMDVI_IR_DEST_MODE,
] as const;
