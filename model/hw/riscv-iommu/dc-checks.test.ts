import { describe, expect, it } from 'vitest';
import { bareDc, testIommu } from '../riscv-fixture.ts';
import type { DeviceContext, RiscvIommuConfig } from './config.ts';
import { dcFieldsMisconfigured } from './dc-checks.ts';

/**
 * Each device-context rule of RISC-V IOMMU spec v1.0.1 [[DC_MISCONFIG]] (reference model
 * iommu_device_context.c, do_device_context_configuration_checks()), one side of it at a time: the
 * configuration that breaks the rule gets that rule's reason, the one next to it gets none.
 */
type Caps = RiscvIommuConfig['capabilities'];
const cfg = (caps: Partial<Caps> = {}, fctl?: RiscvIommuConfig['fctl']): RiscvIommuConfig => {
  const base = testIommu();
  return testIommu({ capabilities: { ...base.capabilities, ...caps }, ...(fctl ? { fctl } : {}) });
};
const tc = (bits: Partial<DeviceContext['tc']>): DeviceContext =>
  bareDc({ tc: { V: true, PDTV: false, ...bits } });
const withModes = (
  fsc: DeviceContext['fsc']['MODE'],
  g: DeviceContext['iohgatp']['MODE'],
  bits: Partial<DeviceContext['tc']> = {},
): DeviceContext =>
  bareDc({
    tc: { V: true, PDTV: false, ...bits },
    fsc: { MODE: fsc, pages: new Map() },
    iohgatp: { MODE: g, GSCID: 0, pages: new Map() },
  });

describe('rules 2-7: ATS, PRI, PRPR and T2GPA', () => {
  it('rule 2: EN_ATS, EN_PRI or PRPR with capabilities.ATS = 0', () => {
    const c = cfg({ ATS: false });
    const r = 'EN_ATS/EN_PRI/PRPR without capabilities.ATS';
    expect(dcFieldsMisconfigured(c, tc({ EN_ATS: true }))).toBe(r);
    expect(dcFieldsMisconfigured(c, tc({ EN_PRI: true }))).toBe(r);
    expect(dcFieldsMisconfigured(c, tc({ PRPR: true }))).toBe(r);
    expect(dcFieldsMisconfigured(c, tc({}))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg({ ATS: true }), tc({ EN_ATS: true }))).toBeUndefined();
    // An absent capability bit is not checked.
    expect(dcFieldsMisconfigured(cfg(), tc({ EN_ATS: true }))).toBeUndefined();
  });
  it('rule 3: T2GPA with EN_ATS = 0', () => {
    const g = withModes('Bare', 'Sv48x4', { T2GPA: true });
    expect(dcFieldsMisconfigured(cfg(), g)).toBe('T2GPA without EN_ATS');
    expect(dcFieldsMisconfigured(cfg(), { ...g, tc: { ...g.tc, EN_ATS: true } })).toBeUndefined();
  });
  it('rule 4: EN_PRI with EN_ATS = 0', () => {
    expect(dcFieldsMisconfigured(cfg(), tc({ EN_PRI: true }))).toBe('EN_PRI without EN_ATS');
    expect(dcFieldsMisconfigured(cfg(), tc({ EN_PRI: true, EN_ATS: true }))).toBeUndefined();
  });
  it('rule 5: PRPR with EN_PRI = 0', () => {
    expect(dcFieldsMisconfigured(cfg(), tc({ PRPR: true, EN_ATS: true }))).toBe('PRPR without EN_PRI');
    expect(dcFieldsMisconfigured(cfg(), tc({ PRPR: true, EN_ATS: true, EN_PRI: true }))).toBeUndefined();
  });
  it('rule 6: T2GPA with capabilities.T2GPA = 0', () => {
    const g = withModes('Bare', 'Sv48x4', { T2GPA: true, EN_ATS: true });
    expect(dcFieldsMisconfigured(cfg({ T2GPA: false }), g)).toBe('T2GPA without capabilities.T2GPA');
    expect(dcFieldsMisconfigured(cfg({ T2GPA: true }), g)).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg({ T2GPA: false }), tc({ EN_ATS: true }))).toBeUndefined();
  });
  it('rule 7: T2GPA with a Bare G-stage', () => {
    const bits = { T2GPA: true, EN_ATS: true };
    expect(dcFieldsMisconfigured(cfg(), withModes('Bare', 'Bare', bits))).toBe('T2GPA with a Bare G-stage');
    expect(dcFieldsMisconfigured(cfg(), withModes('Bare', 'Sv39x4', bits))).toBeUndefined();
  });
});

describe('rules 9-12: iosatp.MODE and DPE while PDTV = 0', () => {
  it('rule 9: a 64-bit mode with SXL = 1, Sv32 with SXL = 0; Bare with either', () => {
    expect(dcFieldsMisconfigured(cfg(), withModes('Sv39', 'Bare', { SXL: true }))).toBe(
      'iosatp.MODE Sv39 with SXL = 1',
    );
    expect(dcFieldsMisconfigured(cfg(), withModes('Sv32', 'Bare'))).toBe('iosatp.MODE Sv32 with SXL = 0');
    expect(dcFieldsMisconfigured(cfg(), withModes('Sv39', 'Bare'))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg(), withModes('Bare', 'Bare', { SXL: true }))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg(), withModes('Sv32', 'Bare', { SXL: true }))).toBeUndefined();
  });
  it('rules 10-11: a first-stage mode the capabilities do not implement', () => {
    const c = cfg({ firstStageModes: ['Sv39'] });
    expect(dcFieldsMisconfigured(c, withModes('Sv48', 'Bare'))).toBe('iosatp.MODE Sv48 not implemented');
    expect(dcFieldsMisconfigured(c, withModes('Sv39', 'Bare'))).toBeUndefined();
    expect(dcFieldsMisconfigured(c, withModes('Bare', 'Bare'))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg(), withModes('Sv57', 'Bare'))).toBeUndefined();
  });
  it('rule 12: DPE without PDTV; with PDTV the iosatp rules do not apply', () => {
    expect(dcFieldsMisconfigured(cfg(), tc({ DPE: true }))).toBe('DPE without PDTV');
    expect(dcFieldsMisconfigured(cfg(), tc({ DPE: true, PDTV: true }))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg(), withModes('Sv32', 'Bare', { PDTV: true }))).toBeUndefined();
  });
});

