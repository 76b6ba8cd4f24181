import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { rw } from '../../types/page-map.ts';
import { type Write, write32 } from '../../types/write.ts';
import { bareDc, testIommu } from '../riscv-fixture.ts';
import { type DeviceContext, mgpaw, parseRiscvIommuConfig, type RiscvIommuConfig } from './config.ts';
import { basicPte } from './msi-pte.ts';
import { dcMisconfigured, deviceIdBits, riscvIommuTranslate } from './translate.ts';

/**
 * Bit widths and boundaries of the RISC-V IOMMU checks before and around MSI translation
 * (RISC-V IOMMU spec v1.0.1, Process to translate an IOVA steps 1-9 and 17-19; [[DC_MISCONFIG]]
 * rule 16 and the msiptp / msi_addr_mask / msi_addr_pattern field layouts of [[MSI_ID]]: msiptp.PPN
 * 43:0, mask and pattern 51:0; MGPAW from the widest G-stage mode, Sv57x4 59, Sv48x4 50, Sv39x4 41,
 * Sv32x4 34; reference model iommu_translate.c and iommu_device_context.c).
 */
const REF = 'RISC-V IOMMU spec v1.0.1, Process to translate an IOVA';
const caps = (gStage: RiscvIommuConfig['capabilities']['gStage'], PAS = 56) => ({
  MSI_FLAT: true,
  MSI_MRIF: false,
  PAS,
  gStage,
});

describe('MGPAW per G-stage mode', () => {
  it('59 / 50 / 41 / 34 for Sv57x4 / Sv48x4 / Sv39x4 / Sv32x4, PAS for Bare', () => {
    const of = (g: RiscvIommuConfig['capabilities']['gStage'], pas = 56) =>
      mgpaw(testIommu({ capabilities: caps(g, pas) }));
    expect([of('Sv57x4'), of('Sv48x4'), of('Sv39x4'), of('Sv32x4'), of('Bare', 44)]).toEqual([
      59, 50, 41, 34, 44,
    ]);
  });
});

describe('dcMisconfigured: msiptp and msi_addr fields', () => {
  const dc = (over: Partial<DeviceContext>) =>
    bareDc({
      iohgatp: { MODE: 'Sv39x4', GSCID: 0, pages: new Map() },
      msiptp: { MODE: 1, PPN: 0n },
      ...over,
    });
  const v1 = testIommu({ capabilities: caps('Sv39x4') });
  const v2 = (g: RiscvIommuConfig['capabilities']['gStage'], pas = 56) =>
    testIommu({ specVersion: '20260222', capabilities: caps(g, pas) });
  it('msiptp.MODE 0 (Off) and 1 (Flat) are valid, 2..15 reserved', () => {
    expect(
      [0, 1, 2, 13, 14, 15].map((MODE) => dcMisconfigured(v1, dc({ msiptp: { MODE, PPN: 0n } }))),
    ).toEqual([false, false, true, true, true, true]);
  });
  it('msiptp.PPN bit 43 is valid, bit 44 reserved', () => {
    expect(dcMisconfigured(v1, dc({ msiptp: { MODE: 1, PPN: 1n << 43n } }))).toBe(false);
    expect(dcMisconfigured(v1, dc({ msiptp: { MODE: 1, PPN: 1n << 44n } }))).toBe(true);
  });
  it('v1.0: mask and pattern bits 51 valid, 52 reserved', () => {
    for (const f of ['msi_addr_mask', 'msi_addr_pattern'] as const) {
      expect(dcMisconfigured(v1, dc({ [f]: 1n << 51n })), f).toBe(false);
      expect(dcMisconfigured(v1, dc({ [f]: 1n << 52n })), f).toBe(true);
    }
  });
  it('20260222: bits MGPAW − 13 valid, MGPAW − 12 reserved, for every G-stage width', () => {
    for (const [g, top] of [
      ['Sv57x4', 47n],
      ['Sv48x4', 38n],
      ['Sv39x4', 29n],
      ['Sv32x4', 22n],
    ] as const) {
      for (const f of ['msi_addr_mask', 'msi_addr_pattern'] as const) {
        expect(dcMisconfigured(v2(g), dc({ [f]: 1n << (top - 1n) })), `${g} ${f}`).toBe(false);
        expect(dcMisconfigured(v2(g), dc({ [f]: 1n << top })), `${g} ${f}`).toBe(true);
      }
    }
    // Bare G-stage capability: MGPAW = PAS; with PAS 64 the limit is still bit 52.
    expect(dcMisconfigured(v2('Bare', 64), dc({ msi_addr_mask: 1n << 51n }))).toBe(false);
    expect(dcMisconfigured(v2('Bare', 64), dc({ msi_addr_mask: 1n << 52n }))).toBe(true);
    expect(dcMisconfigured(v2('Bare', 40), dc({ msi_addr_mask: 1n << 27n }))).toBe(false);
    expect(dcMisconfigured(v2('Bare', 40), dc({ msi_addr_mask: 1n << 28n }))).toBe(true);
  });
  it('20260222: msiptp Flat with a Bare G-stage is misconfigured, Off is not; v1.0 allows both', () => {
    const bare = (MODE: number) =>
      dc({ iohgatp: { MODE: 'Bare', GSCID: 0, pages: new Map() }, msiptp: { MODE, PPN: 0n } });
    expect(dcMisconfigured(v2('Sv39x4'), bare(1))).toBe(true);
    expect(dcMisconfigured(v2('Sv39x4'), bare(0))).toBe(false);
    expect(dcMisconfigured(v1, bare(1))).toBe(false);
    expect(dcMisconfigured(v2('Sv39x4'), dc({}))).toBe(false);
  });
  it('a base-format IOMMU (MSI_FLAT = 0) has no msiptp fields to check', () => {
    const base = testIommu({ capabilities: { ...caps('Sv39x4'), MSI_FLAT: false } });
    expect(dcMisconfigured(base, dc({ msiptp: { MODE: 2, PPN: 1n << 44n }, msi_addr_mask: 1n << 63n }))).toBe(
      false,
    );
  });
});

