import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conform } from './runner.ts';

/**
 * The runner contract (docs/conformance-format.md, section 5): MALFORMED lines with JSON paths, run
 * nothing, exit 2; PASS / FAIL / UNSUPPORTED lines and the summary, exit 0 / 1; nothing written.
 */

const dir = () => mkdtempSync(join(tmpdir(), 'msispec-conform-'));
const file = (d: string, name: string, body: unknown): string => {
  const f = join(d, name);
  writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
  return f;
};
/** The directory's files with their contents and modification times. */
const snapshot = (d: string) =>
  readdirSync(d)
    .sort()
    .map((n) => [n, readFileSync(join(d, n), 'utf8'), statSync(join(d, n)).mtimeMs]);

/** A valid GICv2m vector (section 3.4 example) that the model passes. */
const v2m = (over: Record<string, unknown> = {}) => ({
  id: 'v2m',
  arch: 'gicv2m',
  source: 'qemu/qemu hw/intc/arm_gicv2m.c gicv2m_write()',
  derived: true,
  setup: { gicv2m: { frame_base: '0x0c000000', msi_setspi_ns: '0x0c000040', first_intid: 96, num_spis: 32 } },
  write: { requester_id: '0x0528', address: '0x0c000040', data: '0x00000070', size: 4 },
  expected: { kind: 'interrupt', controller: 'gic-spi', target: 'distributor', identity: 112 },
  ...over,
});
const kernel = {
  id: 'k',
  source: 'drivers/iommu/iommufd/device.c iommufd_device_bind()',
  derived: true,
  setup: { devices: [{ id: 'd', group: 'g', resv_regions: [], msi_isolated: true, cache_coherent: true }] },
  steps: [{ op: 'iommufd_device_bind', args: { dev: 'd' }, expect: 'ok' }],
};

/** Runs the checks on `cases` written to one file; returns the lines, the exit code and the file name. */
const run = (cases: unknown) => {
  const d = dir();
  const f = file(d, 'cases.json', cases);
  const before = snapshot(d);
  const r = conform([f]);
  expect(snapshot(d)).toEqual(before);
  return { ...r, f };
};

