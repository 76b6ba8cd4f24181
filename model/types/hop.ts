/**
 * One hop of a write's path through the hardware: which block applied which rule, with the values
 * it used. `step` is a stable id the report layer turns into a sentence; `ref` is the citation.
 */
export interface Hop {
  readonly block: string;
  readonly step: string;
  readonly ref: string;
  readonly facts: Readonly<Record<string, string | number | boolean>>;
}

/** A trace collector; procedures push hops only when one is passed (no cost otherwise). */
export type Trace = Hop[] | undefined;

export const hop = (trace: Trace, h: Hop): void => {
  if (trace !== undefined) trace.push(h);
};
