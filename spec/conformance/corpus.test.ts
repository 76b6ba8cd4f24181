import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHES } from './hardware/arch.ts';
import { KINDS } from './hardware/expected.ts';
import { conform } from './runner.ts';

const DIR = new URL('.', import.meta.url).pathname;
/** What CI runs: `msispec conform spec/conformance/*.json`. */
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(DIR, f));

interface RawCase {
  readonly id: string;
  readonly source: string;
  readonly derived: boolean;
  readonly arch?: string;
  readonly expected?: { readonly kind: string };
}
const cases = (): RawCase[] =>
  FILES.flatMap((f) => {
    const v = JSON.parse(readFileSync(f, 'utf8')) as RawCase | RawCase[];
    return Array.isArray(v) ? v : [v];
  });
const hardware = () => cases().filter((c) => c.arch !== undefined);
const kernel = () => cases().filter((c) => c.arch === undefined);

describe('the conformance corpus (docs/conformance-format.md; issue 9 "Done means")', () => {
  it('every case of spec/conformance/*.json passes: 0 failed, 0 unsupported, exit 0', () => {
    const r = conform(FILES);
    const notPassed = r.lines.filter((l) => !l.startsWith('PASS ') && !l.startsWith('conformance: '));
    expect(notPassed).toEqual([]);
    const n = cases().length;
    expect(r.lines.at(-1)).toBe(`conformance: ${n} passed, 0 failed, 0 unsupported of ${n}`);
    expect(r.exitCode).toBe(0);
  });

  it('holds at least 40 hardware vectors covering every architecture and every outcome kind', () => {
    const hw = hardware();
    expect(hw.length).toBeGreaterThanOrEqual(40);
    expect(new Set(hw.map((c) => c.arch))).toEqual(new Set(ARCHES));
    expect(new Set(hw.map((c) => c.expected?.kind))).toEqual(new Set(KINDS));
    // Every architecture shows a delivered interrupt and at least one other outcome.
    for (const arch of ARCHES) {
      const kinds = new Set(hw.filter((c) => c.arch === arch).map((c) => c.expected?.kind));
      expect(kinds.has('interrupt'), arch).toBe(true);
      expect(kinds.size, arch).toBeGreaterThanOrEqual(2);
    }
  });

  it('every case cites its source (owner/repo[@commit] path symbol, a kernel path and function, a specification section, or "same as <id>")', () => {
    for (const c of cases()) {
      const cited =
        /^[\w.-]+\/[\w.-]+(@[0-9a-f]{7,40})? \S+ .+/.test(c.source) ||
        (c.arch === undefined && /^(drivers|tools|include|kernel)\/\S+ .+/.test(c.source)) ||
        /^same as \S+$/.test(c.source) ||
        /^(Intel SDM|Intel VT-d spec|AMD IOMMU spec) /.test(c.source);
      expect(cited, `${c.id}: ${c.source}`).toBe(true);
    }
  });

  it('the literal hardware transcriptions (derived: false) come from the RISC-V IOMMU reference model tests', () => {
    const literal = hardware().filter((c) => !c.derived);
    expect(literal.length).toBeGreaterThanOrEqual(20);
    const byId = new Map(cases().map((c) => [c.id, c]));
    for (const c of literal) {
      const source = c.source.startsWith('same as ') ? byId.get(c.source.slice(8))?.source : c.source;
      expect(source, c.id).toMatch(
        /^riscv-non-isa\/riscv-iommu@[0-9a-f]{40} iommu_ref_model\/test\/test_app\.c /,
      );
    }
  });

  it('holds at least 40 kernel cases; the literal ones (derived: false) come from the iommufd selftests', () => {
    const k = kernel();
    expect(k.length).toBeGreaterThanOrEqual(40);
    const literal = k.filter((c) => !c.derived);
    expect(literal.length).toBeGreaterThanOrEqual(10);
    for (const c of literal)
      expect(c.source, c.id).toMatch(/^tools\/testing\/selftests\/iommu\/iommufd\.c TEST_F\(/);
  });
});
