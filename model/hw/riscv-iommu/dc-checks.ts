import type { DeviceContext, RiscvIommuConfig } from './config.ts';

/**
 * The device-context configuration checks that do not involve MSIs (IOMMU spec [[DC_MISCONFIG]],
 * rules 2-7 and 9-21; reference model do_device_context_configuration_checks()). Returns the rule
 * that makes the DC misconfigured (cause 259), or undefined. A capability bit the configuration
 * leaves undefined is not checked. Not modelled: the reserved-bit rule beyond msiptp / mask /
 * pattern (translate.ts dcMisconfigured), process-directory modes (the DC's pdtp is Bare whenever
 * PDTV = 1), iohgatp.PPN alignment and QoS ids (the model has no table addresses or QoS).
 */
export const dcFieldsMisconfigured = (c: RiscvIommuConfig, dc: DeviceContext): string | undefined => {
  const caps = c.capabilities;
  const tc = dc.tc;
  const gxl = c.fctl?.GXL ?? false;
  const be = c.fctl?.BE ?? false;
  // 2-7: ATS, PRI and T2GPA need each other and the capabilities.
  if (caps.ATS === false && (tc.EN_ATS || tc.EN_PRI || tc.PRPR))
    return 'EN_ATS/EN_PRI/PRPR without capabilities.ATS';
  if (!tc.EN_ATS && tc.T2GPA) return 'T2GPA without EN_ATS';
  if (!tc.EN_ATS && tc.EN_PRI) return 'EN_PRI without EN_ATS';
  if (!tc.EN_PRI && tc.PRPR) return 'PRPR without EN_PRI';
  if (caps.T2GPA === false && tc.T2GPA) return 'T2GPA without capabilities.T2GPA';
  if (tc.T2GPA && dc.iohgatp.MODE === 'Bare') return 'T2GPA with a Bare G-stage';
  if (!tc.PDTV) {
    // 9-11: iosatp.MODE must be an encoding of the table SXL selects, and implemented.
    const sv32 = dc.fsc.MODE === 'Sv32';
    if (dc.fsc.MODE !== 'Bare' && sv32 !== (tc.SXL === true))
      return `iosatp.MODE ${dc.fsc.MODE} with SXL = ${tc.SXL ? 1 : 0}`;
    if (
      caps.firstStageModes !== undefined &&
      dc.fsc.MODE !== 'Bare' &&
      !caps.firstStageModes.includes(dc.fsc.MODE)
    )
      return `iosatp.MODE ${dc.fsc.MODE} not implemented`;
    // 12: DPE needs a process directory.
    if (tc.DPE) return 'DPE without PDTV';
  }
  // 13-15: iohgatp.MODE must be an encoding of the table fctl.GXL selects, and implemented.
  const sv32x4 = dc.iohgatp.MODE === 'Sv32x4';
  if (c.fctl !== undefined && dc.iohgatp.MODE !== 'Bare' && sv32x4 !== gxl)
    return `iohgatp.MODE ${dc.iohgatp.MODE} with fctl.GXL = ${gxl ? 1 : 0}`;
  if (
    caps.gStageModes !== undefined &&
    dc.iohgatp.MODE !== 'Bare' &&
    !caps.gStageModes.includes(dc.iohgatp.MODE)
  )
    return `iohgatp.MODE ${dc.iohgatp.MODE} not implemented`;
  // 18: hardware A/D updating needs capabilities.AMO_HWAD.
  if (caps.AMO_HWAD === false && (tc.SADE || tc.GADE)) return 'SADE/GADE without capabilities.AMO_HWAD';
  // 19 and 21: with one endianness (END = 0, fctl.BE not writable) SBE must equal fctl.BE.
  if (caps.END === false && (tc.SBE === true) !== be)
    return 'SBE differs from fctl.BE without capabilities.END';
  // 20: SXL = 1 needs fctl.GXL = 1 or a writable GXL. Simplification: GXL is taken as writable
  // exactly when both Sv32x4 and a 64-bit G-stage mode are implemented.
  if (gxl && !tc.SXL) return 'SXL = 0 with fctl.GXL = 1';
  if (c.fctl !== undefined && !gxl && tc.SXL && caps.gStageModes !== undefined) {
    const writable =
      caps.gStageModes.includes('Sv32x4') && caps.gStageModes.some((m) => m !== 'Sv32x4' && m !== 'Bare');
    if (!writable) return 'SXL = 1 with fctl.GXL = 0 and not writable';
  }
  return undefined;
};
