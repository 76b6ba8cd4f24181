import type { KResult } from '../../model/kernel/errno.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import type { Hop } from '../../model/types/hop.ts';
import type { JsonOutcome } from '../../spec/invariants/witness-schema.ts';

/**
 * The one place where hardware hops, kernel ops and their results become text. The model emits
 * step ids and numbers; every sentence a designer reads about them is written here.
 */

type Facts = Hop['facts'];

/** A fact as text, or `?` when the hop did not record it (a model change the report should show, not hide). */
const s = (f: Facts, k: string): string => {
  const v = f[k];
  return v === undefined ? '?' : String(v);
};
const hex = (f: Facts, k: string): string => {
  const v = f[k];
  return typeof v === 'number' ? `0x${v.toString(16)}` : v === undefined ? '?' : String(v);
};
const yes = (f: Facts, k: string): boolean => f[k] === true;

/** IMSIC target "group.hart" as prose; group 0 is left out. */
export const hartText = (target: string): string => {
  const [group = '?', hart = '?'] = target.split('.');
  return group === '0' ? `hart ${hart}` : `group ${group} hart ${hart}`;
};
/** An IMSIC interrupt file name: "S-file", "guest file G1", "M-file". */
export const fileText = (file: string): string =>
  file === 'S' || file === 'M' ? `${file}-file` : `guest file ${file}`;

/** Delivery modes of MSI data[10:8] (Intel SDM vol. 3, message data register format). */
const DELIVERY_MODES: Record<string, string> = {
  '0': 'fixed',
  '1': 'lowest priority',
  '2': 'SMI',
  '4': 'NMI',
  '5': 'INIT',
  '7': 'ExtINT',
};
const dlm = (f: Facts): string => DELIVERY_MODES[s(f, 'dlm')] ?? `reserved (${s(f, 'dlm')})`;
const lookupWhy = (f: Facts, k: string): string =>
  f[k] === 'not-mapped' ? 'no leaf maps it' : f[k] === 'no-permission' ? 'the leaf forbids writes' : s(f, k);
const fault = (f: Facts): string => `fault \`${s(f, 'fault')}\``;

interface StepText {
  /** One sentence for the numbered hop list. */
  readonly sentence: (f: Facts, block: string) => string;
  /** A few words for a diagram arrow. */
  readonly label: (f: Facts, block: string) => string;
}

