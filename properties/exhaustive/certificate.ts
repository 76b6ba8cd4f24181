import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { writeAtomic } from '../../counterexamples/store.ts';
import { OpSchema, TopologySchema } from '../../model/platform/scenario.ts';
import { collisionProbability } from '../../model/types/fingerprint.ts';
import { DESIGN_ID, type DesignId } from '../../spec/designs/schema.ts';
import { InputFileError, readJsonFile } from '../../spec/input-error.ts';
import { INVARIANT_IDS, type InvariantId } from '../../spec/invariants/types.ts';
import { WITNESS_CLASSES, type WitnessClass } from '../../spec/invariants/witness-class.ts';
import { WitnessSchema } from '../../spec/invariants/witness-schema.ts';
import { tsSourcesUnder } from '../../spec/repo.ts';
import { topologyWeight } from './enumerate.ts';
import { formatJson } from './json.ts';
import { TRAITS } from './premise.ts';
import type { DesignProof, Least, Violated } from './prove.ts';
import { type Scope, ScopeSchema } from './scope.ts';

/** A least violation within the scope: its topology, ops and the witness after the last. */
const LeastSchema = z.object({
  topology: TopologySchema,
  ops: z.array(OpSchema),
  /** Index of the op after which the invariant first fails (-1: at boot). */
  afterOp: z.number().int().min(-1),
  witness: WitnessSchema,
});

/**
 * A certificate: what the exhaustive search of one design found for one invariant within a scope,
 * and what it was computed on. `holds`: no scenario of the scope violates the invariant, and its
 * premise arose; `vacuous`: nothing to judge arose within the scope; `violated`: the least
 * violation within the scope (fewest ops, then the lightest topology), and per witness class the
 * least violation of that class or a stronger one.
 */
export const CertificateSchema = z.object({
  invariant: z.enum(INVARIANT_IDS),
  design: z.string().regex(DESIGN_ID, 'a design id (a spec/designs file name)'),
  result: z.enum(['holds', 'vacuous', 'violated']),
  /** The invariant's premise (properties/exhaustive/premise.ts), which a vacuous result never met. */
  premise: z.string(),
  scope: ScopeSchema,
  search: z.object({
    topologies: z.number().int().min(0),
    /** Distinct states after symmetry reduction, and successors generated (steps). */
    states: z.number().int().min(0),
    generated: z.number().int().min(0),
    /** The scope's op depth, and the deepest level that held a new state. */
    depth: z.number().int().min(0),
    depthReached: z.number().int().min(0),
    /** Every topology searched to its depth (false: truncated at the state limit). */
    complete: z.boolean(),
    /** New distinct states per level over all topologies, level 0 the boot states. */
    perLevel: z.array(z.number().int().min(0)),
    /** TLC's optimistic estimate that a fingerprint collision hid a state, for the largest topology. */
    collisionProbability: z.number().min(0),
  }),
  counterexample: LeastSchema.optional(),
  /**
   * Per witness class (spec/invariants/witness-class.ts), the least violation whose witness is of
   * that class or stronger: a stored counterexample of class c is minimal for its class when it is
   * as small as classes[c]. Absent when the violations are not interrupting writes, and in
   * certificates written before classes were recorded.
   */
  classes: z.partialRecord(z.enum(WITNESS_CLASSES), LeastSchema).optional(),
  /** sha256 of the model, spec and search sources and the design's file (sourcesHash). */
  sources: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  command: z.string(),
  msispec: z.string(),
});
export type Certificate = z.infer<typeof CertificateSchema>;

const ROOT = new URL('../../', import.meta.url).pathname;
export const CERTIFICATES_DIR = join(ROOT, 'certificates');

export const certificatePath = (invariant: InvariantId, design: DesignId, dir = CERTIFICATES_DIR): string =>
  join(dir, invariant, `${design}.json`);

export class CertificateError extends InputFileError {}

export const readCertificate = (file: string): Certificate =>
  readJsonFile(file, CertificateSchema, (f, e) => new CertificateError(f, e));

/** Source folders whose code the search runs: the model, the invariants, the design loader, the engine. */
const SOURCE_DIRS = ['model', 'spec/invariants', 'properties/exhaustive'];
const SOURCE_FILES = ['spec/designs/schema.ts', 'spec/designs/load.ts', 'spec/replay.ts'];

const sourceFiles = (): string[] =>
  [...SOURCE_FILES, ...SOURCE_DIRS.flatMap((d) => tsSourcesUnder(ROOT, d))].sort();

/**
 * The code of a TypeScript file as the hash sees it: its tokens, each with its kind, as TypeScript
 * parses them (comments and whitespace are trivia, not tokens), so a comment (an equivalent-mutant
 * mark, a citation) or a reformatting (trailing commas included) leaves certificates fresh while
 * any changed token, literal text included, stales them. The parser is TypeScript's, pinned in the lockfile.
 */
export const codeOf = (text: string, file = 'source.ts'): string => {
  const sf = ts.createSourceFile(
    file,
    text,
    { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone },
    false,
    ts.ScriptKind.TS,
  );
  const tokens: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    const children = node.getChildren(sf);
    if (children.length === 0) tokens.push(node);
    else for (const c of children) visit(c);
  };
  visit(sf);
  const K = ts.SyntaxKind;
  const closes = new Set([K.CloseParenToken, K.CloseBracketToken, K.CloseBraceToken, K.GreaterThanToken]);
  const opensOrComma = new Set([K.OpenBracketToken, K.CommaToken]);
  // A trailing comma (before a closer, after an element) is formatting; an array hole (`[,]`, `[a,,]`) is not.
  const trailing = (i: number): boolean =>
    tokens[i]?.kind === K.CommaToken &&
    closes.has(tokens[i + 1]?.kind ?? K.Unknown) &&
    !opensOrComma.has(tokens[i - 1]?.kind ?? K.Unknown);
  return tokens
    .filter((_, i) => !trailing(i))
    .map((t) => `${t.kind}:${t.getText(sf)}`)
    .join('\n');
};

