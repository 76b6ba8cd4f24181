import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { type Access, type PageEntry, rw } from '../../types/page-map.ts';
import { write32 } from '../../types/write.ts';
import { deliverRiscv } from '../riscv.ts';
import { bareDc, testRiscv } from '../riscv-fixture.ts';
import { type DeviceContext, SPEC_VERSIONS } from './config.ts';
import { basicPte } from './msi-pte.ts';
import { riscvIommuTranslate } from './translate.ts';

const rid = 0x08;
const S0 = 0x2800_0000n;

describe('device-context location (IOMMU spec, Process to translate an IOVA, steps 1-9)', () => {
  it('256 for every transaction while ddtp.iommu_mode is Off', () => {
    expect(deliverRiscv(testRiscv({ ddtp: { iommu_mode: 'Off' } }), write32(rid, S0, 1))).toMatchObject({
      code: 256,
    });
  });
  it('passes the IOVA through as the physical address in Bare mode (any device reaches any file)', () => {
    const p = testRiscv({ ddtp: { iommu_mode: 'Bare' } });
    expect(deliverRiscv(p, write32(rid, S0, 3))).toMatchObject({
      kind: 'interrupt',
      target: '0.0',
      identity: 3,
    });
    expect(deliverRiscv(p, write32(rid + 1, S0, 3))).toMatchObject({
      kind: 'interrupt',
      target: '0.0',
      identity: 3,
    });
  });
  it('258 when the device has no valid device context', () => {
    expect(deliverRiscv(testRiscv(), write32(rid, S0, 1))).toMatchObject({ code: 258 });
    const p = testRiscv({ ddt: new Map([[rid, bareDc({ tc: { V: false, PDTV: false } })]]) });
    expect(deliverRiscv(p, write32(rid, S0, 1))).toMatchObject({ cause: 'DDT_ENTRY_NOT_VALID' });
  });
  it('260 for a transaction with a process id when DC.tc.PDTV is clear', () => {
    const p = testRiscv({ ddt: new Map([[rid, bareDc()]]) });
    expect(deliverRiscv(p, { ...write32(rid, 0x1000n, 1), pid: 3 })).toMatchObject({ code: 260 });
  });
  it('a DC with both stages Bare and msiptp Off lets the device write any IMSIC file', () => {
    const p = testRiscv({ ddt: new Map([[rid, bareDc()]]) });
    expect(deliverRiscv(p, write32(rid, S0 + 0x8000n, 9))).toMatchObject({ target: '0.1', identity: 9 });
  });
});

