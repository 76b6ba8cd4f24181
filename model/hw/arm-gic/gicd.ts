import { z } from 'zod';
import { hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import { dropped, type Outcome } from '../../types/outcome.ts';
import type { Access } from '../../types/page-map.ts';
import { parseWith } from '../../types/validate.ts';

/**
 * The GICv3 distributor's register frame (Arm IHI 0069, GICv3/v4 architecture specification,
 * "The GIC Distributor register map"; offsets also in include/linux/irqchip/arm-gic-v3.h and
 * arm-gic-common.h). With GICD_TYPER.MBIS = 1 the frame doubles as the MBI doorbell: a write of an
 * SPI INTID to GICD_SETSPI_NSR makes that SPI pending (drivers/irqchip/irq-gic-v3-mbi.c).
 */
export const GICD_FRAME_SIZE = 0x10000n;
export const GICD_SETSPI_NSR = 0x0040n;
export const GICD_CLRSPI_NSR = 0x0048n;
/** GICD_SETSPI_NSR.INTID is bits [12:0] (IHI 0069, GICD_SETSPI_NSR). */
export const GICD_SETSPI_INTID_MASK = 0x1fff;

/**
 * What a register does with a Non-secure device write:
 * - `doorbell`: GICD_SETSPI_NSR, the only register an MBI message names for PCI MSI
 *   (mbi_compose_msi_msg);
 * - `control`: a read-write register that changes the distributor's state (GICD_CTLR, the enable,
 *   pending, active, priority, configuration and routing registers, GICD_CLRSPI_NSR, GICD_SGIR);
 * - `read-only` (writes ignored), `secure-only` (RAZ/WI to Non-secure accesses).
 */
type RegisterKind = 'doorbell' | 'control' | 'read-only' | 'secure-only';
interface RegisterRange {
  readonly start: bigint;
  /** Exclusive end. */
  readonly end: bigint;
  readonly name: string;
  readonly kind: RegisterKind;
}
const r = (start: number, end: number, name: string, kind: RegisterKind): RegisterRange => ({
  start: BigInt(start),
  end: BigInt(end),
  name,
  kind,
});

/** The distributor register map, frame offset ranges in order (IHI 0069, Table "GIC Distributor register map"). */
export const GICD_REGISTERS: readonly RegisterRange[] = [
  r(0x0000, 0x0004, 'GICD_CTLR', 'control'),
  r(0x0004, 0x0008, 'GICD_TYPER', 'read-only'),
  r(0x0008, 0x000c, 'GICD_IIDR', 'read-only'),
  r(0x000c, 0x0010, 'GICD_TYPER2', 'read-only'),
  r(0x0010, 0x0014, 'GICD_STATUSR', 'control'),
  r(0x0040, 0x0044, 'GICD_SETSPI_NSR', 'doorbell'),
  r(0x0048, 0x004c, 'GICD_CLRSPI_NSR', 'control'),
  r(0x0050, 0x0054, 'GICD_SETSPI_SR', 'secure-only'),
  r(0x0058, 0x005c, 'GICD_CLRSPI_SR', 'secure-only'),
  r(0x0080, 0x0100, 'GICD_IGROUPR<n>', 'control'),
  r(0x0100, 0x0180, 'GICD_ISENABLER<n>', 'control'),
  r(0x0180, 0x0200, 'GICD_ICENABLER<n>', 'control'),
  r(0x0200, 0x0280, 'GICD_ISPENDR<n>', 'control'),
  r(0x0280, 0x0300, 'GICD_ICPENDR<n>', 'control'),
  r(0x0300, 0x0380, 'GICD_ISACTIVER<n>', 'control'),
  r(0x0380, 0x0400, 'GICD_ICACTIVER<n>', 'control'),
  r(0x0400, 0x0800, 'GICD_IPRIORITYR<n>', 'control'),
  r(0x0800, 0x0c00, 'GICD_ITARGETSR<n>', 'control'),
  r(0x0c00, 0x0d00, 'GICD_ICFGR<n>', 'control'),
  r(0x0d00, 0x0e00, 'GICD_IGRPMODR<n>', 'control'),
  r(0x0e00, 0x0f00, 'GICD_NSACR<n>', 'control'),
  r(0x0f00, 0x0f04, 'GICD_SGIR', 'control'),
  r(0x0f10, 0x0f20, 'GICD_CPENDSGIR<n>', 'control'),
  r(0x0f20, 0x0f30, 'GICD_SPENDSGIR<n>', 'control'),
  r(0x0f80, 0x1000, 'GICD_INMIR<n>', 'control'),
  r(0x6100, 0x7fe0, 'GICD_IROUTER<n>', 'control'),
  r(0xffd0, 0x10000, 'GICD_PIDR/CIDR', 'read-only'),
];

export const GicdConfigSchema = z.object({
  /** Distributor base: a 64 KiB frame. */
  base: z.bigint().min(0n).multipleOf(GICD_FRAME_SIZE),
  /** Implemented SPIs are INTIDs 32 .. 32 + spis - 1 (GICD_TYPER.ITLinesNumber). */
  spis: z.number().int().min(0).max(988),
  /** GICD_TYPER.MBIS: GICD_SETSPI_NSR and GICD_CLRSPI_NSR are implemented (else reserved). */
  mbis: z.boolean(),
});
export type GicdConfig = z.infer<typeof GicdConfigSchema>;
export const parseGicdConfig = (input: unknown) => parseWith(GicdConfigSchema, input);

export const inGicdFrame = (d: GicdConfig, pa: bigint): boolean =>
  pa >= d.base && pa < d.base + GICD_FRAME_SIZE;
export const gicdDoorbell = (d: GicdConfig): bigint => d.base + GICD_SETSPI_NSR;

/** The register at frame offset `off`, or undefined for a reserved offset. MBIS = 0 reserves the NSR doorbells. */
export const gicdRegisterAt = (d: GicdConfig, off: bigint): RegisterRange | undefined => {
  const reg = GICD_REGISTERS.find((x) => off >= x.start && off < x.end);
  if (reg !== undefined && !d.mbis && (reg.start === GICD_SETSPI_NSR || reg.start === GICD_CLRSPI_NSR))
    return undefined;
  return reg;
};

const BLOCK = 'arm-gicd';
const REF_MAP = 'Arm IHI 0069 (GICv3/v4), The GIC Distributor register map';
const REF_SETSPI =
  'Arm IHI 0069 (GICv3/v4), GICD_SETSPI_NSR; drivers/irqchip/irq-gic-v3-mbi.c mbi_compose_msi_msg';

/**
 * A Non-secure device access reaching `pa`; undefined when `pa` is outside the distributor frame.
 * The writer's identity is not an input: the distributor cannot tell a device's write from the
 * CPU's. Simplifications: the access size is not checked, a register is named by the offset the
 * access starts at, and a read is reported as reaching its register (reads do not change state).
 */
export const gicdWrite = (
  d: GicdConfig,
  pa: bigint,
  data: number,
  trace: Trace,
  access: Access = 'write',
): Outcome | undefined => {
  if (!inGicdFrame(d, pa)) return undefined;
  const off = pa - d.base;
  const reg = gicdRegisterAt(d, off);
  if (reg === undefined) {
    hop(trace, {
      block: BLOCK,
      step: 'gicd-reserved',
      ref: REF_MAP,
      facts: { pa: hex(pa), offset: hex(off) },
    });
    return dropped('gicd-reserved');
  }
  const reached = (): Outcome => {
    hop(trace, {
      block: BLOCK,
      step: 'gicd-register',
      ref: REF_MAP,
      facts: { pa: hex(pa), register: reg.name, access },
    });
    return {
      kind: 'register',
      block: 'gicd',
      register: reg.name,
      pa,
      access: access === 'write' ? 'write' : 'read',
    };
  };
  if (access !== 'write') return reached();
  switch (reg.kind) {
    case 'control':
      return reached();
    case 'read-only':
    case 'secure-only': {
      hop(trace, {
        block: BLOCK,
        step: 'gicd-ignored',
        ref: REF_MAP,
        facts: { register: reg.name, why: reg.kind },
      });
      return dropped(reg.kind === 'read-only' ? 'gicd-read-only' : 'gicd-secure-only');
    }
    case 'doorbell': {
      // GICD_SETSPI_NSR: INTID = data[12:0]; a value that is not an implemented SPI has no effect.
      const intid = data & GICD_SETSPI_INTID_MASK;
      const isSpi = intid >= 32 && intid < 32 + d.spis;
      hop(trace, {
        block: BLOCK,
        step: isSpi ? 'gicd-setspi' : 'gicd-not-an-spi',
        ref: REF_SETSPI,
        facts: { intid, spis: d.spis, writerIdentity: 'not-consulted' },
      });
      if (!isSpi) return dropped('gicd-not-an-spi');
      return { kind: 'interrupt', controller: 'gic-spi', target: 'dist', identity: intid };
    }
    // Stryker disable next-line BlockStatement: unreachable, the switch covers every member of the union
    default: {
      const never: never = reg.kind;
      return never;
    }
  }
};