describe('malformed files: one MALFORMED line per problem with its JSON path, nothing run, exit 2', () => {
  it('a file that is not JSON', () => {
    const r = run('{"id": ');
    expect(r.exitCode).toBe(2);
    expect(r.lines).toEqual([`MALFORMED ${r.f}: $: not valid JSON: Unexpected end of JSON input`]);
  });
  it('an unreadable file and an empty array', () => {
    const d = dir();
    const empty = file(d, 'empty.json', []);
    const r = conform([join(d, 'missing.json'), empty]);
    expect(r.exitCode).toBe(2);
    expect(r.lines).toEqual([
      `MALFORMED ${join(d, 'missing.json')}: $: cannot read the file: ENOENT: no such file or directory, open '${join(d, 'missing.json')}'`,
      `MALFORMED ${empty}: $: empty array: a file holds one case object or a non-empty array of cases`,
    ]);
  });
  it('a case with the members of both kinds, and one with those of neither', () => {
    const r = run([
      { ...v2m(), steps: [] },
      { id: 'n', source: 's', derived: true, arch: 'imsic' },
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.lines).toEqual([
      `MALFORMED ${r.f}: $[0]: matches both kinds: a kernel case (steps) must not have arch, write, expected`,
      `MALFORMED ${r.f}: $[1]: matches neither kind: a hardware vector needs arch, write and expected (missing: write, expected)`,
    ]);
  });
  it('an unknown member inside setup, and a top-level member that is not a string (strings are annotations)', () => {
    const c = v2m({ why: 'an annotation, ignored', weight: 3 });
    (c.setup.gicv2m as Record<string, unknown>).colour = 'blue';
    const r = run(c);
    expect(r.exitCode).toBe(2);
    // Document order: `weight` comes after `expected` in this case object.
    expect(r.lines).toEqual([
      `MALFORMED ${r.f}: $.setup.gicv2m.colour: unknown member (allowed: frame_base, msi_setspi_ns, first_intid, num_spis, smmu)`,
      `MALFORMED ${r.f}: $.weight: unknown member with a non-string value (an annotation must be a string)`,
    ]);
  });
  it('a bad hex value, a bad token and an affine value outside a repeated step', () => {
    const r = run([
      v2m({
        write: {
          requester_id: '0x05g8',
          address: '0x0c000040',
          data: '0x70',
          size: 4,
          access: 'posted write',
        },
      }),
      v2m({
        id: 'affine',
        write: {
          requester_id: '0x0528',
          address: { base: '0x0c000040', stride: '0x4' },
          data: '0x70',
          size: 4,
        },
      }),
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.lines).toEqual([
      `MALFORMED ${r.f}: $[0].write.requester_id: expected hex (a string "0x" followed by hex digits), got "0x05g8"`,
      `MALFORMED ${r.f}: $[0].write.access: unknown token "posted write" (allowed: [untranslated | translated] read | write | exec | read-for-execute)`,
      `MALFORMED ${r.f}: $[1].write.address: affine value {"base", "stride"} outside a repeated step`,
    ]);
  });
  it('a token whose comment does not close, and a value out of range', () => {
    const r = run(
      v2m({
        write: {
          requester_id: '0x10000',
          address: '0x0c000040',
          data: '0x70',
          size: 0,
          access: 'write (no close',
        },
      }),
    );
    expect(r.lines).toEqual([
      `MALFORMED ${r.f}: $.write.requester_id: hex 0x10000 does not fit in 16 bits (at most 0xffff)`,
      `MALFORMED ${r.f}: $.write.size: integer 0 out of range (allowed: 1 to 4096)`,
      `MALFORMED ${r.f}: $.write.access: token "write (no close": a comment opened with " (" must close with ")" at the end`,
    ]);
  });
  it('duplicate ids across files', () => {
    const d = dir();
    const a = file(d, 'a.json', v2m());
    const b = file(d, 'b.json', [v2m({ id: 'other' }), v2m()]);
    const r = conform([a, b]);
    expect(r.exitCode).toBe(2);
    expect(r.lines).toEqual([`MALFORMED ${b}: $[1].id: duplicate id "v2m" (first at ${a} $)`]);
  });
  it('"same as <id>" naming no case of the same file', () => {
    const d = dir();
    const a = file(d, 'a.json', v2m({ id: 'base' }));
    const b = file(d, 'b.json', [v2m({ id: 'x', source: 'same as base' })]);
    const r = conform([a, b]);
    expect(r.exitCode).toBe(2);
    expect(r.lines).toEqual([
      `MALFORMED ${b}: $[0].source: "same as base": no case with id "base" in this file`,
    ]);
  });
  it('a missing common member and a wrong type', () => {
    const c: Record<string, unknown> = v2m({ derived: 'yes' });
    delete c.source;
    const r = run(c);
    expect(r.lines).toEqual([
      `MALFORMED ${r.f}: $.derived: expected a bool (allowed: true, false), got "yes"`,
      `MALFORMED ${r.f}: $.source: missing required member`,
    ]);
  });
  it('a setup value the format forbids names the rule (GITS_TRANSLATER at its_base + 0x10040)', () => {
    const c = {
      id: 'its',
      arch: 'gicv3-its',
      source: 'qemu/qemu hw/intc/arm_gicv3_its.c gicv3_its_translation_write()',
      derived: true,
      setup: {
        its: {
          its_base: '0x0a000000',
          gits_translater: '0x0a000040',
          enabled: true,
          device_table_entries: 1024,
          device_table: {},
          itt: {},
          collection_table: {},
          redistributors: 4,
        },
      },
      write: { requester_id: '0x0042', address: '0x0a010040', data: '0x0', size: 4 },
      expected: { kind: 'dropped' },
    };
    const r = run(c);
    expect(r.lines).toEqual([
      `MALFORMED ${r.f}: $.setup.its.gits_translater: must equal its_base + 0x10040 = 0xa010040`,
    ]);
  });
});

describe('running: PASS / FAIL / UNSUPPORTED lines in argument and file order, the summary, exit 0 / 1', () => {
  it('PASS and exit 0 when every case passes', () => {
    const r = run(v2m());
    expect(r.lines).toEqual(['PASS v2m', 'conformance: 1 passed, 0 failed, 0 unsupported of 1']);
    expect(r.exitCode).toBe(0);
  });
  it('FAIL names the first differing member: kind first, then members in file order, hex as lower-case strings', () => {
    const r = run([
      v2m({
        id: 'identity',
        expected: { kind: 'interrupt', controller: 'gic-spi', identity: 113, target: 'distributor' },
      }),
      v2m({ id: 'kind', expected: { kind: 'dropped', reason: 'text is never compared' } }),
      v2m({
        id: 'pa',
        write: { requester_id: '0x0528', address: '0x0c001000', data: '0x70', size: 4 },
        expected: { kind: 'memory', pa: '0x0C001004', data: '0x70' },
      }),
    ]);
    expect(r.lines).toEqual([
      'FAIL identity: expected.identity: expected 113 got 112',
      'FAIL kind: expected.kind: expected "dropped" got "interrupt"',
      'FAIL pa: expected.pa: expected "0xc001004" got "0xc001000"',
      'conformance: 0 passed, 3 failed, 0 unsupported of 3',
    ]);
    expect(r.exitCode).toBe(1);
  });
  it('a kernel case runs through the kernel kind beside a hardware vector, exit 0 (section 4)', () => {
    const r = run([v2m(), kernel]);
    expect(r.lines).toEqual(['PASS v2m', 'PASS k', 'conformance: 2 passed, 0 failed, 0 unsupported of 2']);
    expect(r.exitCode).toBe(0);
  });
});
