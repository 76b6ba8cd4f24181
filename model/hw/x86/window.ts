import { bits, hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import { type DeliveryMode, dropped, fault, MEMTX_DECODE_ERROR, type Outcome } from '../../types/outcome.ts';
import { accessOf, type Write } from '../../types/write.ts';
import { qemuPieces } from '../qemu-access.ts';

/**
 * The fixed x86 interrupt window: a device write whose address lies here is an interrupt request,
 * decoded before and instead of DMA translation (QEMU hw/i386/intel_iommu.c vtd_find_add_as
 * VTD_INTERRUPT_ADDR_FIRST/LAST; hw/i386/amd_iommu.c AMDVI_INT_ADDR_FIRST/LAST; docs/hardware.md#x86-interrupt-window).
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

/** The delivery mode a 3-bit code names, or undefined for the reserved codes 011 and 110 (Intel SDM vol. 3 "Message Data Register Format"; VT-d IRTE DLM uses the same encoding). */
export const deliveryModeName = (code: number): DeliveryMode | undefined => {
  switch (code & 0x7) {
    case DELIVERY_MODE.FIXED:
      return 'fixed';
    case DELIVERY_MODE.LOWEST_PRIORITY:
      return 'lowest-priority';
    case DELIVERY_MODE.SMI:
      return 'smi';
    case DELIVERY_MODE.NMI:
      return 'nmi';
    case DELIVERY_MODE.INIT:
      return 'init';
    case DELIVERY_MODE.EXTINT:
      return 'extint';
    default:
      return undefined;
  }
};

/** Fixed and lowest-priority deliver their vector; SMI, NMI, INIT and ExtINT do not (Intel SDM vol. 3 "Message Data Register Format"). */
export const isVectored = (m: DeliveryMode): boolean => m === 'fixed' || m === 'lowest-priority';

/** Vectors 0-15 are illegal for a vectored interrupt: the LAPIC sets "Receive Illegal Vector" and does not accept it (Intel SDM vol. 3 "Error Handling"). */
export const FIRST_LEGAL_VECTOR = 16;

/**
 * The LAPIC receiving an interrupt message with delivery mode `mode`, destination `dest` and
 * vector field `vector`: a vectored mode with an illegal vector raises nothing; otherwise the
 * interrupt is recorded with its mode (absent in the outcome when fixed). Simplification: the
 * vector field is kept as the outcome's identity for every mode (SMI, NMI and INIT ignore it).
 */
export const lapicAccept = (
  mode: DeliveryMode,
  dest: number,
  vector: number,
  trace: Trace | undefined,
): Outcome => {
  if (isVectored(mode) && vector < FIRST_LEGAL_VECTOR) {
    hop(trace, {
      block: 'lapic',
      step: 'illegal-vector',
      ref: 'Intel SDM vol. 3 "Error Handling" (Receive Illegal Vector)',
      facts: { vector, deliveryMode: mode },
    });
    return dropped('lapic-illegal-vector');
  }
  const o: Outcome = { kind: 'interrupt', controller: 'lapic', target: apicTarget(dest), identity: vector };
  return mode === 'fixed' ? o : { ...o, deliveryMode: mode };
};

/** LAPIC target id as the model names it in `Outcome.target`. */
export const apicTarget = (dest: number): string => `apic${dest}`;

/**
 * Compatibility-format MSI straight to the local APIC: destination APIC id = address bits 19:12,
 * vector = data bits 7:0, delivery mode = data bits 10:8 (Intel SDM vol. 3 "Message Address Register
 * Format", "Message Data Register Format"; docs/linux-policy.md#msi-injection-without-remapping). No
 * check of who wrote it: any device reaches any (APIC, vector) and any delivery mode, NMI, INIT and
 * SMI included. A reserved delivery mode raises nothing. Simplification: destination mode and
 * redirection hint are recorded in the trace only; logical destination mode is not resolved to a
 * set of APICs.
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
  const mode = deliveryModeName(deliveryModeOf(data));
  if (mode === undefined) return dropped('lapic-reserved-delivery-mode');
  return lapicAccept(mode, dest, vector, trace);
};

/** The 32-bit interrupt request an access to the window carries, or what happened instead. */
export type WindowAccess =
  | { kind: 'request'; addr: bigint; data: number }
  | { kind: 'done'; outcome: Outcome };

/**
 * The window as an interrupt-remapping unit's region sees an access (QEMU vtd_mem_ir_ops and
 * amdvi_ir_ops: .valid 4..4 bytes; vtd_mem_ir_read / amdvi_mem_ir_read do nothing). A narrower
 * access is a decode error; a read does nothing; a wider write arrives as 4-byte pieces
 * (model/hw/qemu-access.ts). Simplification: only the first piece's interrupt request is followed
 * (QEMU decodes every piece as its own request, with zero data).
 */
export const irWindowAccess = (w: Write, trace: Trace): WindowAccess => {
  const pieces = qemuPieces(w.addr, w.size, w.data, 4);
  const first = pieces[0];
  if (first === undefined || pieces.some((p) => p.size < 4)) {
    hop(trace, {
      block: 'x86-window',
      step: 'decode-error',
      ref: REF_IR_OPS,
      facts: { addr: hex(w.addr), size: w.size },
    });
    return { kind: 'done', outcome: fault('bus', MEMTX_DECODE_ERROR) };
  }
  if (accessOf(w) !== 'write') {
    hop(trace, { block: 'x86-window', step: 'ir-read', ref: REF_IR_OPS, facts: { addr: hex(w.addr) } });
    return { kind: 'done', outcome: dropped('x86-ir-read') };
  }
  return { kind: 'request', addr: first.addr, data: first.data };
};

const REF_IR_OPS = 'QEMU hw/i386/intel_iommu.c vtd_mem_ir_ops; hw/i386/amd_iommu.c amdvi_ir_ops';

/**
 * The window with no interrupt remapping: an MSI is one 32-bit write (Intel SDM vol. 3 10.11);
 * a read or a narrower write raises nothing. Simplification: a wider write is taken as its first
 * four bytes.
 */
export const compatWindowAccess = (w: Write, trace: Trace): Outcome => {
  if (accessOf(w) !== 'write' || w.size < 4) {
    hop(trace, {
      block: 'lapic',
      step: 'not-an-msi',
      ref: 'Intel SDM vol. 3 10.11 (an MSI is a DWORD write)',
      facts: { addr: hex(w.addr), size: w.size, access: accessOf(w) },
    });
    return dropped('lapic-not-an-msi');
  }
  return lapicFromCompat(w.addr, w.data, trace);
};
