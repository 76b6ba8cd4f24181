import { z } from 'zod';
import { hex } from '../../types/addr.ts';
import { hop, type Trace } from '../../types/hop.ts';
import { dropped, type Outcome } from '../../types/outcome.ts';
import type { Access } from '../../types/page-map.ts';
import { parseWith } from '../../types/validate.ts';
import { qemuPieces } from '../qemu-access.ts';

/** Offset of MSI_SETSPI_NS in a GICv2m frame (QEMU hw/intc/arm_gicv2m.c; SBSA ARM-DEN-0029). */
export const MSI_SETSPI_NS = 0x040n;
/** A GICv2m MSI frame is 4 KiB. */
export const V2M_FRAME_SIZE = 0x1000n;
/** SPI INTIDs are 32..1019; `data & 0x3ff` selects one (QEMU gicv2m_write). */
export const V2M_SPI_MASK = 0x3ff;

/** One GICv2m frame: `firstSpi` is the absolute INTID reported by MSI_TYPER, `numSpis` its count. */
export const V2mFrameSchema = z.object({
  base: z.bigint().min(0n).multipleOf(V2M_FRAME_SIZE),
  firstSpi: z.number().int().min(32).max(1019),
  numSpis: z.number().int().min(0).max(988),
});
export type V2mFrame = z.infer<typeof V2mFrameSchema>;

export const parseV2mFrame = (input: unknown) => parseWith(V2mFrameSchema, input);

/** Physical address of this frame's MSI_SETSPI_NS doorbell. */
export const v2mDoorbell = (frame: V2mFrame): bigint => frame.base + MSI_SETSPI_NS;

export const inV2mFrame = (frame: V2mFrame, pa: bigint): boolean =>
  pa >= frame.base && pa < frame.base + V2M_FRAME_SIZE;

const BLOCK = 'arm-gicv2m';
const REF = 'QEMU hw/intc/arm_gicv2m.c gicv2m_write';

/**
 * An access of `data` reaching `pa`. Returns undefined when `pa` is outside this frame. The writer's
 * identity is not an input: every device that reaches the frame can raise every SPI of the frame
 * (QEMU gicv2m_write never reads attrs). The frame's ops set no .valid, so a wide access arrives as
 * pieces of up to 4 bytes (model/hw/qemu-access.ts); gicv2m_write acts only on a 16- or 32-bit piece
 * at MSI_SETSPI_NS, and gicv2m_read returns zero there.
 */
export const v2mWrite = (
  frame: V2mFrame,
  pa: bigint,
  data: number,
  trace: Trace,
  size = 4,
  access: Access = 'write',
): Outcome | undefined => {
  if (!inV2mFrame(frame, pa)) return undefined;
  if (access !== 'write') {
    hop(trace, {
      block: BLOCK,
      step: 'read-zero',
      ref: 'QEMU hw/intc/arm_gicv2m.c gicv2m_read',
      facts: { pa: hex(pa) },
    });
    return dropped('v2m-read-zero');
  }
  const piece = qemuPieces(pa, size, data, 0).find((p) => p.addr === v2mDoorbell(frame));
  // 1. Only MSI_SETSPI_NS raises an SPI; other offsets are ignored (guest error logged).
  if (piece === undefined) {
    hop(trace, {
      block: BLOCK,
      step: 'not-setspi',
      ref: REF,
      facts: { pa: hex(pa), frame: hex(frame.base) },
    });
    return dropped('v2m-not-setspi');
  }
  // 2. Only 16- and 32-bit writes count ("bad size" otherwise).
  if (piece.size !== 2 && piece.size !== 4) {
    hop(trace, { block: BLOCK, step: 'bad-size', ref: REF, facts: { pa: hex(pa), size: piece.size } });
    return dropped('v2m-bad-size');
  }
  // 3. SPI = data & 0x3ff (absolute INTID); 4. raise it only if inside the frame's range.
  const spi = piece.data & V2M_SPI_MASK;
  const inRange = spi >= frame.firstSpi && spi < frame.firstSpi + frame.numSpis;
  hop(trace, {
    block: BLOCK,
    step: inRange ? 'setspi' : 'spi-out-of-frame',
    ref: REF,
    facts: { spi, firstSpi: frame.firstSpi, numSpis: frame.numSpis, writerIdentity: 'not-consulted' },
  });
  if (!inRange) return dropped('v2m-spi-out-of-frame');
  return { kind: 'interrupt', controller: 'gic-spi', target: 'dist', identity: spi };
};
