import { describe, expect, it } from 'vitest';
import {
  byFolder,
  folderOf,
  foldersToRun,
  type MutantStatus,
  markEquivalent,
  mergeResults,
  outOfDate,
  type Results,
  scoresOf,
  scoreTable,
} from './results.ts';

/**
 * The kept mutation results (properties/mutation/results.ts): Stryker's report JSON
 * (mutation-testing-report-schema: files → mutants with coveredBy/killedBy test ids, testFiles →
 * tests), merged across runs and scored per folder of model/ against properties/mutation/targets.json.
 */
const mutant = (
  id: string,
  status: Results['files'][string]['mutants'][number]['status'],
  killedBy?: string[],
) => ({
  id,
  status,
  coveredBy: killedBy ?? [],
  ...(killedBy === undefined ? {} : { killedBy }),
});

describe('mergeResults', () => {
  const base: Results = {
    files: {
      'model/hw/a.ts': { source: 'a1', mutants: [mutant('0', 'Survived')] },
      'model/kernel/b.ts': { source: 'b', mutants: [mutant('1', 'Killed', ['1'])] },
    },
    testFiles: {
      'model/hw/a.test.ts': { tests: [{ id: '0', name: 'a works' }] },
      'model/kernel/b.test.ts': { tests: [{ id: '1', name: 'b works' }] },
    },
  };
  const run: Results = {
    files: { 'model/hw/a.ts': { source: 'a2', mutants: [mutant('0', 'Killed', ['0'])] } },
    testFiles: { 'model/hw/a.test.ts': { tests: [{ id: '0', name: 'a is bounded' }] } },
  };

  it('takes the run’s mutants for the files it mutated and keeps the others’', () => {
    const m = mergeResults(base, run);
    expect(Object.keys(m.files)).toEqual(['model/hw/a.ts', 'model/kernel/b.ts']);
    expect(m.files['model/hw/a.ts']?.source).toBe('a2');
    expect(m.files['model/hw/a.ts']?.mutants[0]?.status).toBe('Killed');
    expect(m.files['model/kernel/b.ts']?.mutants[0]?.status).toBe('Killed');
  });

  it('gives each test one id across both runs and renumbers coveredBy and killedBy with it', () => {
    const m = mergeResults(base, run);
    const byId = new Map(
      Object.entries(m.testFiles ?? {}).flatMap(([f, tf]) => tf.tests.map((t) => [t.id, `${f}: ${t.name}`])),
    );
    expect(byId.size).toBe(3);
    const killer = (f: string) => m.files[f]?.mutants[0]?.killedBy?.map((id) => byId.get(id));
    expect(killer('model/hw/a.ts')).toEqual(['model/hw/a.test.ts: a is bounded']);
    expect(killer('model/kernel/b.ts')).toEqual(['model/kernel/b.test.ts: b works']);
  });
});