describe('device_id width of the directory (steps 3-5)', () => {
  it('extended format: 6 / 15 / 24 bits for 1 / 2 / 3 levels; base format 7 / 16 / 24', () => {
    const w = (MSI_FLAT: boolean, levels?: 1 | 2 | 3) =>
      deviceIdBits(
        testIommu({
          capabilities: { ...caps('Sv39x4'), MSI_FLAT },
          ddtp: { iommu_mode: 'DDT', ...(levels ? { levels } : {}) },
        }),
      );
    expect([w(true, 1), w(true, 2), w(true, 3), w(true)]).toEqual([6, 15, 24, 24]);
    expect([w(false, 1), w(false, 2), w(false, 3)]).toEqual([7, 16, 24]);
  });
  it('device_id 2^bits − 1 is located, 2^bits is disallowed (260) and recorded', () => {
    const c = testIommu({ ddtp: { iommu_mode: 'DDT', levels: 1 }, ddt: new Map([[63, bareDc()]]) });
    expect(riscvIommuTranslate(c, write32(63, 0x1000n, 1), 'write', undefined, false)).toEqual({
      kind: 'pa',
      pa: 0x1000n,
    });
    const trace: Hop[] = [];
    expect(riscvIommuTranslate(c, write32(64, 0x1000n, 1), 'write', trace, false)).toEqual({
      kind: 'outcome',
      outcome: { kind: 'fault', arch: 'riscv-iommu', cause: 'TRANSACTION_TYPE_DISALLOWED', code: 260 },
    });
    expect(trace).toEqual([
      {
        block: 'riscv-iommu',
        step: 'device-id-too-wide',
        ref: `${REF}, step 5 (device_id width)`,
        facts: { rid: 64, bits: 6, fault: 'TRANSACTION_TYPE_DISALLOWED' },
      },
    ]);
  });
});