/** Every step id the hardware blocks emit (model/hw), with its sentence and its diagram label. */
const STEPS: Record<string, StepText> = {
  // RISC-V IOMMU: Process to translate an IOVA and MSI address translation.
  'ddtp-bare': {
    sentence: (f) =>
      `\`ddtp.iommu_mode\` is Bare: no translation and no protection; the IOVA is PA ${s(f, 'pa')}.`,
    label: (f) => `Bare → PA ${s(f, 'pa')}`,
  },
  'dc-misconfigured': {
    sentence: (f) =>
      `The device context of RID ${hex(f, 'rid')} is misconfigured → \`DDT_ENTRY_MISCONFIGURED\` (259).`,
    label: () => 'DC misconfigured (259)',
  },
  'first-stage-fault': {
    sentence: (f) =>
      `First stage: IOVA ${s(f, 'iova')} does not translate (${lookupWhy(f, 'why')}) → page fault.`,
    label: (f) => `S1: ${s(f, 'iova')} unmapped`,
  },
  'first-stage': {
    sentence: (f) => `First stage (\`fsc\`) translates IOVA ${s(f, 'iova')} → GPA ${s(f, 'gpa')}.`,
    label: (f) => `S1: IOVA ${s(f, 'iova')} → GPA ${s(f, 'gpa')}`,
  },
  'first-stage-bare': {
    sentence: (f) => `First stage is Bare (\`fsc.MODE\` = Bare): GPA = IOVA = ${s(f, 'gpa')}.`,
    label: (f) => `S1 Bare: GPA ${s(f, 'gpa')}`,
  },
  'msi-match': {
    sentence: (f) =>
      `GPA ${s(f, 'gpa')} matches \`msi_addr_pattern\` under \`msi_addr_mask\` → interrupt file number ${s(f, 'file')}.`,
    label: (f) => `MSI match → file ${s(f, 'file')}`,
  },
  'msi-pte-load-fault': {
    sentence: (f) => `Reading the MSI PTE at PA ${s(f, 'pte')} fails → MSI PTE load access fault.`,
    label: () => 'MSI PTE load fault',
  },
  'ddtp-off': {
    sentence: (f) =>
      `ddtp.iommu_mode is Off: every inbound transaction (requester ${s(f, 'rid')}) is disallowed → \`ALL_INBOUND_TRANSACTIONS_DISALLOWED\` (256).`,
    label: () => 'ddtp Off (256)',
  },
  'dc-not-valid': {
    sentence: (f) =>
      `Requester ${s(f, 'rid')} has no valid device context (DC.tc.V = 0 or no DDT entry) → \`DDT_ENTRY_NOT_VALID\` (258).`,
    label: () => 'DC not valid (258)',
  },
  'pid-without-pdtv': {
    sentence: (f) =>
      `The transaction carries process id ${s(f, 'pid')} but DC.tc.PDTV = 0 → \`TRANSACTION_TYPE_DISALLOWED\` (260).`,
    label: () => 'PID without PDTV (260)',
  },
  'msi-pte-poisoned': {
    sentence: (f) =>
      `Reading MSI PTE at PA ${s(f, 'pte')} returns poisoned data → \`MSI_PT_DATA_CORRUPTION\` (270).`,
    label: () => 'MSI PTE poisoned (270)',
  },
  'msi-pte-misconfigured': {
    sentence: (f) =>
      `MSI PTE ${s(f, 'file')} (at PA ${s(f, 'pte')}) is misconfigured (${s(f, 'why')}) → \`MSI_PTE_MISCONFIGURED\` (263).`,
    label: (f) => `MSI PTE ${s(f, 'file')}: misconfigured (263)`,
  },
  'msi-exec': {
    sentence: (f) =>
      `A read-for-execute reaches interrupt file ${s(f, 'file')}: interrupt files are not executable → \`INSTRUCTION_ACCESS_FAULT\` (1).`,
    label: () => 'execute → cause 1',
  },
  'mrif-unsupported-access': {
    sentence: (f) =>
      `An MRIF-mode page only takes aligned 32-bit writes; this one (GPA ${s(f, 'gpa')}, ${s(f, 'size')} bytes) is aborted as unsupported.`,
    label: () => 'MRIF: unsupported access',
  },
  'ste-invalid': {
    sentence: (f) => `The STE of StreamID ${s(f, 'sid')} has V = 0 → \`C_BAD_STE\`.`,
    label: (f) => `STE ${s(f, 'sid')}: V = 0`,
  },
  'msi-pte-not-valid': {
    sentence: (f) =>
      `MSI PTE ${s(f, 'file')} (at PA ${s(f, 'pte')}) has V = 0 → \`MSI_PTE_NOT_VALID\` (262).`,
    label: (f) => `MSI PTE ${s(f, 'file')}: V = 0 (262)`,
  },
  'msi-data-not-allowed': {
    sentence: (f) =>
      `MSI PTE ${s(f, 'file')} (at PA ${s(f, 'pte')}) is in the HYPOTHETICAL validated mode (M = 2) and does not allow identity ${s(f, 'data')} → \`MSI_DATA_NOT_ALLOWED\` (model-defined).`,
    label: (f) => `MSI PTE ${s(f, 'file')}: identity ${s(f, 'data')} not allowed`,
  },
  'msi-pte-validated': {
    sentence: (f) =>
      `MSI PTE ${s(f, 'file')} (at PA ${s(f, 'pte')}) is in the HYPOTHETICAL validated mode (M = 2) and allows identity ${s(f, 'data')}: the write goes to PA ${s(f, 'pa')} with its data unchanged.`,
    label: (f) => `MSI PTE ${s(f, 'file')} (M = 2, validated) → PA ${s(f, 'pa')}`,
  },
  'msi-pte-basic': {
    sentence: (f) =>
      `MSI PTE ${s(f, 'file')} (at PA ${s(f, 'pte')}) is valid, M = 3 (basic): the write goes to PA ${s(f, 'pa')} with its data unchanged; basic mode never reads the data.`,
    label: (f) => `MSI PTE ${s(f, 'file')} (M = 3) → PA ${s(f, 'pa')}`,
  },
  'mrif-not-an-msi': {
    sentence: (f) =>
      `MSI PTE in MRIF mode: the write at GPA ${s(f, 'gpa')} with data ${hex(f, 'data')} is not an MSI the IOMMU accepts (offset ≠ 0 or data ≥ 2048) → dropped.`,
    label: () => 'MRIF: not an MSI, dropped',
  },
  'msi-pte-mrif': {
    sentence: (f) =>
      `MSI PTE ${s(f, 'file')} is in MRIF mode: the IOMMU sets bit ${s(f, 'identity')} in the memory-resident interrupt file and sends the notice MSI.`,
    label: (f) => `MRIF bit ${s(f, 'identity')} + notice`,
  },
  'g-stage-fault': {
    sentence: (f) =>
      `G-stage: GPA ${s(f, 'gpa')} does not translate (${lookupWhy(f, 'why')}) → guest page fault.`,
    label: (f) => `G-stage: ${s(f, 'gpa')} unmapped`,
  },
  'g-stage': {
    sentence: (f) => `G-stage (\`iohgatp\`) translates GPA ${s(f, 'gpa')} → PA ${s(f, 'pa')}.`,
    label: (f) => `G-stage → PA ${s(f, 'pa')}`,
  },
  // RISC-V AIA IMSIC.
  'read-only-zero-page': {
    sentence: (f) =>
      `PA ${s(f, 'pa')} is unused page ${s(f, 'page')} of hart ${s(f, 'hart')}'s IMSIC block: read-only zero, the write is ignored.`,
    label: () => 'read-only zero page: ignored',
  },
  'unsupported-access': {
    sentence: (f) =>
      `The IMSIC takes only aligned 32-bit writes; this ${s(f, 'size')}-byte write to ${hartText(s(f, 'target'))}'s ${fileText(s(f, 'file'))} is ignored.`,
    label: () => 'not a 32-bit write: ignored',
  },
  'not-seteipnum': {
    sentence: (f) =>
      `Offset ${s(f, 'offset')} of ${hartText(s(f, 'target'))}'s ${fileText(s(f, 'file'))} is not \`seteipnum_le\`: the write is ignored.`,
    label: () => 'not seteipnum: ignored',
  },
  'unimplemented-identity': {
    sentence: (f) =>
      `\`seteipnum_le\` of ${hartText(s(f, 'target'))}'s ${fileText(s(f, 'file'))} receives ${s(f, 'identity')}, outside the implemented identities 1..${s(f, 'n')}: ignored.`,
    label: (f) => `seteipnum_le = ${s(f, 'identity')}: unimplemented`,
  },
  seteipnum: {
    sentence: (f) =>
      `\`seteipnum_le\` of ${hartText(s(f, 'target'))}'s ${fileText(s(f, 'file'))} receives identity ${s(f, 'identity')} (implemented: 1..${s(f, 'n')}) → EIID ${s(f, 'identity')} pending. The IMSIC has no notion of who wrote.`,
    label: (f) => `seteipnum_le = ${s(f, 'identity')}`,
  },
  // Arm: IORT, SMMUv3, GICv3 ITS, GICv2m.
  // A platform without an ITS has no DeviceID hop: reportData drops the fact (withoutDeviceId).
  'iort-id-mapping': {
    sentence: (f) =>
      !yes(f, 'mapped')
        ? `RID ${hex(f, 'rid')} has no IORT mapping, hence no StreamID → \`C_BAD_STREAMID\`.`
        : f.deviceId === undefined
          ? `The ID mappings give RID ${hex(f, 'rid')} StreamID ${s(f, 'sid')}, which the device does not choose; with no ITS on the platform no DeviceID travels with the write, so the doorbell cannot tell who wrote.`
          : `The ID mappings give RID ${hex(f, 'rid')} StreamID ${s(f, 'sid')} and ITS DeviceID ${s(f, 'deviceId')}; the device chooses neither.`,
    label: (f) =>
      !yes(f, 'mapped')
        ? 'no StreamID'
        : f.deviceId === undefined
          ? `StreamID ${s(f, 'sid')}`
          : `StreamID ${s(f, 'sid')}, DeviceID ${s(f, 'deviceId')}`,
  },
  'memory-write': {
    sentence: (f) => `PA ${s(f, 'pa')} is no doorbell: an ordinary memory write.`,
    label: (f) => `memory write at PA ${s(f, 'pa')}`,
  },
  'find-ste': {
    sentence: (f) =>
      yes(f, 'found')
        ? `The STE of StreamID ${s(f, 'sid')} is valid, Config = ${s(f, 'config')}.`
        : `StreamID ${s(f, 'sid')} is outside the Stream table → \`C_BAD_STREAMID\`.`,
    label: (f) => (yes(f, 'found') ? `STE ${s(f, 'sid')}: ${s(f, 'config')}` : 'no STE'),
  },
  'ste-abort': {
    sentence: (f) => `The STE of StreamID ${s(f, 'sid')} is Config = abort: the transaction is terminated.`,
    label: () => 'STE abort',
  },
  'ste-bypass': {
    sentence: (f) =>
      `The STE of StreamID ${s(f, 'sid')} is Config = bypass: PA = input address ${s(f, 'pa')}.`,
    label: (f) => `bypass → PA ${s(f, 'pa')}`,
  },
  'stage1-walk': {
    sentence: (f) =>
      f.result === 'ok'
        ? `Stage 1 table walk: IOVA ${s(f, 'input')} → ${s(f, 'output')}.`
        : `Stage 1 table walk: IOVA ${s(f, 'input')} — ${lookupWhy(f, 'result')} → \`${f.result === 'not-mapped' ? 'F_TRANSLATION' : 'F_PERMISSION'}\`.`,
    label: (f) =>
      f.result === 'ok' ? `S1: ${s(f, 'input')} → ${s(f, 'output')}` : `S1: ${s(f, 'input')} faults`,
  },
  'stage2-walk': {
    sentence: (f) =>
      f.result === 'ok'
        ? `Stage 2 table walk: IPA ${s(f, 'input')} → PA ${s(f, 'output')}.`
        : `Stage 2 table walk: IPA ${s(f, 'input')} — ${lookupWhy(f, 'result')} → \`${f.result === 'not-mapped' ? 'F_TRANSLATION' : 'F_PERMISSION'}\`.`,
    label: (f) =>
      f.result === 'ok' ? `S2: ${s(f, 'input')} → ${s(f, 'output')}` : `S2: ${s(f, 'input')} faults`,
  },
  'not-translater': {
    sentence: (f) =>
      `PA ${s(f, 'pa')} is in the ITS translation frame but is not \`GITS_TRANSLATER\` (${s(f, 'translater')}): ignored.`,
    label: () => 'not GITS_TRANSLATER: ignored',
  },
  'its-disabled': {
    sentence: (f) => `The ITS at ${s(f, 'base')} has \`GITS_CTLR.Enabled\` = 0: the write is ignored.`,
    label: () => 'ITS disabled: ignored',
  },
  'translater-write': {
    sentence: (f) =>
      `\`GITS_TRANSLATER\` takes EventID ${s(f, 'eventId')} from the data; DeviceID ${s(f, 'deviceId')} comes from the bus sideband, not from the write.`,
    label: (f) => `GITS_TRANSLATER: DeviceID ${s(f, 'deviceId')}, EventID ${s(f, 'eventId')}`,
  },
  'deviceid-out-of-range': {
    sentence: (f) =>
      `DeviceID ${s(f, 'deviceId')} is beyond the device table (${s(f, 'dtEntries')} entries): dropped.`,
    label: () => 'DeviceID out of range',
  },
  'unmapped-deviceid': {
    sentence: (f) => `DeviceID ${s(f, 'deviceId')} has no valid DTE (no \`MAPD\`): dropped.`,
    label: (f) => `DeviceID ${s(f, 'deviceId')} unmapped`,
  },
  'eventid-out-of-range': {
    sentence: (f) =>
      `EventID ${s(f, 'eventId')} is beyond DeviceID ${s(f, 'deviceId')}'s ITT (${s(f, 'numEvents')} events): dropped.`,
    label: (f) => `EventID ${s(f, 'eventId')} out of range`,
  },
  'unmapped-eventid': {
    sentence: (f) =>
      `DeviceID ${s(f, 'deviceId')} has no ITE for EventID ${s(f, 'eventId')} (no \`MAPTI\`): dropped.`,
    label: (f) => `EventID ${s(f, 'eventId')} unmapped`,
  },
  'unmapped-collection': {
    sentence: (f) => `Collection ${s(f, 'icid')} has no valid CTE (no \`MAPC\`): dropped.`,
    label: (f) => `collection ${s(f, 'icid')} unmapped`,
  },
  'lpi-pending': {
    sentence: (f) =>
      `The ITE of (DeviceID ${s(f, 'deviceId')}, EventID ${s(f, 'eventId')}) names LPI ${s(f, 'intid')} in collection ${s(f, 'icid')} → LPI ${s(f, 'intid')} pending at redistributor ${s(f, 'rdbase')}.`,
    label: (f) => `LPI ${s(f, 'intid')} → redistributor ${s(f, 'rdbase')}`,
  },
  'unmapped-vpe': {
    sentence: (f) => `vPE ${s(f, 'vpeid')} has no valid vPE table entry (no \`VMAPP\`): dropped.`,
    label: (f) => `vPE ${s(f, 'vpeid')} unmapped`,
  },
  'vintid-out-of-range': {
    sentence: (f) =>
      `vINTID ${s(f, 'vintid')} is outside the vPE's virtual LPI range (8192..${s(f, 'vptLimit')} − 1): dropped.`,
    label: (f) => `vINTID ${s(f, 'vintid')} out of range`,
  },
  'vlpi-pending': {
    sentence: (f) =>
      `The ITE of (DeviceID ${s(f, 'deviceId')}, EventID ${s(f, 'eventId')}) names vLPI ${s(f, 'vintid')} of vPE ${s(f, 'vpeid')} → pending in its virtual pending table (redistributor ${s(f, 'rdbase')}, doorbell ${s(f, 'doorbell')}).`,
    label: (f) => `vLPI ${s(f, 'vintid')} → vPE ${s(f, 'vpeid')}`,
  },
  'not-setspi': {
    sentence: (f) =>
      `PA ${s(f, 'pa')} is in the GICv2m frame at ${s(f, 'frame')} but is not \`MSI_SETSPI_NS\`: ignored.`,
    label: () => 'not MSI_SETSPI_NS: ignored',
  },
  setspi: {
    sentence: (f) =>
      `\`MSI_SETSPI_NS\` takes SPI ${s(f, 'spi')} from the data (bits 9:0), inside the frame's SPIs ${s(f, 'firstSpi')}..${Number(f.firstSpi) + Number(f.numSpis) - 1} → SPI ${s(f, 'spi')} pending. The writer's identity is not consulted.`,
    label: (f) => `SETSPI: SPI ${s(f, 'spi')}`,
  },
  'spi-out-of-frame': {
    sentence: (f) =>
      `\`MSI_SETSPI_NS\` receives SPI ${s(f, 'spi')}, outside the frame's SPIs ${s(f, 'firstSpi')}..${Number(f.firstSpi) + Number(f.numSpis) - 1}: ignored.`,
    label: (f) => `SPI ${s(f, 'spi')} outside the frame`,
  },
  // Arm: the GICv3 distributor frame (MBI).
  'gicd-setspi': {
    sentence: (f) =>
      `\`GICD_SETSPI_NSR\` takes INTID ${s(f, 'intid')} from the data (bits 12:0), an implemented SPI (32..${31 + Number(f.spis)}) → SPI ${s(f, 'intid')} pending. The writer's identity is not consulted.`,
    label: (f) => `SETSPI_NSR: SPI ${s(f, 'intid')}`,
  },
  'gicd-not-an-spi': {
    sentence: (f) =>
      `\`GICD_SETSPI_NSR\` receives INTID ${s(f, 'intid')}, not an implemented SPI (32..${31 + Number(f.spis)}): ignored.`,
    label: (f) => `INTID ${s(f, 'intid')}: not an SPI`,
  },
  'gicd-register': {
    sentence: (f) =>
      `PA ${s(f, 'pa')} is \`${s(f, 'register')}\` of the distributor frame, not an MSI doorbell: the ${s(f, 'access')} acts on the register.`,
    label: (f) => `${s(f, 'register')} ${s(f, 'access')}`,
  },
  'gicd-ignored': {
    sentence: (f) =>
      `\`${s(f, 'register')}\` is ${s(f, 'why') === 'read-only' ? 'read-only' : 'Secure-only (RAZ/WI to a Non-secure access)'}: the write is ignored.`,
    label: (f) => `${s(f, 'register')}: ignored`,
  },
  'gicd-reserved': {
    sentence: (f) => `Offset ${s(f, 'offset')} of the distributor frame is reserved (RES0): ignored.`,
    label: () => 'reserved: ignored',
  },
  // x86: the interrupt window, VT-d and AMD-Vi interrupt remapping, DMA remapping, the LAPIC.
  'window-check': {
    sentence: (f) =>
      yes(f, 'inWindow')
        ? `${s(f, 'addr')} lies in the interrupt window ${s(f, 'start')}–${s(f, 'end')}: an interrupt request (${IR_NAMES[s(f, 'ir')] ?? s(f, 'ir')}), never DMA-translated.`
        : `${s(f, 'addr')} lies outside the interrupt window ${s(f, 'start')}–${s(f, 'end')}: a DMA write, translated for its requester.`,
    label: (f) => (yes(f, 'inWindow') ? 'interrupt window' : 'DMA (outside the window)'),
  },
  'ir-disabled': {
    sentence: () => 'Interrupt remapping is disabled (`GSTS.IRES` = 0): the request goes to the LAPIC as is.',
    label: () => 'IR disabled',
  },
  'addr-hi-reserved': {
    sentence: (f) => `Address ${s(f, 'addr')} has bits 63:32 set → ${fault(f)}.`,
    label: () => 'reserved address bits',
  },
  'compat-passthrough': {
    sentence: () =>
      'Compatibility format (address bit 4 = 0) with `GSTS.CFIS` = 1 and xAPIC mode: passed to the LAPIC unremapped.',
    label: () => 'compat format passed through',
  },
  'compat-blocked': {
    sentence: (f) =>
      `Compatibility format (address bit 4 = 0) is blocked (CFIS = ${s(f, 'cfis')}, EIME = ${s(f, 'eime')}) → ${fault(f)}.`,
    label: () => 'compat format blocked',
  },
  'data-hi-reserved': {
    sentence: (f) => `SHV = 1 but data ${s(f, 'data')} has bits 31:16 set → ${fault(f)}.`,
    label: () => 'reserved data bits',
  },
  index: {
    sentence: (f) =>
      yes(f, 'shv')
        ? `Remappable format: handle ${s(f, 'handle')} (address bits 19:5 and 2); SHV = 1 adds the data's low 16 bits as sub-handle → IRTE index ${s(f, 'index')}.`
        : `Remappable format: handle ${s(f, 'handle')} (address bits 19:5 and 2), SHV = 0 → IRTE index ${s(f, 'index')}.`,
    label: (f) => `IRTE index ${s(f, 'index')}`,
  },
  'index-over': {
    sentence: (f) =>
      `IRTE index ${s(f, 'index')} is beyond the table (${s(f, 'irtSize')} entries) → ${fault(f)}.`,
    label: () => 'index beyond the IRT',
  },
  'irte-not-present': {
    sentence: (f) => `IRTE ${s(f, 'index')} is not present → ${fault(f)}.`,
    label: (f) => `IRTE ${s(f, 'index')} not present`,
  },
  'irte-reserved': {
    sentence: (f) => `IRTE ${s(f, 'index')} has reserved bits set → ${fault(f)}.`,
    label: (f) => `IRTE ${s(f, 'index')} reserved bits`,
  },
  'sid-check': {
    sentence: (f) => {
      const rid = s(f, 'rid');
      const verdict = yes(f, 'ok') ? 'passes' : 'fails';
      switch (s(f, 'svt')) {
        case '0':
          return `IRTE ${s(f, 'index')} has SVT = 0: the source-id is not verified, so RID ${rid} may use the entry (its SID is ${s(f, 'sid')}).`;
        case '1':
          return `IRTE ${s(f, 'index')} has SVT = 1, SQ = ${s(f, 'sq')}: RID ${rid} compared with SID ${s(f, 'sid')} under the SQ mask → ${verdict}.`;
        case '2':
          return `IRTE ${s(f, 'index')} has SVT = 2: the bus of RID ${rid} checked against the range in SID ${s(f, 'sid')} → ${verdict}.`;
        default:
          return `IRTE ${s(f, 'index')} has SVT = ${s(f, 'svt')} (reserved): RID ${rid} → ${verdict}.`;
      }
    },
    label: (f) => `SVT = ${s(f, 'svt')}: RID ${s(f, 'rid')} ${yes(f, 'ok') ? 'accepted' : 'refused'}`,
  },
  'sid-mismatch': {
    sentence: (f) => `The requester is not the one IRTE ${s(f, 'index')} names → ${fault(f)}.`,
    label: () => 'source-id mismatch',
  },
  posted: {
    sentence: (f) =>
      `IRTE ${s(f, 'index')} is posted (IM = 1): virtual vector ${hex(f, 'vvector')} goes into the posted-interrupt descriptor at ${s(f, 'pda')}.`,
    label: (f) => `posted: vector ${hex(f, 'vvector')}`,
  },
  remapped: {
    sentence: (f, block) =>
      block === 'amd-ir'
        ? `IRTE ${s(f, 'index')} of the requester's own table → APIC ${s(f, 'dest')}, vector ${hex(f, 'vector')}.`
        : `IRTE ${s(f, 'index')} (IM = 0) → APIC ${s(f, 'dest')}, vector ${hex(f, 'vector')}.`,
    label: (f) => `IRTE ${s(f, 'index')} → APIC ${s(f, 'dest')} vector ${hex(f, 'vector')}`,
  },
  'dte-lookup': {
    sentence: (f) =>
      yes(f, 'found') && yes(f, 'iv')
        ? `The DTE of DeviceID ${s(f, 'rid')} has IV = 1: its own interrupt table applies.`
        : `DeviceID ${s(f, 'rid')} has ${yes(f, 'found') ? 'IV = 0' : 'no DTE (read as IV = 0)'}: the request is forwarded unremapped.`,
    label: (f) => (yes(f, 'found') && yes(f, 'iv') ? `DTE ${s(f, 'rid')}: IV = 1` : 'IV = 0: unremapped'),
  },
  intctl: {
    sentence: (f) =>
      `Fixed or arbitrated delivery: the DTE's IntCtl = ${s(f, 'intCtl')} (${INTCTL[s(f, 'intCtl')] ?? '?'}) decides.`,
    label: (f) => `IntCtl = ${s(f, 'intCtl')}`,
  },
  'intctl-abort': {
    sentence: (f) => `IntCtl = 0 aborts ${dlm(f)} interrupts → ${fault(f)}.`,
    label: () => 'IntCtl abort',
  },
  'intctl-reserved': {
    sentence: (f) => `IntCtl = 3 is reserved → ${fault(f)}.`,
    label: () => 'IntCtl reserved',
  },
  'irte-lookup': {
    sentence: (f) =>
      `Data bits 10:0 index the requester's own table (DeviceID ${s(f, 'rid')}): IRTE ${s(f, 'index')}${yes(f, 'found') ? '' : ' is absent'}.`,
    label: (f) => `IRTE ${s(f, 'index')} of DeviceID ${s(f, 'rid')}`,
  },
  'remap-disabled': {
    sentence: (f) => `IRTE ${s(f, 'index')} has RemapEn = 0 → ${fault(f)}.`,
    label: () => 'RemapEn = 0',
  },
  'guest-mode': {
    sentence: (f) => `IRTE ${s(f, 'index')} is in guest (GA) mode, not modelled here → ${fault(f)}.`,
    label: () => 'guest mode',
  },
  'pass-bit': {
    sentence: (f) =>
      `${dlm(f)} delivery passes only with the DTE's ${dlm(f)}Pass bit: ${yes(f, 'passed') ? 'set, forwarded unremapped' : 'clear'}.`,
    label: (f) => `${dlm(f)}Pass = ${yes(f, 'passed') ? 1 : 0}`,
  },
  'not-passed': {
    sentence: (f) => `${dlm(f)} delivery without its pass bit → ${fault(f)}.`,
    label: () => 'not passed',
  },
  'delivery-mode-refused': {
    sentence: (f) => `Delivery mode ${dlm(f)} is refused → ${fault(f)}.`,
    label: () => 'delivery mode refused',
  },
  'compat-decode': {
    sentence: (f) =>
      `Compatibility format: APIC ${s(f, 'dest')} from address bits 19:12, vector ${hex(f, 'vector')} from data bits 7:0 (${DELIVERY_MODES[s(f, 'deliveryMode')] ?? 'reserved'} delivery). Nothing checks who wrote.`,
    label: (f) => `APIC ${s(f, 'dest')} vector ${hex(f, 'vector')}`,
  },
  'illegal-vector': {
    sentence: (f) =>
      `Vector ${hex(f, 'vector')} with ${s(f, 'deliveryMode')} delivery is an illegal vector (0-15): the LAPIC records Receive Illegal Vector and raises nothing.`,
    label: (f) => `illegal vector ${hex(f, 'vector')}`,
  },
  'find-domain': {
    sentence: (f) =>
      f.mode === 'none'
        ? `RID ${s(f, 'rid')} has no DMA domain.`
        : `RID ${s(f, 'rid')} is in a ${s(f, 'mode') === 'passthrough' ? 'pass-through' : 'translating'} DMA domain.`,
    label: (f) => `domain: ${s(f, 'mode')}`,
  },
  'no-context': {
    sentence: (f) => `RID ${s(f, 'rid')} has no present context entry → ${fault(f)}.`,
    label: () => 'no context entry',
  },
  'no-dte': {
    sentence: (f) => `RID ${s(f, 'rid')} has a DTE that grants no access → ${fault(f)}.`,
    label: () => 'no access',
  },
  'no-write': {
    sentence: (f) =>
      `IOVA ${s(f, 'iova')} does not translate for a write (${lookupWhy(f, 'result')}) → ${fault(f)}.`,
    label: (f) => `${s(f, 'iova')} unmapped`,
  },
  'output-in-interrupt-range': {
    sentence: (f) =>
      `IOVA ${s(f, 'iova')} translates to ${s(f, 'pa')}, inside the interrupt range, which DMA may not reach → ${fault(f)}.`,
    label: () => 'output in the interrupt range',
  },
  translated: {
    sentence: (f) => `IOVA ${s(f, 'iova')} → PA ${s(f, 'pa')}.`,
    label: (f) => `→ PA ${s(f, 'pa')}`,
  },
  // Access types, translated requests and access sizes (model/types/write.ts).
  'no-read': {
    sentence: (f) =>
      `IOVA ${s(f, 'iova')} does not translate for a read (${lookupWhy(f, 'result')}) → ${fault(f)}.`,
    label: (f) => `${s(f, 'iova')} unreadable`,
  },
  'bare-translated': {
    sentence: (f) =>
      `\`ddtp.iommu_mode\` is Bare and RID ${hex(f, 'rid')} sent a Translated request → ${fault(f)}.`,
    label: () => 'Translated request in Bare mode',
  },
  'device-id-too-wide': {
    sentence: (f) =>
      `device_id ${hex(f, 'rid')} is wider than the ${s(f, 'bits')} bits the device directory indexes → ${fault(f)}.`,
    label: () => 'device_id too wide',
  },
  'translated-without-ats': {
    sentence: (f) =>
      `RID ${hex(f, 'rid')} sent a Translated request but \`DC.tc.EN_ATS\` is 0 → ${fault(f)}.`,
    label: () => 'Translated request without ATS',
  },
  'translated-spa': {
    sentence: (f) => `A Translated request with \`T2GPA\` = 0 carries the SPA: PA ${s(f, 'pa')}.`,
    label: (f) => `Translated → PA ${s(f, 'pa')}`,
  },
  'translated-gpa': {
    sentence: (f) => `A Translated request with \`T2GPA\` = 1 carries GPA ${s(f, 'gpa')}.`,
    label: (f) => `Translated → GPA ${s(f, 'gpa')}`,
  },
  'mrif-read-zero': {
    sentence: (f) => `A 32-bit read of MRIF-mode page ${s(f, 'gpa')} returns zero.`,
    label: () => 'MRIF read → 0',
  },
  'read-zero': {
    sentence: (_f, block) => `${blockName(block)}: a read returns zero and changes nothing.`,
    label: () => 'read → 0',
  },
  'decode-error': {
    sentence: (f, block) =>
      `${blockName(block)} refuses a ${s(f, 'size')}-byte access: the access is aborted with a decode error.`,
    label: () => 'decode error',
  },
  'rdbase-out-of-range': {
    sentence: (f) =>
      `RDbase ${s(f, 'rdbase')} is not one of the ${s(f, 'redistributors')} redistributors: the write is ignored.`,
    label: () => 'RDbase out of range',
  },
  'virtual-unsupported': {
    sentence: (f) =>
      `DeviceID ${s(f, 'deviceId')}, EventID ${s(f, 'eventId')} maps to a virtual ITE on an ITS without GICv4: the write is ignored.`,
    label: () => 'no virtual LPIs',
  },
  'bad-size': {
    sentence: (f) => `MSI_SETSPI_NS takes 16- or 32-bit writes; a ${s(f, 'size')}-byte write is ignored.`,
    label: () => 'bad size',
  },
  'translated-forbidden': {
    sentence: (f) => `StreamID ${s(f, 'sid')} does not enable ATS: a Translated transaction is refused.`,
    label: () => 'Translated forbidden',
  },
  'ir-read': {
    sentence: (f) => `A read of ${s(f, 'addr')} in the interrupt window does nothing.`,
    label: () => 'window read',
  },
  'not-an-msi': {
    sentence: (f) =>
      `A ${s(f, 'size')}-byte ${s(f, 'access')} of ${s(f, 'addr')} is not an MSI: nothing is raised.`,
    label: () => 'not an MSI',
  },
  'translated-in-window': {
    sentence: (f) =>
      `A Translated write to ${s(f, 'addr')} in the interrupt window is refused → fault \`VTD_FR_SM_INTERRUPT_ADDR\`.`,
    label: () => 'Translated write to the window',
  },
  'no-device-table': {
    sentence: (f) => `No device table is installed: the request from RID ${s(f, 'rid')} passes unremapped.`,
    label: () => 'no device table',
  },
  'ir-not-supported': {
    sentence: (f) => `The DTE asks for interrupt remapping the unit does not implement → ${fault(f)}.`,
    label: () => 'IR not supported',
  },
  'int-type-reserved': {
    sentence: (f) => `IRTE ${s(f, 'index')} has reserved IntType ${s(f, 'intType')} → ${fault(f)}.`,
    label: () => 'IntType reserved',
  },
  'dest-mode': {
    sentence: (f) => `A ${dlm(f)} request in logical destination mode is refused → ${fault(f)}.`,
    label: () => 'logical destination mode',
  },
};

