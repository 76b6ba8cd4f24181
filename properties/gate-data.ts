import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Counterexample } from '../counterexamples/schema.ts';
import { overBound } from '../counterexamples/schema.ts';
import { listCounterexamples, readCounterexample } from '../counterexamples/store.ts';
import { OP_KINDS } from '../model/platform/scenario.ts';
import { canonicalProblems } from '../spec/designs/canonical.ts';
import { loadDesigns } from '../spec/designs/load.ts';
import type { Design } from '../spec/designs/schema.ts';
import { InputFileError, unknownId } from '../spec/input-error.ts';
import { INVARIANT_IDS, type InvariantId } from '../spec/invariants/types.ts';
import { loadRemedies, type Remedies } from '../spec/remedies.ts';
import { REPO, type Repo } from '../spec/repo.ts';
import { type Expected, expectedOf, loadVerdicts, pairFile, type Verdicts } from '../spec/verdicts.ts';
import { cannotSucceed, notGenerated, opCoverage } from './coverage.ts';
import { pairSeed, SEED } from './settings.ts';
import { type Strengths, strengthsOf } from './strength.ts';

/**
 * Everything the gate reads, loaded and validated up front: the catalogue (spec/designs), the
 * verdict table and every stored counterexample. A malformed file stops here, before anything runs
 * or is written.
 */
export interface GateData {
  readonly repo: Repo;
  readonly designs: ReadonlyMap<string, Design>;
  /** The verdict table read, and where from (spec/verdicts.json unless replaced). */
  readonly verdicts: Verdicts;
  readonly verdictsFile: string;
  /** By file, relative to counterexamples/: `<invariant>/<design>.json`. */
  readonly counterexamples: ReadonlyMap<string, Counterexample>;
  /** How strong each pair's verdict is, from its committed certificate (properties/strength.ts). */
  readonly strengths: Strengths;
  /** spec/remedies.json: what makes each invariant hold, for the reports. */
  readonly remedies: Remedies;
}

const requireFolder = (dir: string): void => {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputFileError(dir, { path: '$', message: 'no such folder' });
};

/** Loads the data of `repo`; `verdictsFile` replaces spec/verdicts.json (msispec check --verdicts). */
export const loadGateData = (repo: Repo = REPO, verdictsFile = repo.verdicts): GateData => {
  requireFolder(repo.designs);
  requireFolder(repo.counterexamples);
  const designs = loadDesigns(repo.designs);
  const ids = [...designs.keys()];
  const verdicts = loadVerdicts(verdictsFile, ids);
  const counterexamples = new Map<string, Counterexample>();
  for (const f of listCounterexamples(repo.counterexamples)) {
    const file = join(repo.counterexamples, f);
    const [dir = '', name = ''] = f.split('/');
    if (!(INVARIANT_IDS as readonly string[]).includes(dir)) {
      const e = unknownId('invariant', dir, INVARIANT_IDS);
      throw new InputFileError(file, {
        ...e,
        message: `${e.message} (a file is counterexamples/<invariant>/<design>.json)`,
      });
    }
    const c = readCounterexample(file, ids);
    if (c.invariant !== dir)
      throw new InputFileError(file, { path: '$.invariant', message: `must be ${dir}, the file's folder` });
    if (`${c.design}.json` !== name)
      throw new InputFileError(file, {
        path: '$.design',
        message: `must be ${name.slice(0, -5)}, the file's name`,
      });
    counterexamples.set(f, c);
  }
  const strengths = strengthsOf(verdicts, ids, repo);
  const remedies = loadRemedies(join(repo.root, 'spec', 'remedies.json'));
  return { repo, designs, verdicts, verdictsFile, counterexamples, strengths, remedies };
};

/** Every design × invariant pair of the catalogue, design by design in id order. */
export const allPairs = (data: GateData): { design: string; invariant: InvariantId }[] =>
  [...data.designs.keys()].flatMap((design) => INVARIANT_IDS.map((invariant) => ({ design, invariant })));

export const expected = (data: GateData, design: string, invariant: InvariantId): Expected =>
  expectedOf(data.verdicts, design, invariant);

export const storedOf = (
  data: GateData,
  design: string,
  invariant: InvariantId,
): Counterexample | undefined => data.counterexamples.get(pairFile(invariant, design));

/** Something in the data that fails the gate by itself, with what to do about it. */
export interface Problem {
  readonly file: string;
  readonly problem: string;
  readonly fix: string;
}

/**
 * Where the stored counterexamples and the verdict table disagree: a file whose pair is not
 * recorded as violated (new, awaiting `msispec accept`), a file of a violated pair that is not
 * marked reviewed, and a reviewed file larger than its size bound.
 */
export const corpusProblems = (data: GateData): Problem[] => {
  const out: Problem[] = [];
  for (const [f, c] of data.counterexamples) {
    const file = `counterexamples/${f}`;
    const v = expected(data, c.design, c.invariant);
    const accept = `npx msispec accept ${c.invariant}/${c.design}`;
    if (v.verdict !== 'violated')
      out.push({
        file,
        problem:
          v.verdict === 'unreviewed'
            ? 'a new counterexample of an unreviewed pair awaits review'
            : `a counterexample of a pair spec/verdicts.json records as ${v.verdict}`,
        fix: `read its report, then record it with: ${accept}`,
      });
    else if (c.status !== 'expected')
      out.push({ file, problem: `status "${c.status}" on a pair recorded as violated`, fix: accept });
    if (c.bound !== undefined) {
      const over = overBound(c.scenario, c.bound);
      if (over.length > 0)
        out.push({
          file,
          problem: `larger than its size bound (${over.join(', ')}): shrinking got worse`,
          fix: 'find the smaller scenario again, or accept the larger one with a bound note',
        });
    }
  }
  return out;
};

/**
 * Samples of generated scenarios per design in the op-coverage check. 300 drew no successful
 * guest_program_msi on arm-gicv3-mbi (its VM programs succeed in about 3% of draws, as on GICv2m);
 * 600 draws 7.
 */
export const COVERAGE_SAMPLES = 600;

/**
 * Op coverage of the generators on one design: every op kind is generated, and succeeds at least
 * once unless the design rules it out (properties/coverage.ts cannotSucceed).
 */
export const coverageProblems = (design: Design, seed = SEED): string[] => {
  const counts = opCoverage(design, pairSeed(seed, design.id, 'coverage'), COVERAGE_SAMPLES);
  const out: string[] = [];
  for (const op of OP_KINDS) {
    const c = counts[op];
    if (c.generated === 0 && notGenerated(design, op) === undefined) out.push(`${op} is never generated`);
    const why = cannotSucceed(design, op);
    if (why === undefined && c.ok === 0)
      out.push(`${op} never succeeds (refusals: ${JSON.stringify(c.refused)})`);
    if (why !== undefined && c.ok > 0) out.push(`${op} succeeds ${c.ok} times, though ${why}`);
  }
  return out;
};

/** What a design file must show besides its verdicts: its canonical scenario as written, and op coverage. */
export const designProblems = (design: Design): Problem[] => {
  const file = `spec/designs/${design.id}.json`;
  return [
    ...canonicalProblems(design).map((problem) => ({
      file,
      problem,
      fix: 'correct canonical.refusals / canonical.undelivered (msispec new-design derives them)',
    })),
    ...coverageProblems(design).map((problem) => ({
      file,
      problem: `op coverage: ${problem}`,
      fix: 'the generators (properties/arbitraries) or cannotSucceed (properties/coverage.ts) need a change',
    })),
  ];
};