describe('device-context MSI checks ([[DC_MISCONFIG]]; ref model do_device_context_configuration_checks)', () => {
  const flat = (over = {}) =>
    bareDc({
      iohgatp: { MODE: 'Sv48x4', GSCID: 0, pages: new Map() },
      msiptp: { MODE: 1, PPN: 0x90000n },
      msi_addr_mask: 0x3n,
      msi_addr_pattern: 0x28000n,
      ...over,
    });
  it('259 for a reserved msiptp.MODE when MSI_FLAT is set', () => {
    const p = testRiscv({ ddt: new Map([[rid, flat({ msiptp: { MODE: 2, PPN: 0n } })]]) });
    expect(deliverRiscv(p, write32(rid, S0, 1))).toMatchObject({ code: 259 });
  });
  it('ignores msiptp entirely on a base-format IOMMU (MSI_FLAT = 0): a reserved MODE is no fault, Flat translates nothing', () => {
    // MODE 1 with S0 matching the pattern: an MSI translation would read the absent PTE (262).
    for (const MODE of [1, 2]) {
      const p = testRiscv({
        capabilities: { MSI_FLAT: false, MSI_MRIF: false, PAS: 56, gStage: 'Sv48x4' },
        ddt: new Map([
          [
            rid,
            flat({ msiptp: { MODE, PPN: 0x90000n }, iohgatp: { MODE: 'Bare', GSCID: 0, pages: new Map() } }),
          ],
        ]),
      });
      expect(deliverRiscv(p, write32(rid, S0, 1)), `MODE ${MODE}`).toMatchObject({ kind: 'interrupt' });
    }
  });
  it('spec 20260222: 259 for mask or pattern bits 51:MGPAW−12 (Sv39x4: bits ≥ 29); v1.0 does not reserve them', () => {
    const at = (specVersion: 'v1.0' | '20260222', over: Partial<DeviceContext>) =>
      deliverRiscv(
        testRiscv({
          specVersion,
          capabilities: { MSI_FLAT: true, MSI_MRIF: false, PAS: 56, gStage: 'Sv39x4' },
          ddt: new Map([[rid, flat(over)]]),
        }),
        write32(rid, S0, 1),
      );
    const pattern30 = { msi_addr_pattern: 0x28000n | (1n << 30n) };
    const mask29 = { msi_addr_mask: (1n << 29n) | 0x3n };
    expect(at('20260222', pattern30)).toMatchObject({ code: 259 });
    expect(at('20260222', mask29)).toMatchObject({ code: 259 });
    // v1.0: ordinary bits. S0 misses pattern bit 30 and goes on to the G-stage, which maps nothing (23);
    // mask bit 29 only widens the match, so S0 is an interrupt-file address whose PTE is absent (262).
    expect(at('v1.0', pattern30)).toMatchObject({ kind: 'fault', code: 23 });
    expect(at('v1.0', mask29)).toMatchObject({ kind: 'fault', code: 262 });
  });
  it('259 for mask or pattern bits 63:52 in every revision', () => {
    for (const specVersion of SPEC_VERSIONS) {
      for (const over of [{ msi_addr_mask: 1n << 52n }, { msi_addr_pattern: 1n << 63n }]) {
        const p = testRiscv({ specVersion, ddt: new Map([[rid, flat(over)]]) });
        expect(deliverRiscv(p, write32(rid, S0, 1)), specVersion).toMatchObject({ code: 259 });
      }
    }
  });
  it('Sv48x4 (MGPAW 50), msi_addr_mask 0x40000000001f, msiptp Off: 259 under 20260222; v1.0 translates through the G-stage', () => {
    // Mask bit 46 lies in 51:38, reserved only from riscv-non-isa/riscv-iommu commit 3d1b810 (2025-07-25).
    const dc = flat({
      msiptp: { MODE: 0, PPN: 0n },
      msi_addr_mask: 0x4000_0000_001fn,
      iohgatp: { MODE: 'Sv48x4', GSCID: 0, pages: new Map([[0x80000n, rw(0x180000n)]]) },
    });
    const w = write32(rid, 0x8000_0010n, 7);
    expect(deliverRiscv(testRiscv({ specVersion: '20260222', ddt: new Map([[rid, dc]]) }), w)).toMatchObject({
      kind: 'fault',
      code: 259,
    });
    expect(deliverRiscv(testRiscv({ specVersion: 'v1.0', ddt: new Map([[rid, dc]]) }), w)).toEqual({
      kind: 'memory',
      pa: 0x1_8000_0010n,
      data: 7,
    });
  });
  it('spec 20260222: msiptp ≠ Off with a Bare G-stage is misconfigured (259); v1.0 translates it', () => {
    const bareG = flat({ iohgatp: { MODE: 'Bare', GSCID: 0, pages: new Map() } });
    const ptes = new Map([[0x90000n << 12n, basicPte(0x28000n)]]);
    const v1 = testRiscv({ ddt: new Map([[rid, bareG]]), msiPtes: ptes });
    expect(deliverRiscv(v1, write32(rid, S0, 2))).toMatchObject({ kind: 'interrupt', identity: 2 });
    const v2 = testRiscv({ specVersion: '20260222', ddt: new Map([[rid, bareG]]), msiPtes: ptes });
    expect(deliverRiscv(v2, write32(rid, S0, 2))).toMatchObject({ code: 259 });
  });
});

