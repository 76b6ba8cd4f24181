import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Repo } from '../spec/repo.ts';
import { dataCopy, runCli, treeHash } from './testing.ts';

/**
 * A fuzz test of the CLI over the classes of bad input and fault of issue 8: MSISPEC_* values,
 * flags and their values, ids, paths, malformed stored files, outputs that must not overwrite
 * inputs, and proposals the gate must reject. Every input runs in-process on a copy of the data and
 * must end in its one expected exit code (2 for bad input, 1 for a real gate failure) with one
 * clear line on stderr, no stack trace, and no file of the copy changed.
 */
const repo = dataCopy();
const scratch = mkdtempSync(join(tmpdir(), 'msispec-fuzz-'));
afterAll(() => {
  rmSync(repo.root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

interface Case {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env?: Record<string, string>;
  readonly code: 1 | 2;
  /** Changes the copy before the run; the copy is restored after it. */
  readonly setup?: (r: Repo) => void;
}

const PAIR = ['--design', 'x86-amd-ir', '--invariant', 'msi-isolation', '--runs', '2'];
const COMMANDS = [
  ['help'],
  ['check', '--help'],
  ['check', ...PAIR],
  ['report'],
  ['explain', 'x86-amd-ir'],
  ['diff', '--help'],
];
const BAD_INTS = ['abc', '1.5', '1e3', '0x10', ' ', 'NaN', 'Infinity', '99999999999999999999', '-'];

const envCases: Case[] = ['MSISPEC_SEED', 'MSISPEC_RUNS', 'MSISPEC_HW_RUNS', 'MSISPEC_MAX_OPS'].flatMap(
  (name, n) =>
    BAD_INTS.concat(name === 'MSISPEC_SEED' ? ['4294967296'] : ['0', '-3', '100001']).map((value, k) => ({
      name: `env ${name}=${JSON.stringify(value)}`,
      argv: COMMANDS[(n + k) % COMMANDS.length] ?? ['help'],
      env: { [name]: value },
      code: 2,
    })),
);

const flagCases: Case[] = [
  ...['--runs', '--seed'].flatMap((flag) =>
    [
      ...BAD_INTS,
      ...(flag === '--runs' ? ['0', '-1', '100001', '1000000000'] : ['2147483648', '-2147483649']),
      '--json',
    ].map((v) => ({
      name: `check ${flag} ${v}`,
      argv: ['check', '--design', 'x86-amd-ir', flag, v],
      code: 2 as const,
    })),
  ),
  ...[
    ['check', '--sede', '3'],
    ['check', '--json=yes'],
    ['check', '--design'],
    ['check', '--design='],
    ['check', '--runs', '3', '--runs', '4'],
    ['check', 'extra'],
    ['check', '-x'],
    ['check', '--'],
    ['report', 'now'],
    ['report', '--force'],
    ['replay'],
    ['replay', 'a.json', 'b.json'],
    ['explain'],
    ['explain', 'a', 'b'],
    ['accept'],
    ['accept', '--all-new', 'msi-isolation/x86-amd-ir'],
    ['accept', 'msi-isolation/x86-amd-ir', '--note', ''],
    ['accept', 'msi-isolation/x86-amd-ir', '--note', 'two\nlines'],
    ['new-design'],
    ['new-design', 'a-b', 'c-d', '--from', 'x86-amd-ir'],
    ['new-design', 'my-design'],
    ['diff', 'a', 'b'],
    ['diff', '--markdown', '--json'],
    ['chekc'],
    ['--bogus'],
    [''],
  ].map((argv) => ({ name: argv.join(' ') || '(empty command)', argv, code: 2 as const })),
];

const idCases: Case[] = [
  ...['x86-vtd', 'X86-AMD-IR', 'riscv', 'x86-amd-ir,', 'x86-amd-ir,nope', '../x86-amd-ir', 'a b'].map(
    (id) => ({
      name: `check --design ${JSON.stringify(id)}`,
      argv: ['check', '--design', id, '--runs', '2'],
      code: 2 as const,
    }),
  ),
  ...['msi-isolaton', 'isolation', 'MSI-ISOLATION', ''].map((id) => ({
    name: `check --invariant ${JSON.stringify(id)}`,
    argv: ['check', '--invariant', id, '--runs', '2'],
    code: 2 as const,
  })),
  ...['x86-vtd', 'nope'].map((id) => ({ name: `explain ${id}`, argv: ['explain', id], code: 2 as const })),
  ...[
    'msi-isolation',
    'msi-isolation/',
    '/x86-amd-ir',
    'msi-isolaton/x86-amd-ir',
    'msi-isolation/x86-amd',
    'a/b/c',
  ].map((p) => ({ name: `accept ${p}`, argv: ['accept', p], code: 2 as const })),
  ...[
    ['Bad_Id', '--from', 'x86-amd-ir'],
    ['x86-amd-ir', '--from', 'x86-vtd-ir'],
    ['my-design', '--from', 'x86-amd'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'policy.doorbells=maybe'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'policy.doorbell=hw-window'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'policy'],
    ['my-design', '--from', 'x86-amd-ir', '--set', '=1'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'claims.isolatedMsi=true'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'id=other'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'canonical.refusals=[]'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'hardware.ir.x=1'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'canonical.ops.99.device=0'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'canonical.topology.harts=9'],
    ['my-design', '--from', 'x86-amd-ir', '--set', 'seeds=["999"]'],
  ].map((a) => ({ name: `new-design ${a.join(' ')}`, argv: ['new-design', ...a], code: 2 as const })),
];

const pathCases = (): Case[] => {
  const notJson = join(scratch, 'not.json');
  const junk = join(scratch, 'junk.txt');
  writeFileSync(notJson, '{ nope');
  writeFileSync(junk, 'keep me\n');
  return [
    ...[scratch, '/dev/zero', '/dev/null', '/dev/stdin', join(scratch, 'absent.json'), notJson, junk].map(
      (f) => ({
        name: `replay ${f}`,
        argv: ['replay', f],
        code: 2 as const,
      }),
    ),
    ...[scratch, join(scratch, 'absent.json'), notJson, '/dev/zero'].map((f) => ({
      name: `check --verdicts ${f}`,
      argv: ['check', ...PAIR, '--verdicts', f],
      code: 2 as const,
    })),
    ...[
      join(repo.root, 'spec', 'verdicts.json'),
      join(repo.root, 'spec', 'new.xml'),
      join(repo.counterexamples, 'msi-isolation', 'x86-vtd-ir-nosid.json'),
      join(repo.counterexamples, 'gate.xml'),
      junk,
      scratch,
      join(scratch, 'no', 'dir', 'gate.xml'),
    ].map((f) => ({ name: `check --junit ${f}`, argv: ['check', ...PAIR, '--junit', f], code: 2 as const })),
  ];
};

/** Edits a JSON file of the copy. */
const editJson = (file: string, edit: (j: Record<string, unknown>) => void) => (r: Repo) => {
  const path = join(r.root, file);
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};
const writeRaw = (file: string, text: string) => (r: Repo) => {
  mkdirSync(join(r.root, file, '..'), { recursive: true });
  writeFileSync(join(r.root, file), text);
};
const CE = 'counterexamples/msi-isolation/x86-vtd-ir-nosid.json';
const storedCases: Case[] = [
  ['design not JSON', writeRaw('spec/designs/x86-amd-ir.json', '{')],
  ['design empty', writeRaw('spec/designs/x86-amd-ir.json', '')],
  [
    'design bad enum',
    editJson('spec/designs/x86-amd-ir.json', (j) => ((j.policy as Record<string, unknown>).doorbells = 'x')),
  ],
  [
    'design unknown field',
    editJson('spec/designs/x86-amd-ir.json', (j) => ((j.policy as Record<string, unknown>).typo = 1)),
  ],
  [
    'design retired field',
    editJson(
      'spec/designs/x86-amd-ir.json',
      (j) => ((j.claims as Record<string, unknown>).isolatedMsi = true),
    ),
  ],
  ['design id not file name', editJson('spec/designs/x86-amd-ir.json', (j) => (j.id = 'x86-amd'))],
  [
    'design canonical op off topology',
    editJson(
      'spec/designs/x86-amd-ir.json',
      (j) =>
        ((j.canonical as Record<string, unknown>).ops = [
          { op: 'irq_set_affinity', device: 0, vector: 0, hart: 9 },
        ]),
    ),
  ],
  ['verdicts not JSON', writeRaw('spec/verdicts.json', '[')],
  ['verdicts unknown design row', editJson('spec/verdicts.json', (j) => (j['x86-amd'] = {}))],
  [
    'verdicts unknown invariant',
    editJson(
      'spec/verdicts.json',
      (j) => ((j['x86-amd-ir'] as Record<string, unknown>)['msi-isolaton'] = { verdict: 'holds' }),
    ),
  ],
  [
    'verdicts other pair file',
    editJson(
      'spec/verdicts.json',
      (j) =>
        ((j['x86-vtd-ir-nosid'] as Record<string, unknown>)['msi-isolation'] = {
          verdict: 'violated',
          counterexample: 'msi-isolation/x86-no-ir.json',
          note: 'x',
        }),
    ),
  ],
  [
    'verdicts violated without note',
    editJson(
      'spec/verdicts.json',
      (j) =>
        ((j['x86-vtd-ir-nosid'] as Record<string, unknown>)['msi-isolation'] = {
          verdict: 'violated',
          counterexample: 'msi-isolation/x86-vtd-ir-nosid.json',
        }),
    ),
  ],
  ['counterexample not JSON', writeRaw(CE, 'nope')],
  ['counterexample bad status', editJson(CE, (j) => (j.status = 'reviewed'))],
  ['counterexample without bound', editJson(CE, (j) => delete j.bound)],
  [
    'counterexample afterOp past the ops',
    editJson(CE, (j) => ((j.violation as Record<string, unknown>).afterOp = 9)),
  ],
  [
    'counterexample of an unknown design',
    writeRaw(
      'counterexamples/msi-isolation/nope.json',
      readFileSync(join(repo.root, CE), 'utf8').replaceAll('x86-vtd-ir-nosid', 'nope'),
    ),
  ],
  [
    'counterexample in an unknown folder',
    writeRaw('counterexamples/msi-isolaton/x86-vtd-ir-nosid.json', readFileSync(join(repo.root, CE), 'utf8')),
  ],
  [
    'counterexample in the wrong folder',
    writeRaw('counterexamples/guest-containment/x86-no-ir.json', readFileSync(join(repo.root, CE), 'utf8')),
  ],
  ['counterexample folder is a file', writeRaw('counterexamples/dma-containment/x86-amd-ir.json/x', '{}')],
].flatMap(([what, setup]) =>
  [
    ['check', ...PAIR],
    ['report'],
    ['accept', '--all-new'],
    ['new-design', 'my-design', '--from', 'x86-amd-ir'],
  ].map((argv) => ({
    name: `${what as string}: ${argv[0]}`,
    argv,
    code: 2 as const,
    setup: setup as (r: Repo) => void,
  })),
);

const proposalCases = (): Case[] => {
  const table = JSON.parse(readFileSync(repo.verdicts, 'utf8')) as Record<string, Record<string, unknown>>;
  const propose = (design: string, inv: string, v: unknown): string => {
    const t = structuredClone(table);
    (t[design] as Record<string, unknown>)[inv] = v;
    const f = join(scratch, `proposal-${design}-${inv}.json`);
    writeFileSync(f, JSON.stringify(t));
    return f;
  };
  return [
    ['x86-vtd-ir-nosid', 'msi-isolation', { verdict: 'holds' }],
    ['x86-vtd-ir-nosid', 'guest-containment', { verdict: 'n/a', reason: 'proposed' }],
    [
      'x86-amd-ir',
      'msi-isolation',
      { verdict: 'violated', counterexample: 'msi-isolation/x86-amd-ir.json', note: 'proposed' },
    ],
  ].map(([d, i, v]) => ({
    name: `check --verdicts proposing ${d} × ${i} ${JSON.stringify(v)}`,
    argv: [
      'check',
      '--design',
      d as string,
      '--invariant',
      i as string,
      '--runs',
      '20',
      '--verdicts',
      propose(d as string, i as string, v),
    ],
    code: 1 as const,
  }));
};

const restore = (r: Repo, before: Map<string, string | undefined>): void => {
  for (const [f, text] of before) {
    const path = join(r.root, f);
    if (text === undefined) rmSync(path, { recursive: true, force: true });
    else writeFileSync(path, text);
  }
};
/** The files a setup may touch, with their content (undefined: absent), to put them back. */
const TOUCHED = [
  'spec/designs/x86-amd-ir.json',
  'spec/verdicts.json',
  CE,
  'counterexamples/msi-isolation/nope.json',
  'counterexamples/msi-isolaton',
  'counterexamples/guest-containment/x86-no-ir.json',
  'counterexamples/dma-containment',
  'spec/designs/my-design.json',
];

describe('CLI fuzz over bad input and faults (issue 8: one clear error, the right exit code, nothing written)', () => {
  it('≥ 100 inputs: 0 stack traces, 0 wrong exit codes, 0 files changed by a failing run', async () => {
    const cases = [...envCases, ...flagCases, ...idCases, ...pathCases(), ...storedCases, ...proposalCases()];
    const saved = new Map(
      TOUCHED.map((f) => [
        f,
        existsSync(join(repo.root, f)) ? readFileSync(join(repo.root, f), 'utf8') : undefined,
      ]),
    );
    const traces: string[] = [];
    const wrongCode: string[] = [];
    const unclear: string[] = [];
    const changed: string[] = [];
    for (const c of cases) {
      c.setup?.(repo);
      const before = treeHash(repo.root);
      const r = await runCli(c.argv, { repo, ...(c.env === undefined ? {} : { env: c.env }) });
      if (/\n\s+at [^\n]+:\d+:\d+/.test(r.err) || r.err.includes('internal error'))
        traces.push(`${c.name}: ${r.err}`);
      if (r.code !== c.code)
        wrongCode.push(`${c.name}: exit ${r.code}, expected ${c.code}: ${r.err || r.out.slice(-300)}`);
      if (c.code === 2 && !/^msispec: [^\n]+\n$/.test(r.err))
        unclear.push(`${c.name}: ${JSON.stringify(r.err)}`);
      if (treeHash(repo.root) !== before) changed.push(c.name);
      restore(repo, saved);
    }
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(traces).toEqual([]);
    expect(wrongCode).toEqual([]);
    expect(unclear).toEqual([]);
    expect(changed).toEqual([]);
  }, 600_000);
});

describe('faults while writing (issue 8)', () => {
  it('a reports/ that cannot be written: the verdicts are still reported, then one clean message and exit 2', async () => {
    const copy = dataCopy();
    try {
      // Root may write anywhere, so "cannot be written" is a folder where a report file must go.
      rmSync(join(copy.reports, 'index.md'));
      mkdirSync(join(copy.reports, 'index.md', 'x'), { recursive: true });
      const r = await runCli(['check', ...PAIR], { repo: copy });
      expect(r.code).toBe(2);
      expect(r.out).toContain('gate passed: 1 pair match spec/verdicts.json');
      expect(r.err.replace(/^checked .*\n/gm, '')).toMatch(
        /^msispec: could not update reports\/: E[A-Z]+: [^\n]+\nmsispec: the gate passed, but 1 file could not be written \(above\)\n$/,
      );
    } finally {
      rmSync(copy.root, { recursive: true, force: true });
    }
  });

  it('a temporary file a killed run left is removed by the next run that writes', async () => {
    const copy = dataCopy();
    try {
      const left = join(copy.reports, 'index.md.99999999.tmp');
      writeFileSync(left, 'half');
      const r = await runCli(['check', ...PAIR], { repo: copy });
      expect(r.code).toBe(0);
      expect(r.err).toContain('removed a temporary file a killed run left: reports/index.md.99999999.tmp');
      expect(existsSync(left)).toBe(false);
    } finally {
      rmSync(copy.root, { recursive: true, force: true });
    }
  });
});