const IR_NAMES: Record<string, string> = {
  vtd: 'VT-d interrupt remapping',
  amd: 'AMD-Vi interrupt remapping',
  none: 'no interrupt remapping',
};
const INTCTL: Record<string, string> = { '0': 'abort', '1': 'pass', '2': 'remap', '3': 'reserved' };

/** Whether `step` has its own sentence (the generic fallback is for ids added to the model later). */
export const isKnownStep = (step: string): boolean => Object.hasOwn(STEPS, step);

const generic = (h: Hop): string => {
  const facts = Object.entries(h.facts).map(([k, v]) => `${k} = ${String(v)}`);
  return `Step \`${h.step}\`${facts.length > 0 ? `: ${facts.join(', ')}` : ''}.`;
};

/** One sentence for a hop, from its step id and facts (Markdown inline: `code` spans only). */
export const hopSentence = (h: Hop): string => STEPS[h.step]?.sentence(h.facts, h.block) ?? generic(h);

/** A short label for a diagram arrow (plain text). */
export const hopLabel = (h: Hop): string => STEPS[h.step]?.label(h.facts, h.block) ?? h.step;

/** The rule a hop applied, as cited by the block that applied it. */
export const hopCitation = (h: Hop): string => h.ref;

/** The hardware block a hop belongs to, as a designer names it. */
export const BLOCK_NAMES: Readonly<Record<string, string>> = {
  'riscv-iommu': 'RISC-V IOMMU',
  imsic: 'IMSIC',
  arm: 'IORT (fabric)',
  'arm-smmuv3': 'SMMUv3',
  'arm-gic-its': 'GICv3 ITS',
  'arm-gicv2m': 'GICv2m',
  'arm-gicd': 'GICv3 distributor',
  'x86-window': 'x86 interrupt window',
  'vtd-ir': 'VT-d IR',
  'amd-ir': 'AMD-Vi IR',
  lapic: 'LAPIC',
  'x86-dma': 'DMA remapping',
};
export const blockName = (block: string): string => BLOCK_NAMES[block] ?? block;