let codeDigest: string | undefined;
/**
 * The hash a certificate is computed on: the code (codeOf) of every non-test TypeScript file of
 * the model, the invariants and the search and of the design loader, and the design's own file. Any
 * change to the code of one of them makes the design's certificates stale.
 */
export const sourcesHash = (design: DesignId): string => {
  if (codeDigest === undefined) {
    const h = createHash('sha256');
    for (const f of sourceFiles()) h.update(`${f}\0${codeOf(readFileSync(join(ROOT, f), 'utf8'), f)}\0`);
    codeDigest = h.digest('hex');
  }
  const h = createHash('sha256').update(codeDigest);
  h.update(readFileSync(join(ROOT, 'spec/designs', `${design}.json`)));
  return `sha256:${h.digest('hex')}`;
};

/** The command that recomputes a design's certificates. */
export const reproduceCommand = (design: DesignId, scope: Scope, scopeArg: string): string =>
  `npx msispec prove --design ${design} --scope ${scopeArg === scope.name ? scope.name : scopeArg}`;

const leastOf = (l: Least): z.infer<typeof LeastSchema> => ({
  topology: l.topology,
  ops: [...l.ops],
  afterOp: l.ops.length - 1,
  witness: l.witness,
});

/** The certificates of one design's search, one per invariant it judged. */
export const certificatesOf = (
  proof: DesignProof,
  scope: Scope,
  scopeArg: string,
  version: string,
): Certificate[] => {
  const largest = Math.max(0, ...proof.topologies.map((t) => t.distinct));
  return proof.invariants.map((id) => {
    const pair = proof.pairs[id];
    if (pair === undefined) throw new Error(`no result for ${id} on ${proof.design}`);
    return {
      invariant: id,
      design: proof.design,
      result: pair.result,
      premise: TRAITS[id].premise,
      scope,
      search: {
        topologies: proof.topologies.length,
        states: proof.distinct,
        generated: proof.generated,
        depth: proof.depth,
        depthReached: proof.depthReached,
        complete: proof.complete,
        perLevel: [...proof.perLevel],
        collisionProbability: collisionProbability(largest),
      },
      ...(pair.result === 'violated'
        ? {
            counterexample: leastOf(pair),
            ...(Object.keys(pair.classes).length > 0
              ? {
                  classes: Object.fromEntries(
                    WITNESS_CLASSES.flatMap((c) => {
                      const l = pair.classes[c];
                      return l === undefined ? [] : [[c, leastOf(l)]];
                    }),
                  ),
                }
              : {}),
          }
        : {}),
      sources: sourcesHash(proof.design),
      command: reproduceCommand(proof.design, scope, scopeArg),
      msispec: version,
    };
  });
};

/** Writes a certificate atomically as Biome-formatted JSON; returns its path relative to the cwd. */
export const writeCertificate = (c: Certificate, dir = CERTIFICATES_DIR): string => {
  const file = certificatePath(c.invariant, c.design, dir);
  writeAtomic(file, formatJson(CertificateSchema.parse(c)));
  return relative(process.cwd(), file);
};

/** What a gate or a report needs to know of a pair's certificate. */
export type CertificateStatus =
  | { readonly status: 'none' }
  | {
      /** `certified`: computed on the current sources and scope; `stale`: on others. */
      readonly status: 'certified' | 'stale';
      readonly result: Certificate['result'];
      readonly scope: string;
      readonly states: number;
      readonly depth: number;
      readonly complete: boolean;
      readonly certificate: Certificate;
    };

/** The scope definitions two certificates can be compared on (the file's defaults applied). */
const sameScope = (a: Scope, b: Scope): boolean =>
  JSON.stringify(ScopeSchema.parse(a)) === JSON.stringify(ScopeSchema.parse(b));

/**
 * The certificate of (design, invariant), and whether it is fresh: computed on the current model,
 * spec and search sources and, when `scope` is given, on that scope's current definition.
 */
export const certificateFor = (
  design: DesignId,
  invariant: InvariantId,
  scope?: Scope,
  dir = CERTIFICATES_DIR,
): CertificateStatus => {
  const file = certificatePath(invariant, design, dir);
  if (!existsSync(file)) return { status: 'none' };
  const c = readCertificate(file);
  const fresh = c.sources === sourcesHash(design) && (scope === undefined || sameScope(c.scope, scope));
  return {
    status: fresh ? 'certified' : 'stale',
    result: c.result,
    scope: c.scope.name,
    states: c.search.states,
    depth: c.search.depth,
    complete: c.search.complete,
    certificate: c,
  };
};

/** A violated certificate's result as the search gave it (prove.ts), to certify from without searching. */
export const violatedOf = (c: Certificate): Violated | undefined => {
  const ce = c.counterexample;
  if (c.result !== 'violated' || ce === undefined) return undefined;
  const least = (l: z.infer<typeof LeastSchema>): Least => ({
    topology: l.topology,
    weight: topologyWeight(l.topology),
    ops: l.ops,
    witness: l.witness,
  });
  const classes: Partial<Record<WitnessClass, Least>> = {};
  for (const k of WITNESS_CLASSES) {
    const l = c.classes?.[k];
    if (l !== undefined) classes[k] = least(l);
  }
  return { result: 'violated', ...least(ce), classes };
};
