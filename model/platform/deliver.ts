import { deliver as hwDeliver } from '../hw/deliver.ts';
import type { Hop } from '../types/hop.ts';
import type { Outcome } from '../types/outcome.ts';
import { write32 } from '../types/write.ts';
import { type Attribution, attribute } from './attribution.ts';
import { deviceOf } from './edit.ts';
import { hwView } from './hw-view.ts';
import type { State } from './state.ts';

export interface Delivery {
  readonly outcome: Outcome;
  /** Present when the outcome is an interrupt: the Linux IRQ and owner it landed on. */
  readonly attribution?: Attribution;
}

/**
 * The whole platform's deliver: device `device` writes `data` at `addr`; the write goes through
 * the device's current domain and the hardware layer, and an interrupt is attributed to its owner.
 */
export const deliverFrom = (
  s: State,
  device: number,
  addr: bigint,
  data: number,
  trace?: Hop[],
): Delivery => {
  const outcome = hwDeliver(hwView(s), write32(deviceOf(s, device).rid, addr, data), trace);
  return outcome.kind === 'interrupt' ? { outcome, attribution: attribute(s, outcome) } : { outcome };
};