describe('rules 13-15: iohgatp.MODE against fctl.GXL and the implemented modes', () => {
  it('rule 13: Sv32x4 needs GXL = 1, the x4 modes of 64-bit need GXL = 0; unchecked without fctl', () => {
    const gxl0 = cfg({}, { BE: false, GXL: false });
    const gxl1 = cfg({}, { BE: false, GXL: true });
    expect(dcFieldsMisconfigured(gxl0, withModes('Bare', 'Sv32x4'))).toBe(
      'iohgatp.MODE Sv32x4 with fctl.GXL = 0',
    );
    expect(dcFieldsMisconfigured(gxl1, withModes('Bare', 'Sv39x4', { SXL: true }))).toBe(
      'iohgatp.MODE Sv39x4 with fctl.GXL = 1',
    );
    expect(dcFieldsMisconfigured(gxl0, withModes('Bare', 'Sv39x4'))).toBeUndefined();
    expect(dcFieldsMisconfigured(gxl1, withModes('Bare', 'Sv32x4', { SXL: true }))).toBeUndefined();
    expect(dcFieldsMisconfigured(gxl1, withModes('Bare', 'Bare', { SXL: true }))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg(), withModes('Bare', 'Sv32x4'))).toBeUndefined();
  });
  it('rules 14-15: a G-stage mode the capabilities do not implement', () => {
    const c = cfg({ gStageModes: ['Bare', 'Sv39x4'] });
    expect(dcFieldsMisconfigured(c, withModes('Bare', 'Sv48x4'))).toBe('iohgatp.MODE Sv48x4 not implemented');
    expect(dcFieldsMisconfigured(c, withModes('Bare', 'Sv39x4'))).toBeUndefined();
    expect(dcFieldsMisconfigured(c, withModes('Bare', 'Bare'))).toBeUndefined();
    // Bare has no capability bit: it is valid even when the list names only paging modes.
    expect(
      dcFieldsMisconfigured(cfg({ gStageModes: ['Sv39x4'] }), withModes('Bare', 'Bare')),
    ).toBeUndefined();
  });
});

describe('rules 18-21: A/D updating, endianness, SXL legality', () => {
  it('rule 18: SADE or GADE with capabilities.AMO_HWAD = 0', () => {
    const r = 'SADE/GADE without capabilities.AMO_HWAD';
    expect(dcFieldsMisconfigured(cfg({ AMO_HWAD: false }), tc({ SADE: true }))).toBe(r);
    expect(dcFieldsMisconfigured(cfg({ AMO_HWAD: false }), tc({ GADE: true }))).toBe(r);
    expect(dcFieldsMisconfigured(cfg({ AMO_HWAD: false }), tc({}))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg({ AMO_HWAD: true }), tc({ SADE: true, GADE: true }))).toBeUndefined();
  });
  it('rules 19 and 21: SBE must equal fctl.BE when capabilities.END = 0', () => {
    const r = 'SBE differs from fctl.BE without capabilities.END';
    const be1 = cfg({ END: false }, { BE: true, GXL: false });
    expect(dcFieldsMisconfigured(cfg({ END: false }), tc({ SBE: true }))).toBe(r);
    expect(dcFieldsMisconfigured(be1, tc({}))).toBe(r);
    expect(dcFieldsMisconfigured(be1, tc({ SBE: true }))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg({ END: false }), tc({ SBE: false }))).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg({ END: true }), tc({ SBE: true }))).toBeUndefined();
  });
  it('rule 20: fctl.GXL = 1 needs SXL = 1', () => {
    const c = cfg({}, { BE: false, GXL: true });
    expect(dcFieldsMisconfigured(c, tc({}))).toBe('SXL = 0 with fctl.GXL = 1');
    expect(dcFieldsMisconfigured(c, tc({ SXL: true }))).toBeUndefined();
  });
  it('rule 20: SXL = 1 with fctl.GXL = 0 needs a writable GXL (Sv32x4 and a 64-bit G-stage implemented)', () => {
    const r = 'SXL = 1 with fctl.GXL = 0 and not writable';
    const fctl = { BE: false, GXL: false };
    expect(dcFieldsMisconfigured(cfg({ gStageModes: ['Bare', 'Sv39x4'] }, fctl), tc({ SXL: true }))).toBe(r);
    expect(dcFieldsMisconfigured(cfg({ gStageModes: ['Bare', 'Sv32x4'] }, fctl), tc({ SXL: true }))).toBe(r);
    expect(
      dcFieldsMisconfigured(cfg({ gStageModes: ['Bare', 'Sv32x4', 'Sv57x4'] }, fctl), tc({ SXL: true })),
    ).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg({ gStageModes: ['Bare', 'Sv39x4'] }, fctl), tc({}))).toBeUndefined();
    // Without fctl or without the implemented-mode list, writability is unknown and not checked.
    expect(
      dcFieldsMisconfigured(cfg({ gStageModes: ['Bare', 'Sv39x4'] }), tc({ SXL: true })),
    ).toBeUndefined();
    expect(dcFieldsMisconfigured(cfg({}, fctl), tc({ SXL: true }))).toBeUndefined();
  });
});