describe('ddtp modes and the steps before the first stage', () => {
  const fault = (cause: string, code: number) => ({
    kind: 'outcome',
    outcome: { kind: 'fault', arch: 'riscv-iommu', cause, code },
  });
  const tr = (c: RiscvIommuConfig, w: Write) => {
    const trace: Hop[] = [];
    return { r: riscvIommuTranslate(c, w, 'write', trace, false), trace };
  };
  it('Off: 256 recorded with the requester', () => {
    expect(tr(testIommu({ ddtp: { iommu_mode: 'Off' } }), write32(5, 0x1000n, 1))).toEqual({
      r: fault('ALL_INBOUND_TRANSACTIONS_DISALLOWED', 256),
      trace: [
        {
          block: 'riscv-iommu',
          step: 'ddtp-off',
          ref: `${REF} (ddtp.iommu_mode == Off)`,
          facts: { rid: 5, fault: 'ALL_INBOUND_TRANSACTIONS_DISALLOWED' },
        },
      ],
    });
  });
  it('Bare: the IOVA is the PA; a Translated request is disallowed (260)', () => {
    const c = testIommu({ ddtp: { iommu_mode: 'Bare' } });
    expect(tr(c, write32(5, 0x1234n, 1))).toEqual({
      r: { kind: 'pa', pa: 0x1234n },
      trace: [
        {
          block: 'riscv-iommu',
          step: 'ddtp-bare',
          ref: `${REF} (ddtp.iommu_mode == Bare)`,
          facts: { pa: '0x1234' },
        },
      ],
    });
    expect(tr(c, { ...write32(5, 0x1234n, 1), translated: true })).toEqual({
      r: fault('TRANSACTION_TYPE_DISALLOWED', 260),
      trace: [
        {
          block: 'riscv-iommu',
          step: 'bare-translated',
          ref: `${REF}, step 2 (Translated request)`,
          facts: { rid: 5, fault: 'TRANSACTION_TYPE_DISALLOWED' },
        },
      ],
    });
  });
  it('a misconfigured DC is 259 and names the rule', () => {
    const c = testIommu({ ddt: new Map([[5, bareDc({ msiptp: { MODE: 3, PPN: 0n } })]]) });
    expect(tr(c, write32(5, 0x1000n, 1)).trace).toEqual([
      {
        block: 'riscv-iommu',
        step: 'dc-misconfigured',
        ref: `${REF}; [[DC_MISCONFIG]]`,
        facts: { rid: 5, rule: 'msiptp / msi_addr fields', fault: 'DDT_ENTRY_MISCONFIGURED' },
      },
    ]);
    const atsCfg = testIommu({
      capabilities: { ...testIommu().capabilities, ATS: false },
      ddt: new Map([[5, bareDc({ tc: { V: true, PDTV: false, EN_ATS: true } })]]),
    });
    expect(tr(atsCfg, write32(5, 0x1000n, 1)).trace[0]?.facts.rule).toBe(
      'EN_ATS/EN_PRI/PRPR without capabilities.ATS',
    );
  });
  it('a Translated request without EN_ATS is 260; with EN_ATS and T2GPA = 0 it carries the SPA', () => {
    const w = { ...write32(5, 0x5000n, 1), translated: true };
    const no = testIommu({ ddt: new Map([[5, bareDc()]]) });
    expect(tr(no, w).trace.at(-1)).toEqual({
      block: 'riscv-iommu',
      step: 'translated-without-ats',
      ref: `${REF}, step 7 (EN_ATS = 0)`,
      facts: { rid: 5, fault: 'TRANSACTION_TYPE_DISALLOWED' },
    });
    const ats = testIommu({ ddt: new Map([[5, bareDc({ tc: { V: true, PDTV: false, EN_ATS: true } })]]) });
    expect(tr(ats, w)).toEqual({
      r: { kind: 'pa', pa: 0x5000n },
      trace: [
        {
          block: 'riscv-iommu',
          step: 'translated-spa',
          ref: `${REF}, step 8 (Translated request, T2GPA = 0)`,
          facts: { rid: 5, pa: '0x5000' },
        },
      ],
    });
  });
  it('a process id without PDTV is 260 and records the pid', () => {
    const c = testIommu({ ddt: new Map([[5, bareDc()]]) });
    expect(tr(c, { ...write32(5, 0x5000n, 1), pid: 9 }).trace.at(-1)).toEqual({
      block: 'riscv-iommu',
      step: 'pid-without-pdtv',
      ref: `${REF} (process id without DC.tc.PDTV)`,
      facts: { rid: 5, pid: 9, fault: 'TRANSACTION_TYPE_DISALLOWED' },
    });
  });
  it('an invalid DC is 258 and records the requester', () => {
    expect(tr(testIommu(), write32(5, 0x1000n, 1)).trace).toEqual([
      {
        block: 'riscv-iommu',
        step: 'dc-not-valid',
        ref: `${REF}, step 6 (locate the device context)`,
        facts: { rid: 5, fault: 'DDT_ENTRY_NOT_VALID' },
      },
    ]);
  });
});

describe('DC.tc.DTF: translation faults unrecorded, the DC and ddtp causes still reported', () => {
  /** Device 5 writing 0x1000 through a DC with DTF and `over`. */
  const through = (DTF: boolean, over: Partial<DeviceContext> = {}) =>
    riscvIommuTranslate(
      testIommu({ ddt: new Map([[5, bareDc({ tc: { V: true, PDTV: false, DTF }, ...over })]]) }),
      write32(5, 0x1000n, 1),
      'write',
      undefined,
      false,
    );
  it('a G-stage fault (23) is unrecorded with DTF; without DTF it is recorded', () => {
    const at = (DTF: boolean) => through(DTF, { iohgatp: { MODE: 'Sv39x4', GSCID: 0, pages: new Map() } });
    expect(at(true)).toEqual({
      kind: 'outcome',
      outcome: {
        kind: 'fault',
        arch: 'riscv-iommu',
        cause: 'WRITE_AMO_GUEST_PAGE_FAULT',
        code: 23,
        unrecorded: true,
      },
    });
    expect(at(false)).toEqual({
      kind: 'outcome',
      outcome: { kind: 'fault', arch: 'riscv-iommu', cause: 'WRITE_AMO_GUEST_PAGE_FAULT', code: 23 },
    });
  });
  it('a translation that succeeds is the same with DTF (DTF only disables fault reporting)', () => {
    expect(through(true)).toEqual({ kind: 'pa', pa: 0x1000n });
    expect(through(true)).toEqual(through(false));
  });
  it('260 for a process id is not reported with DTF (fault record CAUSE table: 260 "Reported if DTF is 1" No)', () => {
    const c = testIommu({ ddt: new Map([[5, bareDc({ tc: { V: true, PDTV: false, DTF: true } })]]) });
    expect(riscvIommuTranslate(c, { ...write32(5, 0x1000n, 1), pid: 1 }, 'write', undefined, false)).toEqual({
      kind: 'outcome',
      outcome: {
        kind: 'fault',
        arch: 'riscv-iommu',
        cause: 'TRANSACTION_TYPE_DISALLOWED',
        code: 260,
        unrecorded: true,
      },
    });
  });
});

