import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../contract.ts';
import { kernelCaseKind } from './index.ts';

/**
 * The project's kernel cases (spec/conformance/kernel-*.json, conformance format section 4), each
 * parsed and run by kernelCaseKind as `msispec conform` would, after taking off the members common
 * to both kinds (section 1: id, source, derived, notes, string annotations). Every case must PASS.
 */
const DIR = new URL('..', import.meta.url).pathname;
const FILES = readdirSync(DIR)
  .filter((f) => /^kernel-.*\.json$/.test(f))
  .sort();

type Raw = Record<string, unknown>;
const own = (c: Raw): Raw =>
  Object.fromEntries(
    Object.entries(c).filter(
      ([k, v]) => !['id', 'source', 'derived', 'notes'].includes(k) && typeof v !== 'string',
    ),
  );
const cases: { file: string; c: Raw }[] = FILES.flatMap((file) => {
  const json: unknown = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  return (Array.isArray(json) ? json : [json]).map((c) => ({ file, c: c as Raw }));
});
const run = (c: Raw): CaseResult | { status: 'MALFORMED'; problems: unknown } => {
  const p = kernelCaseKind.parse(own(c));
  return p.ok ? kernelCaseKind.run(p.value) : { status: 'MALFORMED', problems: p.problems };
};

describe('kernel conformance cases (spec/conformance/kernel-*.json; conformance format sections 4, 5)', () => {
  it('there are at least 40, with unique ids, each citing its source and saying whether it is derived', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const ids = cases.map(({ c }) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { c } of cases) {
      expect(typeof c.source === 'string' && c.source.length > 0, String(c.id)).toBe(true);
      expect(typeof c.derived, String(c.id)).toBe('boolean');
    }
  });

  for (const { file, c } of cases) {
    it(`${file} ${String(c.id)} passes (${String(c.source)})`, () => {
      expect(run(c)).toEqual({ status: 'PASS' });
    });
  }
});

describe('the kernel-case runner reports differences (conformance format section 5)', () => {
  it('flipping the expect of any step of any case makes it FAIL at that step', () => {
    let flipped = 0;
    for (const { c } of cases) {
      const steps = c.steps as Raw[];
      steps.forEach((st, k) => {
        const m = structuredClone(c);
        const ms = m.steps as Raw[];
        ms[k] = { ...st, expect: st.expect === 'ok' ? '-EPERM' : 'ok' };
        const r = run(m);
        expect(r.status, `${String(c.id)} step ${k}`).toBe('FAIL');
        if (r.status === 'FAIL') expect(r.path.startsWith(`steps[${k}]`), r.path).toBe(true);
        flipped++;
      });
    }
    expect(flipped).toBeGreaterThan(100);
  });

  const base = (steps: Raw[], setup: Raw = {}): Raw => ({
    id: 't',
    source: 'drivers/iommu/iommufd/driver.c iommufd_sw_msi()',
    derived: true,
    setup: {
      ioas: [{ id: 'as0' }],
      devices: [
        {
          id: 'nic0',
          group: 'g0',
          msi_isolated: true,
          cache_coherent: true,
          resv_regions: [{ type: 'SW_MSI', start: '0x8000000', length: '0x100000' }],
        },
      ],
      ...setup,
    },
    steps,
  });
  const attached: Raw[] = [
    { op: 'iommufd_device_bind', args: { dev: 'nic0' }, expect: 'ok' },
    { op: 'hwpt_alloc', args: { dev: 'nic0', ioas: 'as0', id: 'P1' }, expect: 'ok' },
    { op: 'iommufd_device_attach', args: { dev: 'nic0', pt: 'P1' }, expect: 'ok' },
  ];

  it('a wrong errno is reported as steps[k].expect with both values as compact JSON', () => {
    const c = base([{ op: 'iommufd_device_bind', args: { dev: 'nic0' }, expect: '-EPERM' }]);
    expect(run(c)).toEqual({ status: 'FAIL', path: 'steps[0].expect', expected: '"-EPERM"', got: '"ok"' });
  });

  it('the first differing result field is named, hex in lower case (iommufd_sw_msi: IOVA = sw_msi_start + pgoff·PAGE_SIZE)', () => {
    const c = base([
      ...attached,
      {
        op: 'iommu_dma_prepare_msi',
        args: { dev: 'nic0', doorbell: '0x8090040' },
        expect: 'ok',
        result: { msi_shift: 12, msi_address: '0x8000044', msi_iova: '0x9000000' },
      },
    ]);
    expect(run(c)).toEqual({
      status: 'FAIL',
      path: 'steps[3].result.msi_address',
      expected: '"0x8000044"',
      got: '"0x8000040"',
    });
  });

  it('a repeated step reports the iteration: steps[k](i=<i>)…', () => {
    const c = base([
      ...attached,
      {
        op: 'iommu_dma_prepare_msi',
        repeat: 3,
        args: { dev: 'nic0', doorbell: { base: '0x20000040', stride: '0x1000' } },
        expect: 'ok',
        result: { msi_iova: { base: '0x8000000', stride: '0x2000' } },
      },
    ]);
    expect(run(c)).toEqual({
      status: 'FAIL',
      path: 'steps[3](i=1).result.msi_iova',
      expected: '"0x8002000"',
      got: '"0x8001000"',
    });
  });

  it('new_mappings compares every mapping of the step; got lists them with domains by name', () => {
    const c = base([
      ...attached,
      {
        op: 'iommu_dma_prepare_msi',
        args: { dev: 'nic0', doorbell: '0x8090040' },
        expect: 'ok',
        result: { new_mappings: [] },
      },
    ]);
    expect(run(c)).toEqual({
      status: 'FAIL',
      path: 'steps[3].result.new_mappings',
      expected: '[]',
      got: '[{"domain":"P1","iova":"0x8000000","phys":"0x8090000","size":"0x1000","prot":"READ|WRITE|MMIO"}]',
    });
  });

  it('a failing implicit setup action FAILs at setup (section 4.1; an IOAS mapping of length 0 is -EINVAL, iopt_alloc_pages)', () => {
    const c = base([{ op: 'probe_device', args: { dev: 'nic0' }, expect: 'ok' }], {
      ioas: [{ id: 'as0', mappings: [{ iova: '0x1000', length: '0x0' }] }],
    });
    expect(run(c)).toEqual({ status: 'FAIL', path: 'setup', expected: '"ok"', got: '"-EINVAL"' });
  });
});

