import { existsSync } from 'node:fs';
import type { DesignId } from '../spec/designs/schema.ts';
import { INVARIANT_IDS, type InvariantId } from '../spec/invariants/types.ts';
import { pairFile, type Verdicts } from '../spec/verdicts.ts';
import {
  type Certificate,
  certificateFor,
  certificatePath,
  readCertificate,
} from './exhaustive/certificate.ts';
import { judgeCertificates } from './exhaustive/gate.ts';
import { TRAITS } from './exhaustive/premise.ts';
import { loadScope, type Scope } from './exhaustive/scope.ts';
import type { PairCheck } from './gate.ts';

/**
 * How strong a recorded verdict is, read from the pair's committed certificate (certificates/)
 * alone, never from a run:
 * - `exhaustive`: a ✓ that no scenario of the named scope violates, its premise met there;
 * - `vacuous`: a ✓ within the scope only because the invariant's premise never arises in it;
 * - `minimal`: a ✗ whose stored counterexample is certified minimal within the scope;
 * - `random`: no fresh, complete certificate agrees with the verdict (none, stale, truncated,
 *   disagreeing, or the stored counterexample not certified): the verdict rests on the random
 *   search alone.
 */
export type Strength =
  | {
      readonly kind: 'exhaustive' | 'vacuous' | 'minimal';
      readonly scope: string;
      /** Distinct states of the design's search within the scope, and its op depth. */
      readonly states: number;
      readonly depth: number;
      /** The invariant's premise (properties/exhaustive/premise.ts). */
      readonly premise: string;
    }
  | {
      readonly kind: 'random';
      readonly why: string;
      /** From a run of the random search (never from stored data): its runs and those where the premise arose. */
      readonly premise?: string;
      readonly runs?: number;
      readonly premiseRuns?: number;
    };

/** By pair file, `<invariant>/<design>.json`. */
export type Strengths = ReadonlyMap<string, Strength>;

/** The scope certificates are judged at: the CI gate's. */
export const STRENGTH_SCOPE = 'ci';

const fromCertificate = (kind: 'exhaustive' | 'vacuous' | 'minimal', c: Certificate): Strength => ({
  kind,
  scope: c.scope.name,
  states: c.search.states,
  depth: c.search.depth,
  premise: c.premise,
});

/**
 * The strength of every pair of `designs` against the verdict table, from the certificates in
 * `dirs.certificates` judged fresh on this checkout's sources and the `ci` scope's definition
 * (properties/exhaustive/gate.ts judgeCertificates). A missing certificates folder leaves every
 * pair random-only.
 */
export const strengthsOf = (
  verdicts: Verdicts,
  designs: readonly DesignId[],
  dirs: { certificates: string; counterexamples: string },
  scope: Scope = loadScope(STRENGTH_SCOPE),
): Map<string, Strength> => {
  const out = new Map<string, Strength>();
  const judged = existsSync(dirs.certificates)
    ? judgeCertificates(verdicts, designs, INVARIANT_IDS, scope, dirs)
    : [];
  for (const p of judged) {
    const agrees = p.status === 'certified' || p.status === 'vacuous';
    const c = agrees ? certificateFor(p.design, p.invariant, scope, dirs.certificates) : undefined;
    const s: Strength =
      c === undefined || c.status !== 'certified'
        ? { kind: 'random', why: p.why }
        : fromCertificate(
            p.status === 'vacuous' ? 'vacuous' : c.result === 'violated' ? 'minimal' : 'exhaustive',
            c.certificate,
          );
    out.set(pairFile(p.invariant, p.design), s);
  }
  for (const d of designs)
    for (const i of INVARIANT_IDS)
      if (!out.has(pairFile(i, d)))
        out.set(pairFile(i, d), { kind: 'random', why: 'no certificates/ folder' });
  return out;
};

/**
 * The premise that the committed certificate of (design, invariant) in `dir` never met (its result
 * `vacuous`), whether fresh or stale, else undefined: the ✓ verdicts that carry a note saying why
 * the premise cannot arise in the design (spec/verdicts.ts).
 */
export const vacuousPremise = (design: string, invariant: InvariantId, dir: string): string | undefined => {
  const file = certificatePath(invariant, design, dir);
  if (!existsSync(file)) return undefined;
  const c = readCertificate(file);
  return c.result === 'vacuous' ? c.premise : undefined;
};

export const strengthOf = (strengths: Strengths, design: string, invariant: InvariantId): Strength =>
  strengths.get(pairFile(invariant, design)) ?? { kind: 'random', why: 'no certificate read' };

/** The strength in one line, e.g. "exhaustive within ci (133960 states, ≤ 5 ops)". */
export const strengthText = (s: Strength): string => {
  switch (s.kind) {
    case 'exhaustive':
      return `exhaustive within ${s.scope} (${s.states} states, ≤ ${s.depth} ops)`;
    case 'vacuous':
      return `vacuous within ${s.scope} (${s.states} states, ≤ ${s.depth} ops): ${s.premise} never arises`;
    case 'minimal':
      return `counterexample certified minimal within ${s.scope} (${s.states} states, ≤ ${s.depth} ops)`;
    case 'random':
      return `random search only: ${s.why}${s.premiseRuns === undefined ? '' : `; its premise (${s.premise}) arose in ${s.premiseRuns} of ${s.runs} runs`}`;
    default: {
      const never: never = s;
      return never;
    }
  }
};

/**
 * The mark a matrix cell adds to ✓ or ✗: none for exhaustive or certified minimal, `∅` for
 * vacuous, `~` for random-only, `∅~` for a random search in which the premise never arose.
 */
export const strengthMark = (s: Strength): string =>
  s.kind === 'vacuous' ? '∅' : s.kind !== 'random' ? '' : s.premiseRuns === 0 ? '∅~' : '~';

/** Whether nothing was judged: vacuous within the scope, or a random search whose premise never arose. */
export const isVacuous = (s: Strength): boolean =>
  s.kind === 'vacuous' || (s.kind === 'random' && s.premiseRuns === 0);

/**
 * A pair's strength in a gate run: the certificate's, and for a random-only pair whose search found
 * nothing, how often the invariant's premise arose in its runs (properties/pair.ts).
 */
export const runStrength = (strengths: Strengths, r: PairCheck): Strength => {
  const s = strengthOf(strengths, r.design, r.invariant);
  if (s.kind !== 'random' || r.search === undefined || r.search.violated) return s;
  return {
    ...s,
    premise: TRAITS[r.invariant].premise,
    runs: r.search.runs,
    premiseRuns: r.search.premiseRuns,
  };
};

/** One legend for the matrix of the CLI (`run`: of a gate run) and of reports/index, naming the scope. */
export const STRENGTH_LEGEND = (scope: string, run = false): string =>
  `✓ holds in every state within ${scope} (exhaustive) · ✓∅ holds within ${scope} only vacuously: the invariant's premise never arises there · ✓~ holds over random runs only (no fresh certificate) ·${run ? ' ✓∅~ random runs only, and the premise arose in none of them ·' : ''} ✗ violated, counterexample certified minimal within ${scope} · ✗~ violated, counterexample shrunk by the random search only`;

/** A design's search within the scope, from any of its fresh certificates: states and depth. */
export const designSearch = (
  strengths: Strengths,
  design: string,
): { scope: string; states: number; depth: number } | undefined => {
  for (const i of INVARIANT_IDS) {
    const s = strengthOf(strengths, design, i);
    if (s.kind !== 'random') return { scope: s.scope, states: s.states, depth: s.depth };
  }
  return undefined;
};