describe('RiscvIommuConfigSchema keeps every field it is given (IOMMU spec, "Device-context fields", ddtp, fctl)', () => {
  it('a configuration with every field set away from its default parses to itself', () => {
    const full: RiscvIommuConfig = testIommu({
      capabilities: { ...testIommu().capabilities, MSI_DATA_VALID: true, ATS: true, T2GPA: true },
      fctl: { BE: true, GXL: false },
      ddtp: { iommu_mode: 'DDT', levels: 2 },
      ddt: new Map([
        [
          7,
          bareDc({
            tc: { V: true, PDTV: true, EN_ATS: true, DTF: true, SXL: false },
            iohgatp: { MODE: 'Sv39x4', GSCID: 3, pages: new Map([[0x80n, rw(0x9n)]]) },
            fsc: { MODE: 'Sv39', pages: new Map([[0x5n, rw(0x80n)]]) },
            msiptp: { MODE: 1, PPN: 0x9_0000n },
            msi_addr_mask: 0xffn,
            msi_addr_pattern: 0x28000n,
          }),
        ],
      ]),
      msiPtes: new Map([[0x9000_0030n, basicPte(0x28001n)]]),
      accessFault: new Set([0x9000_0040n]),
      poisoned: new Set([0x9000_0050n]),
    });
    const r = parseRiscvIommuConfig(full);
    expect(r.ok ? r.value : r.error).toEqual(full);
  });
  it('an absent tc.PDTV reads as 0 and an absent iohgatp.GSCID as 0', () => {
    const dc = { ...bareDc(), tc: { V: true }, iohgatp: { MODE: 'Bare', pages: new Map() } };
    const r = parseRiscvIommuConfig({ ...testIommu(), ddt: new Map([[0, dc]]) });
    const got = r.ok ? r.value.ddt.get(0) : undefined;
    expect([got?.tc.PDTV, got?.iohgatp.GSCID]).toEqual([false, 0]);
  });
  it('ddtp.levels is 1, 2 or 3; GSCID, msiptp.PPN, msi_addr_pattern and MSI PTE addresses are non-negative', () => {
    const ok = (over: Partial<RiscvIommuConfig>) => parseRiscvIommuConfig(testIommu(over)).ok;
    const levels = (n: number) =>
      parseRiscvIommuConfig({ ...testIommu(), ddtp: { iommu_mode: 'DDT', levels: n } }).ok;
    expect([0, 1, 2, 3, 4].map(levels)).toEqual([false, true, true, true, false]);
    const dc = (over: Partial<DeviceContext>) => ok({ ddt: new Map([[0, bareDc(over)]]) });
    expect(dc({ iohgatp: { MODE: 'Bare', GSCID: -1, pages: new Map() } })).toBe(false);
    expect(dc({ msiptp: { MODE: 0, PPN: -1n } })).toBe(false);
    expect(dc({ msi_addr_pattern: -1n })).toBe(false);
    expect(ok({ msiPtes: new Map([[-16n, basicPte(0n)]]) })).toBe(false);
  });
});

describe('RiscvIommuConfigSchema bounds', () => {
  it('PAS 32..64, msiptp.MODE 0..15, PPN and mask non-negative', () => {
    const ok = (over: Partial<RiscvIommuConfig>) => parseRiscvIommuConfig(testIommu(over)).ok;
    const pas = (PAS: number) => ok({ capabilities: { ...testIommu().capabilities, PAS } });
    expect([pas(31), pas(32), pas(64), pas(65)]).toEqual([false, true, true, false]);
    const mode = (MODE: number) => ok({ ddt: new Map([[0, bareDc({ msiptp: { MODE, PPN: 0n } })]]) });
    expect([mode(-1), mode(0), mode(15), mode(16)]).toEqual([false, true, true, false]);
    expect(ok({ ddt: new Map([[0, bareDc({ msi_addr_mask: -1n })]]) })).toBe(false);
    expect(ok({ ddt: new Map([[-1, bareDc()]]) })).toBe(false);
  });
});
