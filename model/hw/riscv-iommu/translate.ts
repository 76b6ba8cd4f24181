import { hex } from '../../types/addr.ts';
import { type Hop, hop, type Trace } from '../../types/hop.ts';
import { type FaultCause, fault, type Outcome, tracedFault, unrecorded } from '../../types/outcome.ts';
import { type Access, lookupRiscvPage, type PageMap } from '../../types/page-map.ts';
import { isTranslated, type Write } from '../../types/write.ts';
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
import { dcFieldsMisconfigured } from './dc-checks.ts';
import { type MsiResult, msiTranslate } from './msi-translate.ts';

const REF = 'RISC-V IOMMU spec v1.0.1, Process to translate an IOVA';
const ARCH = 'riscv-iommu';

/** Where the IOMMU sends the access: a physical address, an MRIF update, or an outcome of its own. */
export type IommuResult =
  | { kind: 'pa'; pa: bigint; msiFile?: number }
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
  // Spec 20260222: msiptp must be Off when the G-stage is Bare (recommended 259; docs/hardware.md#msiptp-with-a-bare-g-stage).
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
 * A leaf lookup in a first-stage or G-stage page map. A device access never requests supervisor
 * privilege, so a leaf with U = 0 faults like a missing permission (IOMMU spec, Process to
 * translate an IOVA: "the transaction is treated as not requesting supervisor privilege").
 */
const stageLookup = (map: PageMap, addr: bigint, access: Access) => {
  const r = lookupRiscvPage(map, addr, access);
  // Stryker disable next-line OptionalChaining: an ok lookup found the leaf, so map.get is defined there
  if (r.kind === 'ok' && map.get(addr >> 12n)?.u === false) return { kind: 'no-permission' as const };
  return r;
};

/**
 * Width of device_id a device directory of `levels` levels can index (IOMMU spec, Process to
 * translate an IOVA, steps 3-5): DDI[0] is 6 bits in the extended format (7 in the base format),
 * DDI[1] 9 bits, DDI[2] the rest of 24.
 */
export const deviceIdBits = (c: RiscvIommuConfig): number => {
  const ddi0 = c.capabilities.MSI_FLAT ? 6 : 7;
  const levels = c.ddtp.levels ?? 3;
  return levels === 1 ? ddi0 : levels === 2 ? ddi0 + 9 : 24;
};

/** Fault causes still reported when DC.tc.DTF = 1 (IOMMU spec, fault record CAUSE table). */
// Stryker disable next-line ArrayDeclaration: no fault raised once a DC is found is one of these (256-259 and 268 arise before it, 272-273 are not modelled), so an empty set reports the same
const REPORTED_DESPITE_DTF = new Set([256, 257, 258, 259, 268, 272, 273]);

/**
 * The IOMMU half of a device access: locate the device context, first stage, MSI address
 * translation, G-stage. Implicit G-stage walks made while walking the first stage are not modelled
 * (page maps are leaf-only). `bigEndianMsi`: the system's IMSICs implement seteipnum_be, so MRIF
 * mode stores big-endian MSIs too (AIA, IOMMU "MSI PTE, MRIF mode").
 */
export const riscvIommuTranslate = (
  c: RiscvIommuConfig,
  w: Write,
  access: Access,
  trace: Trace,
  bigEndianMsi: boolean,
): IommuResult => {
  const faultAt = (cause: FaultCause, step: string, ref: string, facts: Hop['facts']): IommuResult =>
    done(tracedFault(trace, ARCH, cause, { block: 'riscv-iommu', step, ref, facts }));
  const translated = isTranslated(w);
  // 1. ddtp.iommu_mode Off: all inbound transactions disallowed (256).
  if (c.ddtp.iommu_mode === 'Off') {
    return faultAt(ALL_INBOUND_TRANSACTIONS_DISALLOWED, 'ddtp-off', `${REF} (ddtp.iommu_mode == Off)`, {
      rid: w.rid,
    });
  }
  // 2. Bare: no translation and no protection, the IOVA is the physical address; a Translated
  //    request is disallowed (260).
  if (c.ddtp.iommu_mode === 'Bare') {
    if (translated) {
      return faultAt(TRANSACTION_TYPE_DISALLOWED, 'bare-translated', `${REF}, step 2 (Translated request)`, {
        rid: w.rid,
      });
    }
    hop(trace, {
      block: 'riscv-iommu',
      step: 'ddtp-bare',
      ref: `${REF} (ddtp.iommu_mode == Bare)`,
      facts: { pa: hex(w.addr) },
    });
    return { kind: 'pa', pa: w.addr };
  }
  // 5. A device_id wider than the directory depth indexes: transaction type disallowed (260).
  const width = deviceIdBits(c);
  if (w.rid >> width !== 0) {
    return faultAt(TRANSACTION_TYPE_DISALLOWED, 'device-id-too-wide', `${REF}, step 5 (device_id width)`, {
      rid: w.rid,
      bits: width,
    });
  }
  // 6. Locate the DC by device_id; V = 0 → 258; misconfigured → 259.
  const dc = c.ddt.get(w.rid);
  if (dc === undefined || !dc.tc.V) {
    return faultAt(DDT_ENTRY_NOT_VALID, 'dc-not-valid', `${REF}, step 6 (locate the device context)`, {
      rid: w.rid,
    });
  }
  const rule = dcMisconfigured(c, dc) ? 'msiptp / msi_addr fields' : dcFieldsMisconfigured(c, dc);
  if (rule !== undefined) {
    return faultAt(DDT_ENTRY_MISCONFIGURED, 'dc-misconfigured', `${REF}; [[DC_MISCONFIG]]`, {
      rid: w.rid,
      rule,
    });
  }
  const r = translateWithDc(c, dc, w, access, trace, bigEndianMsi);
  // DC.tc.DTF: translation faults are not recorded; the transaction is still aborted.
  if (
    dc.tc.DTF &&
    r.kind === 'outcome' &&
    // Stryker disable next-line ConditionalExpression: unrecorded leaves an outcome that is not a fault as it is
    r.outcome.kind === 'fault' &&
    !REPORTED_DESPITE_DTF.has(r.outcome.code)
  )
    return done(unrecorded(r.outcome));
  return r;
};

