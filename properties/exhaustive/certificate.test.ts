import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTEREXAMPLES_DIR, readCounterexample } from '../../counterexamples/store.ts';
import { getDesign } from '../../spec/designs/load.ts';
import { getInvariant, INVARIANTS } from '../../spec/invariants/index.ts';
import type { InvariantId } from '../../spec/invariants/types.ts';
import { expectedOf, loadVerdicts, type Verdict } from '../../spec/verdicts.ts';
import { lazy } from '../lazy.ts';
import {
  certificateFor,
  certificatePath,
  certificatesOf,
  codeOf,
  readCertificate,
  sourcesHash,
  writeCertificate,
} from './certificate.ts';
import { judgeCertificates } from './gate.ts';
import { certifyCounterexample } from './minimal.ts';
import { proveDesign } from './prove.ts';
import { ScopeSchema } from './scope.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'msispec-cert-'));
const scope = ScopeSchema.parse({
  name: 'cert-test',
  description: 'test',
  boxes: [{ harts: [1, 1], devices: [1, 1], vectors: [1, 1], vms: [0, 1], resv: [[]], depth: 2 }],
  values: { iova: ['0x1000', '0x8000000'] },
});
const invariants = [...INVARIANTS.values()];

/**
 * Certificates record what the search found within a scope and what it ran on; a certificate
 * whose sources or scope changed is stale (issue 11: "a certificate whose hash no longer matches
 * is stale and is recomputed by the gate").
 */
describe('certificates', () => {
  // Searched inside the first test that asks (properties/lazy.ts).
  const state = lazy(() => {
    const design = getDesign('riscv-guest-files');
    const proof = proveDesign(design, scope, invariants);
    return { design, proof, certs: certificatesOf(proof, scope, scope.name, 'test') };
  });

  it('one per invariant, with the search’s figures, the sources hash and the reproducing command', () => {
    const { design, proof, certs } = state();
    expect(certs.map((c) => c.invariant)).toEqual([...INVARIANTS.keys()]);
    for (const c of certs) {
      expect(c.search.states).toBe(proof.distinct);
      expect(c.search.complete).toBe(true);
      expect(c.sources).toBe(sourcesHash(design.id));
      expect(c.command).toBe('npx msispec prove --design riscv-guest-files --scope cert-test');
      expect(c.search.collisionProbability).toBeLessThan(1e-12);
    }
    // RFC v2 patches 10-17: the MSI table maps only guest files, so a host IRQ's MSI faults.
    const delivery = certs.find((c) => c.invariant === 'msi-delivery');
    expect(delivery?.result).toBe('violated');
    expect(delivery?.counterexample?.afterOp).toBe((delivery?.counterexample?.ops.length ?? 0) - 1);
  });

  it('round-trips through its file, Biome-formatted, and is fresh until the sources or the scope change', () => {
    const { design, certs } = state();
    const dir = tmp();
    for (const c of certs) writeCertificate(c, dir);
    const file = certificatePath('msi-delivery', design.id, dir);
    expect(readCertificate(file)).toEqual(certs.find((c) => c.invariant === 'msi-delivery'));
    expect(readFileSync(file, 'utf8')).toMatch(/^\{\n {2}"invariant": "msi-delivery",\n/);
    const status = certificateFor(design.id, 'msi-delivery', scope, dir);
    expect(status.status).toBe('certified');
    expect(
      certificateFor(
        design.id,
        'msi-delivery',
        { ...scope, boxes: [{ ...scope.boxes[0], depth: 3 } as never] },
        dir,
      ).status,
    ).toBe('stale');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/sha256:[0-9a-f]+/, `sha256:${'0'.repeat(64)}`));
    expect(certificateFor(design.id, 'msi-delivery', scope, dir).status).toBe('stale');
    expect(certificateFor('x86-amd-ir', 'msi-delivery', scope, dir).status).toBe('none');
  });

  it('a malformed certificate names the file and the JSON path', () => {
    const { design, certs } = state();
    const dir = tmp();
    const file = certificatePath('msi-delivery', design.id, dir);
    mkdirSync(join(dir, 'msi-delivery'), { recursive: true });
    writeFileSync(file, JSON.stringify({ ...certs[0], result: 'maybe' }));
    expect(() => readCertificate(file)).toThrow(/msi-delivery\/riscv-guest-files\.json: \$\.result/);
  });
});

