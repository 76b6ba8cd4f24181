import { z } from 'zod';
import { hex } from '../types/addr.ts';
import { hop, type Trace } from '../types/hop.ts';
import type { Outcome } from '../types/outcome.ts';
import { parseWith } from '../types/validate.ts';
import { accessOf, isTranslated, type Write } from '../types/write.ts';
import { GicdConfigSchema, gicdWrite } from './arm-gic/gicd.ts';
import { ItsConfigSchema, itsWrite } from './arm-gic/its.ts';
import { V2mFrameSchema, v2mWrite } from './arm-gic/v2m.ts';
import { C_BAD_STREAMID } from './arm-smmuv3/causes.ts';
import { SmmuConfigSchema } from './arm-smmuv3/config.ts';
import { smmuTranslate } from './arm-smmuv3/translate.ts';

/**
 * An Arm platform: one SMMUv3, its ITSs and GICv2m frames, and the firmware ID mappings (IORT)
 * from a requester id to the SMMU StreamID and to the ITS DeviceID. A rid absent from `rids` has
 * no StreamID. Simplification: the same DeviceID is presented to every ITS.
 */
export const ArmPlatformSchema = z.object({
  arch: z.literal('arm'),
  smmu: SmmuConfigSchema,
  its: z.array(ItsConfigSchema),
  v2m: z.array(V2mFrameSchema),
  /** GICv3 distributor frames reachable by device writes (the MBI doorbell); absent: none. */
  gicd: z.array(GicdConfigSchema).optional(),
  rids: z.map(
    z.number().int().min(0).max(0xffff),
    z.object({ sid: z.number().int().min(0), deviceId: z.number().int().min(0) }),
  ),
});
export type ArmPlatform = z.infer<typeof ArmPlatformSchema>;

export const parseArmPlatform = (input: unknown) => parseWith(ArmPlatformSchema, input);

const BLOCK = 'arm';

/**
 * What device write `w` does on platform `p` (docs/hardware.md#arm-delivery-step-by-step). The first ITS translation frame,
 * GICv2m frame or GICv3 distributor frame containing the PA decides; anything else reaches memory.
 */
export const deliverArm = (p: ArmPlatform, w: Write, trace?: Trace): Outcome => {
  // 1. Fabric: rid → StreamID and rid → DeviceID (IORT ID mappings); the device cannot choose them.
  const ids = p.rids.get(w.rid);
  hop(trace, {
    block: BLOCK,
    step: 'iort-id-mapping',
    ref: 'Arm IORT (DEN 0049) ID mappings: RID → StreamID / DeviceID; docs/hardware.md#arm-platform',
    facts: { rid: w.rid, mapped: ids !== undefined, ...(ids ?? {}) },
  });
  if (ids === undefined) {
    return { kind: 'fault', arch: 'smmuv3', cause: C_BAD_STREAMID.name, code: C_BAD_STREAMID.code };
  }
  // 2. SMMU: IOVA → PA like any DMA write (QEMU smmuv3_translate; no MSI special case).
  const access = accessOf(w);
  const t = smmuTranslate(p.smmu, ids.sid, w.addr, access, trace, isTranslated(w));
  if (t.kind === 'fault') return t;
  const pa = t.pa;
  // 3. ITS translation frame: EventID = data, DeviceID from the sideband (QEMU gicv3_its_translation_write).
  for (const its of p.its) {
    const o = itsWrite(its, ids.deviceId, pa, w.data, trace, w.size, access);
    if (o !== undefined) return o;
  }
  // 4. GICv2m frame: SPI = data & 0x3ff, writer identity not consulted (QEMU gicv2m_write).
  for (const frame of p.v2m) {
    const o = v2mWrite(frame, pa, w.data, trace, w.size, access);
    if (o !== undefined) return o;
  }
  // 5. GICv3 distributor frame: GICD_SETSPI_NSR raises SPI = data[12:0] (MBI); its other registers act as registers.
  for (const frame of p.gicd ?? []) {
    const o = gicdWrite(frame, pa, w.data, trace, access);
    if (o !== undefined) return o;
  }
  // 6. Anything else is an ordinary memory write.
  hop(trace, {
    block: BLOCK,
    step: 'memory-write',
    ref: 'docs/hardware.md#arm-delivery-step-by-step',
    facts: { pa: hex(pa) },
  });
  return { kind: 'memory', pa, data: w.data };
};