/** Steps 7-20 of the Process to translate an IOVA, once the device context is located. */
const translateWithDc = (
  c: RiscvIommuConfig,
  dc: DeviceContext,
  w: Write,
  access: Access,
  trace: Trace,
  bigEndianMsi: boolean,
): IommuResult => {
  const faultAt = (cause: FaultCause, step: string, ref: string, facts: Hop['facts']): IommuResult =>
    done(tracedFault(trace, ARCH, cause, { block: 'riscv-iommu', step, ref, facts }));
  const translated = isTranslated(w);
  // 7. Translated request without DC.tc.EN_ATS, or a process id without DC.tc.PDTV: 260.
  if (translated && !dc.tc.EN_ATS) {
    return faultAt(TRANSACTION_TYPE_DISALLOWED, 'translated-without-ats', `${REF}, step 7 (EN_ATS = 0)`, {
      rid: w.rid,
    });
  }
  if (w.pid !== undefined && !dc.tc.PDTV) {
    return faultAt(
      TRANSACTION_TYPE_DISALLOWED,
      'pid-without-pdtv',
      `${REF} (process id without DC.tc.PDTV)`,
      { rid: w.rid, pid: w.pid },
    );
  }
  // 8. A Translated request with T2GPA = 0 carries an SPA: translation is complete.
  if (translated && !dc.tc.T2GPA) {
    hop(trace, {
      block: 'riscv-iommu',
      step: 'translated-spa',
      ref: `${REF}, step 8 (Translated request, T2GPA = 0)`,
      facts: { rid: w.rid, pa: hex(w.addr) },
    });
    return { kind: 'pa', pa: w.addr };
  }
  // 9 / 17. First stage: a Translated request with T2GPA = 1 carries the GPA (first stage Bare);
  //     otherwise GPA A = IOVA when fsc is Bare, else the first-stage translation. A missing leaf,
  //     a reserved encoding (W without R) or a missing permission is the page fault of the access
  //     type (12/13/15, [[FAULT_CAUSE]]).
  let gpa = w.addr;
  if (!translated && dc.fsc.MODE !== 'Bare') {
    const r = stageLookup(dc.fsc.pages, w.addr, access);
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
    step: translated ? 'translated-gpa' : dc.fsc.MODE === 'Bare' ? 'first-stage-bare' : 'first-stage',
    ref: translated ? `${REF}, step 9 (Translated request, T2GPA = 1)` : `${REF}, step 17`,
    facts: { rid: w.rid, iova: hex(w.addr), gpa: hex(gpa) },
  });
  // 18. msiptp.MODE ≠ Off (and MSI_FLAT): MSI address translation on A. A hit skips step 19.
  if (c.capabilities.MSI_FLAT && dc.msiptp.MODE === MSIPTP_MODE_FLAT) {
    const m = msiTranslate(c, dc, gpa, access, w.data, w.size, trace, bigEndianMsi);
    if (m.kind === 'pa') return { kind: 'pa', pa: m.pa, msiFile: Number(m.file) };
    if (m.kind !== 'not-msi') return m;
  }
  // 19. G-stage translation of A (Bare: the GPA is the physical address). The same three failures
  //     are guest-page faults (20/21/23, [[FAULT_CAUSE]]).
  if (dc.iohgatp.MODE === 'Bare') return { kind: 'pa', pa: gpa };
  const r = stageLookup(dc.iohgatp.pages, gpa, access);
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