describe('stored counterexamples certified minimal within a scope', () => {
  const id = 'msi-delivery';
  const designId = 'riscv-no-msi-window';
  const src = join(COUNTEREXAMPLES_DIR, id, `${designId}.json`);
  const state = lazy(() => {
    const design = getDesign(designId);
    return { design, found: proveDesign(design, scope, [getInvariant(id)]).pairs[id] };
  });

  it('a counterexample as small as the search’s is marked, by the random search, and not rewritten twice', () => {
    const { design, found } = state();
    if (found?.result !== 'violated') throw new Error('expected a violation');
    const dir = tmp();
    mkdirSync(join(dir, id));
    copyFileSync(src, join(dir, id, `${designId}.json`));
    expect(certifyCounterexample(design, getInvariant(id), found, scope.name, dir).action).toBe('certified');
    const c = readCounterexample(join(dir, id, `${designId}.json`));
    expect(c.certified).toMatchObject({
      minimal: 'certified minimal within cert-test',
      by: 'random',
      ops: found.ops.length,
    });
    expect(c.scenario).toEqual(readCounterexample(src).scenario);
    expect(certifyCounterexample(design, getInvariant(id), found, scope.name, dir).action).toBe('unchanged');
  });

  it('a longer one is replaced by the search’s, which replays, keeping how it was first found', () => {
    const { design, found } = state();
    if (found?.result !== 'violated') throw new Error('expected a violation');
    const dir = tmp();
    mkdirSync(join(dir, id));
    const orig = readCounterexample(src);
    // A refused op first (releasing a host group: -EINVAL, vfio_group_release) makes it one op longer.
    const longer = {
      ...orig,
      scenario: { ...orig.scenario, ops: [{ op: 'vfio_group_release', group: 0 }, ...orig.scenario.ops] },
      violation: { ...orig.violation, afterOp: orig.violation.afterOp + 1 },
    };
    writeFileSync(join(dir, id, `${designId}.json`), JSON.stringify(longer));
    const r = certifyCounterexample(design, getInvariant(id), found, scope.name, dir);
    expect(r).toMatchObject({ action: 'replaced', was: { ops: orig.scenario.ops.length + 1 } });
    const c = readCounterexample(join(dir, id, `${designId}.json`));
    expect(c.scenario.ops).toEqual(found.ops);
    expect(c.certified?.by).toBe('exhaustive');
    expect(c.found).toEqual(orig.found);
    expect(c.status).toBe('expected');
  });
});

