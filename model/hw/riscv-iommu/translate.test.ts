import { describe, expect, it } from 'vitest';
import { write32 } from '../../types/write.ts';
import { deliverRiscv } from '../riscv.ts';
import { bareDc, testRiscv } from '../riscv-fixture.ts';
import { basicPte } from './msi-pte.ts';

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
  it('ignores msiptp entirely on a base-format IOMMU (MSI_FLAT = 0)', () => {
    const p = testRiscv({
      capabilities: { MSI_FLAT: false, MSI_MRIF: false, PAS: 56, gStage: 'Sv48x4' },
      ddt: new Map([
        [rid, flat({ msiptp: { MODE: 2, PPN: 0n }, iohgatp: { MODE: 'Bare', GSCID: 0, pages: new Map() } })],
      ]),
    });
    expect(deliverRiscv(p, write32(rid, S0, 1))).toMatchObject({ kind: 'interrupt' });
  });
  it('259 for mask or pattern bits above MGPAW (Sv39x4: bits ≥ 29 of the page number)', () => {
    const p = testRiscv({
      capabilities: { MSI_FLAT: true, MSI_MRIF: false, PAS: 56, gStage: 'Sv39x4' },
      ddt: new Map([[rid, flat({ msi_addr_pattern: 1n << 30n })]]),
    });
    expect(deliverRiscv(p, write32(rid, S0, 1))).toMatchObject({ code: 259 });
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
