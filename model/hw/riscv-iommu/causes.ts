import type { FaultCause } from '../../types/outcome.ts';

/**
 * Fault-record CAUSE values of the RISC-V IOMMU (IOMMU spec, "Fault/Event-Queue", CAUSE table;
 * docs/hardware.md#risc-v-iommu-fault-causes). Only the causes the model can raise are listed.
 */
export const INSTRUCTION_ACCESS_FAULT = {
  name: 'INSTRUCTION_ACCESS_FAULT',
  code: 1,
} as const satisfies FaultCause;
export const INSTRUCTION_PAGE_FAULT = {
  name: 'INSTRUCTION_PAGE_FAULT',
  code: 12,
} as const satisfies FaultCause;
export const READ_PAGE_FAULT = { name: 'READ_PAGE_FAULT', code: 13 } as const satisfies FaultCause;
export const WRITE_PAGE_FAULT = { name: 'WRITE_AMO_PAGE_FAULT', code: 15 } as const satisfies FaultCause;
export const INSTRUCTION_GUEST_PAGE_FAULT = {
  name: 'INSTRUCTION_GUEST_PAGE_FAULT',
  code: 20,
} as const satisfies FaultCause;
export const READ_GUEST_PAGE_FAULT = {
  name: 'READ_GUEST_PAGE_FAULT',
  code: 21,
} as const satisfies FaultCause;
export const WRITE_GUEST_PAGE_FAULT = {
  name: 'WRITE_AMO_GUEST_PAGE_FAULT',
  code: 23,
} as const satisfies FaultCause;
export const ALL_INBOUND_TRANSACTIONS_DISALLOWED = {
  name: 'ALL_INBOUND_TRANSACTIONS_DISALLOWED',
  code: 256,
} as const satisfies FaultCause;
export const DDT_ENTRY_NOT_VALID = { name: 'DDT_ENTRY_NOT_VALID', code: 258 } as const satisfies FaultCause;
export const DDT_ENTRY_MISCONFIGURED = {
  name: 'DDT_ENTRY_MISCONFIGURED',
  code: 259,
} as const satisfies FaultCause;
export const TRANSACTION_TYPE_DISALLOWED = {
  name: 'TRANSACTION_TYPE_DISALLOWED',
  code: 260,
} as const satisfies FaultCause;
export const MSI_PTE_LOAD_ACCESS_FAULT = {
  name: 'MSI_PTE_LOAD_ACCESS_FAULT',
  code: 261,
} as const satisfies FaultCause;
export const MSI_PTE_NOT_VALID = { name: 'MSI_PTE_NOT_VALID', code: 262 } as const satisfies FaultCause;
export const MSI_PTE_MISCONFIGURED = {
  name: 'MSI_PTE_MISCONFIGURED',
  code: 263,
} as const satisfies FaultCause;
export const MSI_PT_DATA_CORRUPTION = {
  name: 'MSI_PT_DATA_CORRUPTION',
  code: 270,
} as const satisfies FaultCause;
/**
 * Model-only name: an MRIF-mode access that is not an aligned 32-bit write "should be aborted as
 * unsupported" (AIA, IOMMU MRIF mode); the spec gives it no CAUSE value, so code 0 marks "no cause".
 */
export const MRIF_UNSUPPORTED_ACCESS = {
  name: 'MRIF_UNSUPPORTED_ACCESS',
  code: 0,
} as const satisfies FaultCause;

/**
 * HYPOTHETICAL (no spec revision defines it): the write data of an MSI through a validated MSI PTE
 * (M = 2, capabilities.MSI_DATA_VALID) names an identity the PTE does not allow. The code is the
 * model's choice, outside the spec's CAUSE values.
 */
export const MSI_DATA_NOT_ALLOWED = {
  name: 'MSI_DATA_NOT_ALLOWED',
  code: 0x300,
} as const satisfies FaultCause;