describe('the certificate gate against the verdict table', () => {
  const verdicts = loadVerdicts();
  const designId = 'riscv-guest-files';
  const state = lazy(() => {
    const design = getDesign(designId);
    return { design, proof: proveDesign(design, scope, invariants) };
  });
  const setup = () => {
    const dirs = { certificates: tmp(), counterexamples: tmp() };
    for (const c of certificatesOf(state().proof, scope, scope.name, 'test'))
      writeCertificate(c, dirs.certificates);
    return dirs;
  };
  const ids = [...INVARIANTS.keys()];
  const judged = (dirs: ReturnType<typeof setup>, table = verdicts) =>
    new Map(judgeCertificates(table, [designId], ids, scope, dirs).map((p) => [p.invariant, p]));

  it('✓ pairs holding within the scope are certified; pairs whose premise never arises say so and pass', () => {
    const j = judged(setup());
    expect(j.get('guest-containment')).toMatchObject({ status: 'certified', ok: true });
    // No DIRECT region in this scope: direct-mapped is vacuous here (iommu_create_device_direct_mappings).
    expect(j.get('direct-mapped')).toMatchObject({ status: 'vacuous', ok: true });
    expect(j.get('direct-mapped')?.why).toMatch(
      /premise out of scope: a device reports a DIRECT region never arises/,
    );
  });

  it('a ✗ pair is certified only once its stored counterexample carries the search’s size', () => {
    const { design, proof } = state();
    const dirs = setup();
    const id: InvariantId = 'msi-delivery';
    const v = expectedOf(verdicts, designId, id) as Extract<Verdict, { verdict: 'violated' }>;
    expect(judged(dirs).get(id)?.status).toBe('uncertified');
    mkdirSync(join(dirs.counterexamples, id));
    copyFileSync(join(COUNTEREXAMPLES_DIR, v.counterexample), join(dirs.counterexamples, v.counterexample));
    expect(judged(dirs).get(id)?.why).toMatch(/not certified minimal within cert-test/);
    const found = proof.pairs[id];
    if (found?.result !== 'violated') throw new Error('expected a violation');
    certifyCounterexample(design, getInvariant(id), found, scope.name, dirs.counterexamples);
    expect(judged(dirs).get(id)).toMatchObject({ status: 'certified', ok: true });
  });

  it('a search that contradicts the verdict table fails the pair, naming the ops', () => {
    const dirs = setup();
    const table = {
      ...verdicts,
      [designId]: {
        ...verdicts[designId],
        'msi-delivery': { verdict: 'holds' },
        'guest-containment': {
          verdict: 'violated',
          counterexample: 'guest-containment/riscv-guest-files.json',
          note: 'test',
        },
      },
    } as const;
    const j = judged(dirs, table);
    expect(j.get('msi-delivery')).toMatchObject({ status: 'disagrees', ok: false });
    expect(j.get('msi-delivery')?.why).toMatch(
      /verdict holds, but violated within cert-test \(\d+ states, ≤ 2 ops\) after 2 ops: vfio_group_assign → msi_domain_alloc_irqs/,
    );
    expect(j.get('guest-containment')).toMatchObject({ status: 'disagrees', ok: false });
    expect(j.get('guest-containment')?.why).toMatch(/verdict violated, but holds within cert-test/);
  });

  it('missing and stale certificates are uncertified, with the command that recomputes them', () => {
    const dirs = { certificates: tmp(), counterexamples: tmp() };
    expect(judged(dirs).get('msi-isolation')?.why).toMatch(
      /no certificate; run msispec prove --design riscv-guest-files/,
    );
    const stale = setup();
    const file = certificatePath('msi-isolation', designId, stale.certificates);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/sha256:[0-9a-f]+/, `sha256:${'1'.repeat(64)}`));
    expect(judged(stale).get('msi-isolation')?.why).toMatch(
      /stale .* run npx msispec prove --design riscv-guest-files --scope cert-test/,
    );
  });
});

describe('the code a certificate is computed on (codeOf, under sourcesHash)', () => {
  const base = [
    'const pick = (a: bigint): bigint => (a === 0n ? 1n : a);',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text is TypeScript source holding a template literal
    'export const s = `x ${pick(2n)} // y`;',
  ].join('\n');
  it('a comment (an equivalent-mutant mark) or a reformatting leaves it as it was', () => {
    const marked = `// Stryker disable next-line ConditionalExpression: same page either way\n${base}`;
    const reformatted = base.replace('(a === 0n ? 1n : a)', '(\n  a === 0n\n    ? 1n\n    : a /* page */\n)');
    expect(codeOf(marked)).toBe(codeOf(base));
    expect(codeOf(reformatted)).toBe(codeOf(base));
    expect(codeOf('f(a, [b, c], { d });')).toBe(codeOf('f(\n  a,\n  [b, c,],\n  { d, },\n);'));
  });
  it('a changed token, or text inside a template that only looks like a comment, changes it', () => {
    expect(codeOf(base.replace('1n : a', '0n : a'))).not.toBe(codeOf(base));
    expect(codeOf(base.replace('// y', '// z'))).not.toBe(codeOf(base));
    // An array hole is an element: [a,,] has length 2, [a,] length 1, [,] length 1.
    expect(codeOf('[a,,]')).not.toBe(codeOf('[a,]'));
    expect(codeOf('[,]')).not.toBe(codeOf('[]'));
  });
});