describe('scoresOf', () => {
  const targets = { overall: 90, folder: 85, noCoverageMax: 2 };
  const of = (statuses: Results['files'][string]['mutants'][number]['status'][]) =>
    statuses.map((s, i) => mutant(String(i), s));

  it('counts killed and timed-out as detected, of all mutants but the marked equivalent (Ignored) ones', () => {
    const s = scoresOf(
      {
        files: {
          'model/hw/x.ts': {
            source: '',
            mutants: of(['Killed', 'Timeout', 'Survived', 'NoCoverage', 'Ignored']),
          },
        },
      },
      targets,
    );
    expect(s.overall).toMatchObject({
      mutants: 4,
      killed: 1,
      timeout: 1,
      survived: 1,
      noCoverage: 1,
      ignored: 1,
    });
    expect(s.overall.score).toBe(50);
    expect(s.overall.noCoveragePercent).toBe(25);
  });

  it('scores each folder of model/ and names every target missed, the threshold itself passing', () => {
    const nine = Array.from({ length: 9 }, () => 'Killed' as const);
    const s = scoresOf(
      {
        files: {
          'model/hw/x86/a.ts': { source: '', mutants: of([...nine, 'Killed']) },
          'model/kernel/b.ts': {
            source: '',
            mutants: of([...nine, ...nine.slice(0, 8), 'Survived', 'Survived', 'Survived']),
          },
        },
      },
      targets,
    );
    expect([...s.folders.keys()]).toEqual(['model/hw', 'model/kernel']);
    expect(s.folders.get('model/kernel')?.score).toBe(85);
    expect(s.overall.score).toBe(90);
    expect(s.missed).toEqual([]);
    const worse = scoresOf(
      { files: { 'model/hw/a.ts': { source: '', mutants: of(['Killed', 'NoCoverage']) } } },
      targets,
    );
    expect(worse.missed).toEqual(['overall 50.0% < 90%', 'model/hw 50.0% < 85%', 'no coverage 50.0% > 2%']);
  });

  it('counts mutants no run has finished as pending', () => {
    expect(
      scoresOf({ files: { 'model/hw/a.ts': { source: '', mutants: of(['Pending', 'Killed']) } } }, targets)
        .pending,
    ).toBe(1);
  });

  it('tables a row per folder and one for the whole', () => {
    const t = scoreTable(
      scoresOf(
        { files: { 'model/types/a.ts': { source: '', mutants: of(['Killed', 'Ignored']) } } },
        targets,
      ),
    );
    expect(t.split('\n')).toEqual([
      '| folder | mutants | killed | timed out | survived | no coverage | marked equivalent | score |',
      '|---|---|---|---|---|---|---|---|',
      '| model/types | 1 | 1 | 0 | 0 | 0 | 1 | 100.0% |',
      '| **model/** | 1 | 1 | 0 | 0 | 0 | 1 | 100.0% |',
    ]);
    expect(folderOf('model/hw/x86/vtd-ir.ts')).toBe('model/hw');
  });
});

describe('outOfDate', () => {
  it('names the files whose source differs from the file as it is now, or that are gone; an unchanged file is current', () => {
    const r: Results = {
      files: {
        'model/hw/b.ts': { source: 'b1', mutants: [] },
        'model/hw/a.ts': { source: 'a1', mutants: [] },
        'model/hw/c.ts': { source: 'c1', mutants: [] },
      },
    };
    const now = new Map([
      ['model/hw/a.ts', 'a1'],
      ['model/hw/b.ts', 'b2'],
    ]);
    expect(outOfDate(r, (f) => now.get(f))).toEqual(['model/hw/b.ts', 'model/hw/c.ts']);
  });
});

describe('a full run folder by folder (byFolder, foldersToRun)', () => {
  const files = [
    'model/kernel/vfio/type1.ts',
    'model/hw/x86/vtd-ir.ts',
    'model/hw/msi.ts',
    'model/kernel/ops.ts',
  ];

  it('groups files by the folder that holds each, not its parent, folders in path order', () => {
    expect([...byFolder(files)]).toEqual([
      ['model/hw', ['model/hw/msi.ts']],
      ['model/hw/x86', ['model/hw/x86/vtd-ir.ts']],
      ['model/kernel', ['model/kernel/ops.ts']],
      ['model/kernel/vfio', ['model/kernel/vfio/type1.ts']],
    ]);
  });

  it('resumes at the folders not done; a done folder runs again when a file of it changed or has no results', () => {
    const folders = byFolder(files);
    const r: Results = {
      files: Object.fromEntries(files.map((f) => [f, { source: f, mutants: [] }])),
    };
    const same = (f: string) => f;
    const names = (todo: [string, readonly string[]][]) => todo.map(([dir]) => dir);
    expect(names(foldersToRun(folders, new Set(), r, same))).toEqual([...folders.keys()]);
    expect(names(foldersToRun(folders, new Set(['model/hw', 'model/kernel']), r, same))).toEqual([
      'model/hw/x86',
      'model/kernel/vfio',
    ]);
    const all = new Set(folders.keys());
    expect(foldersToRun(folders, all, r, same)).toEqual([]);
    const edited = (f: string) => (f === 'model/hw/msi.ts' ? 'edited' : f);
    expect(names(foldersToRun(folders, all, r, edited))).toEqual(['model/hw']);
    const { 'model/kernel/ops.ts': _, ...rest } = r.files;
    expect(names(foldersToRun(folders, all, { files: rest }, same))).toEqual(['model/kernel']);
    expect(names(foldersToRun(folders, all, undefined, same))).toEqual([...folders.keys()]);
  });
});