/** An owner key ("host", "userspace:0", "vm:1") as prose. */
export const ownerText = (owner: string): string => {
  const [kind, n = '?'] = owner.split(':');
  if (kind === 'host') return 'host';
  if (kind === 'userspace') return `VFIO userspace ctx ${n}`;
  if (kind === 'vm') return `VM ${n}`;
  return owner;
};

const bdfOf = (t: Topology, device: number): string => t.devices[device]?.bdf ?? `device ${device}`;

/** An op as the kernel call it models, with its arguments named. */
export const opText = (op: Op, t: Topology): string => {
  switch (op.op) {
    case 'iommu_group_store_type':
      return `iommu_group_store_type(group ${op.group}, ${op.domain === 'dma' ? 'DMA' : 'identity'})`;
    case 'vfio_group_assign': {
      const to = op.to === 'guest' ? `VM ${op.owner}` : `VFIO userspace ctx ${op.owner}`;
      return `vfio_group_assign(group ${op.group} → ${to}, ${op.backend}${op.unsafe ? ', allow_unsafe_interrupts=1' : ''})`;
    }
    case 'vfio_group_release':
      return `vfio_group_release(group ${op.group})`;
    case 'iommu_map':
      return `iommu_map(group ${op.group}, IOVA ${op.iova})`;
    case 'msi_domain_alloc_irqs':
      return `msi_domain_alloc_irqs(${bdfOf(t, op.device)})`;
    case 'irq_set_affinity':
      return `irq_set_affinity(${bdfOf(t, op.device)} vector ${op.vector} → hart ${op.hart})`;
    case 'iommu_replace_domain':
      return `iommu_replace_domain(group ${op.group})`;
    case 'guest_program_msi':
      return `guest_program_msi(${bdfOf(t, op.device)} vector ${op.vector} → vCPU ${op.vcpu})`;
    case 'vfio_set_msi_iova':
      return `vfio_set_msi_iova(${bdfOf(t, op.device)} vector ${op.vector}, IOVA ${op.iova})`;
    case 'iommufd_hwpt_set_msi_window':
      return `iommufd_hwpt_set_msi_window(group ${op.group}, window at ${op.iova})`;
    case 'kvm_riscv_vcpu_aia_imsic_update':
      return `kvm_riscv_vcpu_aia_imsic_update(VM ${op.vm} vCPU ${op.vcpu} → hart ${op.hart})`;
    default: {
      const never: never = op;
      return never;
    }
  }
};

