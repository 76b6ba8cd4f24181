import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COUNTEREXAMPLES_DIR, readCounterexample } from '../../counterexamples/store.ts';
import type { DesignId } from '../../spec/designs/schema.ts';
import type { InvariantId } from '../../spec/invariants/types.ts';
import { WITNESS_CLASS_TEXT, weakerClass } from '../../spec/invariants/witness-class.ts';
import { expectedOf, type Verdicts } from '../../spec/verdicts.ts';
import { CERTIFICATES_DIR, certificateFor, sourcesHash, violatedOf } from './certificate.ts';
import { topologyWeight } from './enumerate.ts';
import { targetOf } from './prove.ts';
import type { Scope } from './scope.ts';

/** One pair judged on its certificate against the verdict table. */
export interface CertifiedPair {
  readonly design: DesignId;
  readonly invariant: InvariantId;
  readonly expected: ReturnType<typeof expectedOf>['verdict'];
  /**
   * `certified`: ✓ holds within the scope, or ✗ with its stored counterexample certified minimal;
   * `vacuous`: ✓ but the premise never arises within the scope (said, not failed);
   * `disagrees`: the search contradicts the verdict table; `uncertified`: no fresh, complete
   * certificate, a ✗ whose stored counterexample is not certified minimal, or a pair with no
   * verdict yet.
   */
  readonly status: 'certified' | 'vacuous' | 'disagrees' | 'uncertified';
  readonly ok: boolean;
  /** Why, in one line. */
  readonly why: string;
}

/**
 * Judges every pair on its certificate: fresh (current sources and scope) and complete, and
 * agreeing with the verdict table — a ✓ (or n/a) pair holds within the scope or its premise is out
 * of it; a ✗ pair is violated within the scope and its stored counterexample is of the strongest
 * witness class the search found and carries a current `certified minimal within <scope>` of the
 * size of the search's least violation of that class.
 */
export const judgeCertificates = (
  verdicts: Verdicts,
  designs: readonly DesignId[],
  invariants: readonly InvariantId[],
  scope: Scope,
  dirs: { certificates?: string; counterexamples?: string } = {},
): CertifiedPair[] => {
  const out: CertifiedPair[] = [];
  for (const design of designs) {
    for (const invariant of invariants) {
      const v = expectedOf(verdicts, design, invariant);
      const base = { design, invariant, expected: v.verdict };
      const push = (status: CertifiedPair['status'], why: string) =>
        out.push({ ...base, status, ok: status === 'certified' || status === 'vacuous', why });
      const c = certificateFor(design, invariant, scope, dirs.certificates ?? CERTIFICATES_DIR);
      if (c.status === 'none') {
        push('uncertified', `no certificate; run msispec prove --design ${design} --scope ${scope.name}`);
        continue;
      }
      if (c.status === 'stale') {
        push(
          'uncertified',
          `the certificate is stale (other sources or scope); run ${c.certificate.command}`,
        );
        continue;
      }
      if (!c.complete) {
        push(
          'uncertified',
          `the search was truncated at ${c.states} states; the scope is too large for its limit`,
        );
        continue;
      }
      const within = `within ${scope.name} (${c.states} states, ≤ ${c.depth} ops)`;
      if (v.verdict === 'unreviewed') {
        // A pair with no verdict yet fails the random gate too; msispec accept records one.
        push(
          'uncertified',
          `no verdict in spec/verdicts.json yet; the search finds it ${c.result} ${within}`,
        );
        continue;
      }
      if (v.verdict !== 'violated') {
        if (c.result === 'holds') push('certified', `holds ${within}`);
        else if (c.result === 'vacuous')
          push('vacuous', `premise out of scope: ${c.certificate.premise} never arises ${within}`);
        else {
          const ce = c.certificate.counterexample;
          push(
            'disagrees',
            `verdict ${v.verdict}, but violated ${within} after ${ce?.ops.length ?? '?'} ops: ${ce?.ops.map((o) => o.op).join(' → ') ?? ''}`,
          );
        }
        continue;
      }
      if (c.result !== 'violated') {
        push('disagrees', `verdict violated, but ${c.result} ${within}`);
        continue;
      }
      const file = join(dirs.counterexamples ?? COUNTEREXAMPLES_DIR, v.counterexample);
      if (!existsSync(file)) {
        push('uncertified', `the stored counterexample ${v.counterexample} is missing`);
        continue;
      }
      const stored = readCounterexample(file);
      const found = violatedOf(c.certificate);
      const cls = stored.violation.class;
      const target = found === undefined ? undefined : targetOf(found);
      // The least violation of the stored file's class (or stronger); the overall least without one.
      const least = cls === undefined ? found : found?.classes[cls];
      if (target !== undefined && weakerClass(cls, target.class)) {
        push(
          'uncertified',
          `${v.counterexample} raises ${cls === undefined ? 'no interrupt' : WITNESS_CLASS_TEXT[cls]}, weaker than ${target.class === undefined ? '' : WITNESS_CLASS_TEXT[target.class]} found ${within} in ${target.least.ops.length} ops; run ${c.certificate.command}`,
        );
        continue;
      }
      const m = stored.certified;
      if (
        m === undefined ||
        least === undefined ||
        m.scope !== scope.name ||
        m.sources !== sourcesHash(design) ||
        m.class !== cls ||
        m.topologyWeight !== least.weight ||
        m.ops !== least.ops.length ||
        topologyWeight(stored.scenario.topology) !== least.weight ||
        stored.scenario.ops.length !== least.ops.length
      ) {
        push(
          'uncertified',
          `${v.counterexample} is not certified minimal within ${scope.name}${cls === undefined ? '' : ' for its class'}; run ${c.certificate.command}`,
        );
        continue;
      }
      push(
        'certified',
        `${v.counterexample} certified minimal ${within}${cls === undefined ? '' : ` for its class (${WITNESS_CLASS_TEXT[cls]})`}: ${least.ops.length} ops, topology weight ${least.weight}`,
      );
    }
  }
  return out;
};
