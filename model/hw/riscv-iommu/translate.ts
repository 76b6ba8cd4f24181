import { hex } from '../../types/addr.ts';
import { type Hop, hop, type Trace } from '../../types/hop.ts';
import { type FaultCause, fault, type Outcome, tracedFault } from '../../types/outcome.ts';
import { type Access, lookupRiscvPage } from '../../types/page-map.ts';
import type { Write } from '../../types/write.ts';
import {
  ALL_INBOUND_TRANSACTIONS_DISALLOWED,
  DDT_ENTRY_MISCONFIGURED,
  DDT_ENTRY_NOT_VALID,
  INSTRUCTION_GUEST_PAGE_FAULT,
  INSTRUCTION_PAGE_FAULT,
  READ_GUEST_PAGE_FAULT,
  READ_PAGE_FAULT,
  TRANSACTION_TYPE_DISALLOWED,
  WRITE_GUEST_PAGE_FAULT,
  WRITE_PAGE_FAULT,
} from './causes.ts';
import {
  type DeviceContext,
  MSIPTP_MODE_FLAT,
  MSIPTP_MODE_OFF,
  mgpaw,
  type RiscvIommuConfig,
} from './config.ts';
import { type MsiResult, msiTranslate } from './msi-translate.ts';

const REF = 'RISC-V IOMMU spec, Process to translate an IOVA';
const ARCH = 'riscv-iommu';

/** Where the IOMMU sends the access: a physical address, an MRIF update, or an outcome of its own. */
export type IommuResult =
  | { kind: 'pa'; pa: bigint }
  | Extract<MsiResult, { kind: 'mrif' }>
  | { kind: 'outcome'; outcome: Outcome };

const done = (outcome: Outcome): IommuResult => ({ kind: 'outcome', outcome });

/**
 * Device-context configuration checks that involve MSIs (IOMMU spec [[DC_MISCONFIG]]; reference
 * model do_device_context_configuration_checks()). Other DC checks are not modelled.
 */
export const dcMisconfigured = (c: RiscvIommuConfig, dc: DeviceContext): boolean => {
  if (!c.capabilities.MSI_FLAT) return false; // base format: no msiptp fields at all
  const { MODE, PPN } = dc.msiptp;
  if (MODE !== MSIPTP_MODE_OFF && MODE !== MSIPTP_MODE_FLAT) return true;
  if (PPN >> 44n !== 0n) return true;
  // msi_addr_mask/pattern bits 63:52 are reserved in every revision ([[MSI_ID]] field layout). Bits
  // 51:MGPAW−12 are reserved only from riscv-non-isa/riscv-iommu commit 3d1b810 (2025-07-25, merged
  // with PR #569, first tagged 20250828); under the ratified v1.0 text they are ordinary mask and
  // pattern bits.
  const reservedAbove = c.specVersion === 'v1.0' ? 52n : BigInt(Math.min(52, mgpaw(c) - 12));
  if (dc.msi_addr_mask >> reservedAbove !== 0n || dc.msi_addr_pattern >> reservedAbove !== 0n) return true;
  // Spec 20260222: msiptp must be Off when the G-stage is Bare (recommended 259; hw-msi-facts §1.8).
  return c.specVersion === '20260222' && dc.iohgatp.MODE === 'Bare' && MODE !== MSIPTP_MODE_OFF;
};

const pageFault = (access: Access) =>
  access === 'write' ? WRITE_PAGE_FAULT : access === 'read' ? READ_PAGE_FAULT : INSTRUCTION_PAGE_FAULT;
const guestPageFault = (access: Access) =>
  access === 'write'
    ? WRITE_GUEST_PAGE_FAULT
    : access === 'read'
      ? READ_GUEST_PAGE_FAULT
      : INSTRUCTION_GUEST_PAGE_FAULT;

/**
 * The IOMMU half of a device access: locate the device context, first stage, MSI address
 * translation, G-stage. Implicit G-stage walks made while walking the first stage are not modelled
 * (page maps are leaf-only; hw-msi-facts §1.7 [inference]).
 */