/** What the kernel returned: `ok`, `ok — IRQ 25` (ops that allocate an IRQ), `-EPERM`. */
export const resultText = (r: KResult, op?: Op): string => {
  if (!r.ok) return `-${r.errno}`;
  if (r.value === undefined) return 'ok';
  const irq = op?.op === 'msi_domain_alloc_irqs' || op?.op === 'guest_program_msi';
  return irq ? `ok — IRQ ${r.value}` : `ok — ${r.value}`;
};

/** A hardware outcome as prose: where the write ended. */
/**
 * A fault code as its spec writes it: RISC-V IOMMU CAUSE values in decimal, SMMUv3 event ids and
 * VT-d fault reasons in hex; code 0 marks a model-named cause the spec gives no number.
 */
const faultCode = (o: JsonOutcome): string => {
  const code = Number(o.code);
  if (code === 0) return 'no spec code';
  return o.arch === 'riscv-iommu' ? `cause ${code}` : `code 0x${code.toString(16)}`;
};

export const outcomeText = (o: JsonOutcome): string => {
  switch (o.kind) {
    case 'interrupt':
      return o.controller === 'imsic'
        ? `identity ${o.identity} pending in ${hartText(String(o.target))}'s ${fileText(String(o.file ?? 'S'))}`
        : o.controller === 'lapic'
          ? `vector ${hex(o, 'identity')} on APIC ${String(o.target).replace(/^apic/, '')}`
          : o.controller === 'gic-spi'
            ? `SPI ${o.identity} pending`
            : o.controller === 'its-lpi'
              ? `LPI ${o.identity} pending at ${o.target}`
              : `${o.controller} interrupt ${o.identity} at ${o.target}`;
    case 'memory':
      return `a memory write at PA ${o.pa}`;
    case 'fault':
      return `fault \`${o.cause}\` (${o.arch}, ${faultCode(o)})`;
    case 'dropped':
      return `dropped (\`${o.reason}\`)`;
    case 'register':
      return `a ${o.access} of the non-doorbell register \`${o.register}\` at PA ${o.pa}`;
    default:
      return Object.entries(o)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ');
  }
};
