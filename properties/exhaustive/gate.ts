import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COUNTEREXAMPLES_DIR, readCounterexample } from '../../counterexamples/store.ts';
import type { DesignId } from '../../spec/designs/schema.ts';
import type { InvariantId } from '../../spec/invariants/types.ts';
import { expectedOf, type Verdicts } from '../../spec/verdicts.ts';
import { CERTIFICATES_DIR, certificateFor, sourcesHash } from './certificate.ts';
import { topologyWeight } from './enumerate.ts';
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
 * of it; a ✗ pair is violated within the scope and its stored counterexample carries a current
 * `certified minimal within <scope>` of the search's size.
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
      const ce = c.certificate.counterexample;
      const m = stored.certified;
      const weight = ce === undefined ? -1 : topologyWeight(ce.topology);
      if (
        m === undefined ||
        ce === undefined ||
        m.scope !== scope.name ||
        m.sources !== sourcesHash(design) ||
        m.topologyWeight !== weight ||
        m.ops !== ce.ops.length ||
        topologyWeight(stored.scenario.topology) !== weight ||
        stored.scenario.ops.length !== ce.ops.length
      ) {
        push(
          'uncertified',
          `${v.counterexample} is not certified minimal within ${scope.name}; run ${c.certificate.command}`,
        );
        continue;
      }
      push(
        'certified',
        `${v.counterexample} certified minimal ${within}: ${ce.ops.length} ops, topology weight ${weight}`,
      );
    }
  }
  return out;
};
