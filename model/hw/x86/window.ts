import { bits, hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import type { Outcome } from '../../types/outcome.ts';

/**
 * The fixed x86 interrupt window: a device write whose address lies here is an interrupt request,
 * decoded before and instead of DMA translation (QEMU hw/i386/intel_iommu.c vtd_find_add_as
 * VTD_INTERRUPT_ADDR_FIRST/LAST; hw/i386/amd_iommu.c AMDVI_INT_ADDR_FIRST/LAST; hw-msi-facts §4.1).
 */
export const MSI_WINDOW_START = 0xfee0_0000n;
export const MSI_WINDOW_END = 0xfeef_ffffn;

/** True when `addr` is inside 0xFEE00000–0xFEEFFFFF (all 64 bits compared). */
export const inInterruptWindow = (addr: bigint): boolean =>
  addr >= MSI_WINDOW_START && addr <= MSI_WINDOW_END;

/** MSI data[10:8] delivery modes (Intel SDM vol. 3 "Message Data Register Format"; QEMU AMDVI_IOAPIC_INT_TYPE_*). */
export const DELIVERY_MODE = {
  FIXED: 0,
  LOWEST_PRIORITY: 1, // AMD-Vi calls it "arbitrated"
  SMI: 2,
  NMI: 4,
  INIT: 5,
  EXTINT: 7,
} as const;

/** Delivery mode of an MSI data word: bits 10:8. */
export const deliveryModeOf = (data: number): number => (data >>> 8) & 0x7;

/** LAPIC target id as the model names it in `Outcome.target`. */
export const apicTarget = (dest: number): string => `apic${dest}`;

/**
 * Compatibility-format MSI straight to the local APIC: destination APIC id = address bits 19:12,
 * vector = data bits 7:0, delivery mode = data bits 10:8 (Intel SDM vol. 3 "Message Address Register
 * Format"; hw-msi-facts §7 "x86 mechanism"). No check of who wrote it: any device reaches any
 * (APIC, vector). Simplification: delivery/destination mode and redirection hint are recorded in
 * the trace only; logical destination mode is not resolved to a set of APICs.
 */
export const lapicFromCompat = (addr: bigint, data: number, trace?: Trace): Outcome => {
  const dest = Number(bits(addr, 19, 12));
  const vector = data & 0xff;
  hop(trace, {
    block: 'lapic',
    step: 'compat-decode',
    ref: 'Intel SDM vol. 3 10.11.1-10.11.2 (MSI address/data format)',
    facts: {
      addr: hex(addr),
      data: hex(data),
      dest,
      vector,
      deliveryMode: deliveryModeOf(data),
      destMode: Number(bits(addr, 2, 2)),
      redirectionHint: Number(bits(addr, 3, 3)),
    },
  });
  return { kind: 'interrupt', controller: 'lapic', target: apicTarget(dest), identity: vector };
};