describe('reserved leaf encodings, W without R (Privileged spec [[pteperm]], [[sv32algorithm]] step 3; IOMMU spec [[P2IOVA]] steps 17 and 19)', () => {
  const leaf = (r: boolean, w: boolean, x: boolean): PageEntry => ({ ppn: 0x80000n, r, w, x });
  const reserved = [leaf(false, true, false), leaf(false, true, true)]; // XWR = 010, 110
  const at = (dc: DeviceContext, addr: bigint, access: Access, trace?: Hop[]) =>
    riscvIommuTranslate(
      testRiscv({ ddt: new Map([[rid, dc]]) }).iommu,
      write32(rid, addr, 1),
      access,
      trace,
      false,
    );
  const gStage = (e: PageEntry) =>
    bareDc({ iohgatp: { MODE: 'Sv39x4', GSCID: 0, pages: new Map([[0x28c65n, e]]) } });
  const firstStage = (e: PageEntry) =>
    bareDc({
      fsc: { MODE: 'Sv39', pages: new Map([[0x5n, e]]) },
      iohgatp: { MODE: 'Sv39x4', GSCID: 0, pages: new Map([[0x80000n, rw(0x90000n)]]) },
    });
  const cases: [Access, number, number][] = [
    // access, first-stage page fault, G-stage guest-page fault ([[FAULT_CAUSE]])
    ['read', 13, 21],
    ['write', 15, 23],
    ['exec', 12, 20],
  ];
  it.each(SPEC_VERSIONS)(
    '%s: Sv39x4 leaf for GPA 0x28c65000 with W only: a write is guest-page fault 23, not a translation',
    (specVersion) => {
      const p = testRiscv({ specVersion, ddt: new Map([[rid, gStage(leaf(false, true, false))]]) });
      expect(deliverRiscv(p, write32(rid, 0x28c6_5000n, 1))).toEqual({
        kind: 'fault',
        arch: 'riscv-iommu',
        cause: 'WRITE_AMO_GUEST_PAGE_FAULT',
        code: 23,
      });
    },
  );
  it('a G-stage leaf with XWR = 010 or 110 is a guest-page fault of the access type for every access', () => {
    for (const e of reserved) {
      for (const [access, , code] of cases) {
        expect(at(gStage(e), 0x28c6_5000n, access), `${access} X=${e.x}`).toMatchObject({
          outcome: { kind: 'fault', code },
        });
      }
    }
  });
  it('a first-stage leaf with XWR = 010 or 110 is a page fault of the access type for every access', () => {
    for (const e of reserved) {
      for (const [access, code] of cases) {
        expect(at(firstStage(e), 0x5000n, access), `${access} X=${e.x}`).toMatchObject({
          outcome: { kind: 'fault', code },
        });
      }
    }
  });
  it('names the reserved encoding in the trace, and the valid encodings still translate', () => {
    const trace: Hop[] = [];
    at(gStage(leaf(false, true, true)), 0x28c6_5000n, 'exec', trace);
    expect(trace.at(-1)).toMatchObject({ step: 'g-stage-fault', facts: { why: 'reserved-encoding' } });
    expect(at(gStage(leaf(true, true, false)), 0x28c6_5008n, 'write')).toEqual({
      kind: 'pa',
      pa: 0x8000_0008n,
    });
    expect(at(gStage(leaf(false, false, true)), 0x28c6_5000n, 'exec')).toEqual({
      kind: 'pa',
      pa: 0x8000_0000n,
    });
    expect(at(firstStage(leaf(true, true, true)), 0x5004n, 'write')).toEqual({
      kind: 'pa',
      pa: 0x9000_0004n,
    });
  });
});

describe('a leaf with U = 0 faults like a missing permission (IOMMU spec, Process to translate an IOVA: a transaction is treated as not requesting supervisor privilege; Privileged spec, G-stage accesses are user-level)', () => {
  const at = (dc: DeviceContext, addr: bigint) => {
    const trace: Hop[] = [];
    const r = riscvIommuTranslate(
      testRiscv({ ddt: new Map([[rid, dc]]) }).iommu,
      write32(rid, addr, 1),
      'write',
      trace,
      false,
    );
    return { r, why: trace.at(-1)?.facts?.why };
  };
  const gStage = (e: PageEntry) =>
    bareDc({ iohgatp: { MODE: 'Sv39x4', GSCID: 0, pages: new Map([[0x80n, e]]) } });
  const firstStage = (e: PageEntry) => bareDc({ fsc: { MODE: 'Sv39', pages: new Map([[0x5n, e]]) } });
  const fault = (cause: string, code: number) => ({
    kind: 'outcome',
    outcome: { kind: 'fault', arch: 'riscv-iommu', cause, code },
  });
  it('a first-stage leaf with U = 0 is write page fault 15, named no-permission; with U = 1 it translates', () => {
    expect(at(firstStage({ ...rw(0x9n), u: false }), 0x5010n)).toEqual({
      r: fault('WRITE_AMO_PAGE_FAULT', 15),
      why: 'no-permission',
    });
    expect(at(firstStage({ ...rw(0x9n), u: true }), 0x5010n).r).toEqual({ kind: 'pa', pa: 0x9010n });
  });
  it('a G-stage leaf with U = 0 is write guest-page fault 23, named no-permission', () => {
    expect(at(gStage({ ...rw(0x9n), u: false }), 0x8_0010n)).toEqual({
      r: fault('WRITE_AMO_GUEST_PAGE_FAULT', 23),
      why: 'no-permission',
    });
  });
  it('a reserved encoding (W without R) with U = 0 is still named reserved-encoding', () => {
    expect(at(gStage({ ppn: 0x9n, r: false, w: true, x: false, u: false }), 0x8_0010n)).toEqual({
      r: fault('WRITE_AMO_GUEST_PAGE_FAULT', 23),
      why: 'reserved-encoding',
    });
  });
});