describe('malformed kernel cases are reported with JSON paths relative to the case (conformance format sections 1, 4)', () => {
  const problemsOf = (c: Raw): string[] => {
    const p = kernelCaseKind.parse(own(c));
    return p.ok ? [] : p.problems.map((x) => `${x.path}: ${x.problem}`);
  };
  const dev = { id: 'd0', group: 'g0', resv_regions: [], msi_isolated: true, cache_coherent: true };
  const kase = (steps: unknown[], setup: Raw = { devices: [dev] }): Raw => ({
    id: 'm',
    source: 's',
    derived: true,
    setup,
    steps,
  });

  it.each([
    ['an unknown op', [{ op: 'iommu_map', args: {}, expect: 'ok' }], '.steps[0].op'],
    [
      'an arg the op does not take',
      [{ op: 'probe_device', args: { dev: 'd0', pasid: 1 }, expect: 'ok' }],
      '.steps[0].args.pasid',
    ],
    [
      'a missing required arg',
      [{ op: 'iommufd_device_attach', args: { dev: 'd0' }, expect: 'ok' }],
      '.steps[0].args.pt',
    ],
    [
      'an unknown device',
      [{ op: 'probe_device', args: { dev: 'nope' }, expect: 'ok' }],
      '.steps[0].args.dev',
    ],
    [
      'an hwpt no earlier step created',
      [{ op: 'iommufd_device_attach', args: { dev: 'd0', pt: 'P9' }, expect: 'ok' }],
      '.steps[0].args.pt',
    ],
    [
      'an affine value outside a repeated step',
      [
        {
          op: 'vfio_map_dma',
          args: { iova: { base: '0x0', stride: '0x1000' }, size: '0x1000' },
          expect: 'ok',
        },
      ],
      '.steps[0].args.iova',
    ],
    [
      'a result field on an op it does not belong to',
      [{ op: 'probe_device', args: { dev: 'd0' }, expect: 'ok', result: { msi_address: '0x0' } }],
      '.steps[0].result.msi_address',
    ],
    [
      'an expect that is no errno name',
      [{ op: 'probe_device', args: { dev: 'd0' }, expect: 'EINVAL' }],
      '.steps[0].expect',
    ],
    [
      'a selftest op without setup.mock',
      [{ op: 'selftest_add_reserved', args: { ioas: 'as0', start: '0x0', length: '0x1000' }, expect: 'ok' }],
      '.steps[0].op',
    ],
  ])('%s', (_what, steps, path) => {
    const setup = { devices: [dev], ioas: [{ id: 'as0' }] };
    expect(
      problemsOf(kase(steps, setup)).some((p) => p.startsWith(`${path}:`)),
      problemsOf(kase(steps, setup)).join('\n'),
    ).toBe(true);
  });

  it('an unknown setup member, a bad page size and a mock device without setup.mock are each named', () => {
    const p = problemsOf(
      kase([{ op: 'probe_device', args: { dev: 'd0' }, expect: 'ok' }], {
        devices: [{ ...dev, mock_device: true }],
        page_size: 8192,
        vms: 1,
      }),
    );
    expect(p.map((x) => x.split(':')[0])).toEqual(
      expect.arrayContaining(['.setup.vms', '.setup.page_size', '.setup.devices[0].mock_device']),
    );
  });

  it('an empty steps array is malformed', () => {
    expect(problemsOf(kase([]))).toEqual(['.steps: expected a non-empty array of steps']);
  });
});