export const riscvIommuTranslate = (
  c: RiscvIommuConfig,
  w: Write,
  access: Access,
  trace: Trace,
): IommuResult => {
  const faultAt = (cause: FaultCause, step: string, ref: string, facts: Hop['facts']): IommuResult =>
    done(tracedFault(trace, ARCH, cause, { block: 'riscv-iommu', step, ref, facts }));
  // ddtp.iommu_mode Off: all inbound transactions disallowed (256).
  if (c.ddtp.iommu_mode === 'Off') {
    return faultAt(ALL_INBOUND_TRANSACTIONS_DISALLOWED, 'ddtp-off', `${REF} (ddtp.iommu_mode == Off)`, {
      rid: w.rid,
    });
  }
  // Bare: no translation and no protection; the IOVA is the physical address.
  if (c.ddtp.iommu_mode === 'Bare') {
    hop(trace, {
      block: 'riscv-iommu',
      step: 'ddtp-bare',
      ref: `${REF} (ddtp.iommu_mode == Bare)`,
      facts: { pa: hex(w.addr) },
    });
    return { kind: 'pa', pa: w.addr };
  }
  // Steps 3-4: locate the DC by device_id (= requester id); V = 0 → 258; misconfigured → 259.
  const dc = c.ddt.get(w.rid);
  if (dc === undefined || !dc.tc.V) {
    return faultAt(DDT_ENTRY_NOT_VALID, 'dc-not-valid', `${REF}, steps 3-4 (locate the device context)`, {
      rid: w.rid,
    });
  }
  if (dcMisconfigured(c, dc)) {
    return faultAt(DDT_ENTRY_MISCONFIGURED, 'dc-misconfigured', `${REF}; [[DC_MISCONFIG]]`, { rid: w.rid });
  }
  // A transaction with a process id needs DC.tc.PDTV (260).
  if (w.pid !== undefined && !dc.tc.PDTV) {
    return faultAt(
      TRANSACTION_TYPE_DISALLOWED,
      'pid-without-pdtv',
      `${REF} (process id without DC.tc.PDTV)`,
      { rid: w.rid, pid: w.pid },
    );
  }
  // 17. First stage: GPA A = IOVA when fsc is Bare, else the first-stage translation. A missing leaf,
  //     a reserved encoding (W without R) or a missing permission is the page fault of the access
  //     type (12/13/15, [[FAULT_CAUSE]]).
  let gpa = w.addr;
  if (dc.fsc.MODE !== 'Bare') {
    const r = lookupRiscvPage(dc.fsc.pages, w.addr, access);
    if (r.kind !== 'ok') {
      hop(trace, {
        block: 'riscv-iommu',
        step: 'first-stage-fault',
        ref: `${REF}, step 17`,
        facts: { iova: hex(w.addr), why: r.kind },
      });
      return done(fault(ARCH, pageFault(access)));
    }
    gpa = r.pa;
  }
  hop(trace, {
    block: 'riscv-iommu',
    step: dc.fsc.MODE === 'Bare' ? 'first-stage-bare' : 'first-stage',
    ref: `${REF}, step 17`,
    facts: { rid: w.rid, iova: hex(w.addr), gpa: hex(gpa) },
  });
  // 18. msiptp.MODE ≠ Off (and MSI_FLAT): MSI address translation on A. A hit skips step 19.
  if (c.capabilities.MSI_FLAT && dc.msiptp.MODE === MSIPTP_MODE_FLAT) {
    const m = msiTranslate(c, dc, gpa, access, w.data, w.size, trace);
    if (m.kind === 'pa') return { kind: 'pa', pa: m.pa };
    if (m.kind !== 'not-msi') return m;
  }
  // 19. G-stage translation of A (Bare: the GPA is the physical address). The same three failures
  //     are guest-page faults (20/21/23, [[FAULT_CAUSE]]).
  if (dc.iohgatp.MODE === 'Bare') return { kind: 'pa', pa: gpa };
  const r = lookupRiscvPage(dc.iohgatp.pages, gpa, access);
  if (r.kind !== 'ok') {
    hop(trace, {
      block: 'riscv-iommu',
      step: 'g-stage-fault',
      ref: `${REF}, step 19`,
      facts: { gpa: hex(gpa), why: r.kind },
    });
    return done(fault(ARCH, guestPageFault(access)));
  }
  hop(trace, {
    block: 'riscv-iommu',
    step: 'g-stage',
    ref: `${REF}, step 19`,
    facts: { gpa: hex(gpa), pa: hex(r.pa) },
  });
  return { kind: 'pa', pa: r.pa };
};