describe('markEquivalent (properties/mutation/equivalent.json; locations as mutation-testing-report-schema: 1-based columns)', () => {
  const source = 'const a = 1;\nif (x >= 0 && y) f();\n';
  const at = (line: number, start: number, end: number) => ({
    start: { line, column: start },
    end: { line, column: end },
  });
  const r = (status: MutantStatus): Results => ({
    files: {
      'model/hw/a.ts': {
        source,
        mutants: [
          { id: '0', status, mutatorName: 'EqualityOperator', replacement: 'x > 0', location: at(2, 5, 11) },
          {
            id: '1',
            status: 'Killed',
            mutatorName: 'EqualityOperator',
            replacement: 'x < 0',
            location: at(2, 4, 10),
          },
        ],
      },
    },
  });
  const mark = {
    file: 'model/hw/a.ts',
    line: 'if (x >= 0 && y) f();',
    mutator: 'EqualityOperator',
    original: 'x >= 0',
    replacement: 'x > 0',
    why: 'x is never 0 here',
  };

  it('sets aside the one mutant it names, not the killed one of the same mutator on the line', () => {
    const m = markEquivalent(r('Survived'), [mark]);
    expect(m.problems).toEqual([]);
    expect(m.results.files['model/hw/a.ts']?.mutants.map((x) => x.status)).toEqual(['Ignored', 'Killed']);
    expect(m.results.files['model/hw/a.ts']?.mutants[0]).toMatchObject({
      statusReason: 'equivalent: x is never 0 here',
    });
    expect(markEquivalent(r('NoCoverage'), [mark]).results.files['model/hw/a.ts']?.mutants[0]?.status).toBe(
      'Ignored',
    );
  });

  it('names a mark whose mutant a test kills, one whose line or text changed and one on a file not run', () => {
    expect(markEquivalent(r('Killed'), [mark]).problems).toEqual([
      `equivalence mark model/hw/a.ts: EqualityOperator "x >= 0" → "x > 0" on 'if (x >= 0 && y) f();': the mutant is killed, so it is not equivalent`,
    ]);
    expect(markEquivalent(r('Survived'), [{ ...mark, line: 'if (x >= 0) f();' }]).problems[0]).toMatch(
      /: no such mutant \(the line changed\?\)$/,
    );
    expect(markEquivalent(r('Survived'), [{ ...mark, original: 'x >= 1' }]).problems[0]).toMatch(
      /no such mutant/,
    );
    expect(markEquivalent(r('Survived'), [{ ...mark, file: 'model/hw/b.ts' }]).problems[0]).toMatch(
      /b\.ts: .*: the file has no results$/,
    );
  });

  it('needs nth when more than one mutant matches (a line twice in the file), and takes the one it names', () => {
    const twice: Results = {
      files: {
        'model/hw/a.ts': {
          source: 'if (x >= 0 && y) f();\nif (x >= 0 && y) f();\n',
          mutants: [
            {
              id: '0',
              status: 'Killed',
              mutatorName: 'EqualityOperator',
              replacement: 'x > 0',
              location: at(1, 5, 11),
            },
            {
              id: '1',
              status: 'Survived',
              mutatorName: 'EqualityOperator',
              replacement: 'x > 0',
              location: at(2, 5, 11),
            },
          ],
        },
      },
    };
    expect(markEquivalent(twice, [mark]).problems[0]).toMatch(/: 2 mutants match; give nth \(1 to 2\)$/);
    const m = markEquivalent(twice, [{ ...mark, nth: 2 }]);
    expect(m.problems).toEqual([]);
    expect(m.results.files['model/hw/a.ts']?.mutants.map((x) => x.status)).toEqual(['Killed', 'Ignored']);
    expect(markEquivalent(twice, [{ ...mark, nth: 3 }]).problems[0]).toMatch(/no such mutant/);
  });

  it('leaves a mutant not yet run for its run', () => {
    const m = markEquivalent(r('Pending'), [mark]);
    expect(m.problems).toEqual([]);
    expect(m.results.files['model/hw/a.ts']?.mutants[0]?.status).toBe('Pending');
  });
});
