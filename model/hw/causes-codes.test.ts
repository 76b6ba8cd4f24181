import { describe, expect, it } from 'vitest';
import { SMMUV3_CAUSES } from './arm-smmuv3/causes.ts';
import { AMDVI_CAUSES, VTD_CAUSES } from './x86/causes.ts';

// Fault codes as the primary sources number them. Each list is every cause the model can raise for
// that IOMMU, in the model's order; the expected pairs are copied from the named source's definitions.
const pairs = (cs: readonly { name: string; code: number }[]) => cs.map((c) => [c.name, c.code]);

describe('fault cause codes', () => {
  it('SMMUv3 event numbers (Linux 7.0 drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h EVT_ID_*; F_TRANSL_FORBIDDEN 0x07 from SMMUv3 event records; STE_ABORT is model-named with no event, QEMU hw/arm/smmuv3.c decode_ste)', () => {
    expect(pairs(SMMUV3_CAUSES)).toEqual([
      ['C_BAD_STREAMID', 0x02], // EVT_ID_BAD_STREAMID_CONFIG
      ['C_BAD_STE', 0x04], // EVT_ID_BAD_STE_CONFIG
      ['F_STREAM_DISABLED', 0x06], // EVT_ID_STREAM_DISABLED_FAULT
      ['F_TRANSL_FORBIDDEN', 0x07],
      ['F_TRANSLATION', 0x10], // EVT_ID_TRANSLATION_FAULT
      ['F_PERMISSION', 0x13], // EVT_ID_PERMISSION_FAULT
      ['STE_ABORT', 0x00],
    ]);
  });
  it('VT-d fault reasons (QEMU hw/i386/intel_iommu_internal.h enum VTDFaultReason; Intel VT-d spec, Appendix A "Non-Recoverable Fault Reason Encodings")', () => {
    expect(pairs(VTD_CAUSES)).toEqual([
      ['VTD_FR_CONTEXT_ENTRY_P', 0x2],
      ['VTD_FR_WRITE', 0x5],
      ['VTD_FR_READ', 0x6],
      ['VTD_FR_INTERRUPT_ADDR', 0xe],
      ['VTD_FR_SM_INTERRUPT_ADDR', 0x87],
      ['VTD_FR_IR_REQ_RSVD', 0x20],
      ['VTD_FR_IR_INDEX_OVER', 0x21],
      ['VTD_FR_IR_ENTRY_P', 0x22],
      ['VTD_FR_IR_ROOT_INVAL', 0x23],
      ['VTD_FR_IR_IRTE_RSVD', 0x24],
      ['VTD_FR_IR_REQ_COMPAT', 0x25],
      ['VTD_FR_IR_SID_ERR', 0x26],
    ]);
  });
  it('AMD-Vi: IO_PAGE_FAULT is event code 2 (QEMU hw/i386/amd_iommu.h AMDVI_EVENT_IOPF >> 12); interrupt-remapping failures carry AMDVI_IR_TARGET_ABORT 0x3 or AMDVI_IR_ERR 0x1 (same header, "Interrupt remapping errors")', () => {
    expect(pairs(AMDVI_CAUSES)).toEqual([
      ['IO_PAGE_FAULT', 0x2],
      ['AMDVI_IR_TARGET_ABORT', 0x3],
      ['AMDVI_IR_INTCTL_RESERVED', 0x1],
      ['AMDVI_IR_NOT_ALLOWED', 0x1],
      ['AMDVI_IR_GUEST_MODE', 0x1],
      ['AMDVI_IR_INT_TYPE_RESERVED', 0x1],
      ['AMDVI_IR_NOT_SUPPORTED', 0x1],
      ['AMDVI_IR_DEST_MODE', 0x1],
    ]);
  });
});
