import { z } from 'zod';
import { PageMapSchema } from '../../types/page-map.ts';
import { parseWith } from '../../types/validate.ts';

/**
 * A Stream Table Entry, reduced to what decides where a write goes: STE.V and STE.Config
 * (Linux arm-smmu-v3.h STRTAB_STE_0_CFG_{ABORT,BYPASS,S1_TRANS,S2_TRANS,NESTED}). The CD and the
 * table walks are abstracted into leaf PageMaps (simplification: model/types/page-map.ts).
 * `invalid` stands for STE.V = 0.
 */
export const SteSchema = z.discriminatedUnion('config', [
  z.object({ config: z.literal('invalid') }),
  z.object({ config: z.literal('abort') }),
  z.object({ config: z.literal('bypass') }),
  /** Stage 1 only: IOVA → PA. */
  z.object({ config: z.literal('s1'), s1: PageMapSchema }),
  /** Stage 2 only: IPA → PA. */
  z.object({ config: z.literal('s2'), s2: PageMapSchema }),
  /** Nested: stage 1 IOVA → IPA (guest-owned), then stage 2 IPA → PA (host-owned). */
  z.object({ config: z.literal('nested'), s1: PageMapSchema, s2: PageMapSchema }),
]);
export type Ste = z.infer<typeof SteSchema>;

/** StreamID → STE. A StreamID absent from `streams` lies outside the Stream table. */
export const SmmuConfigSchema = z.object({
  streams: z.map(z.number().int().min(0), SteSchema),
});
export type SmmuConfig = z.infer<typeof SmmuConfigSchema>;

export const parseSmmuConfig = (input: unknown) => parseWith(SmmuConfigSchema, input);
