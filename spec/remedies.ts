import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from './input-error.ts';
import { INVARIANT_IDS, type InvariantId } from './invariants/types.ts';
import { REPO } from './repo.ts';

/**
 * spec/remedies.json: for each invariant, what makes it hold on any design, in one sentence with
 * its source. A report shows it after the design's own remedies for that invariant
 * (spec/designs/<id>.json `remedies`), so every report names a remedy that fits its invariant.
 */
export const RemedySchema = z.object({ text: z.string().min(1), source: z.string().min(1) });
export type Remedy = z.infer<typeof RemedySchema>;
export const RemediesSchema = z.partialRecord(z.enum(INVARIANT_IDS), RemedySchema);
export type Remedies = Readonly<Partial<Record<InvariantId, Remedy>>>;

export const REMEDIES_FILE = join(REPO.root, 'spec', 'remedies.json');

export const loadRemedies = (file = REMEDIES_FILE): Remedies => readJsonFile(file, RemediesSchema);
