import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadGateData } from '../../properties/gate-data.ts';
import { REPO } from '../../spec/repo.ts';
import { diffReports, renderReports, writeReports } from './write.ts';

const data = loadGateData();
const rendered = renderReports(data);
const dir = mkdtempSync(join(tmpdir(), 'msispec-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reports/ are reproducible from the stored data (issue 8)', () => {
  it('the committed reports/ are exactly what the data renders to: none missing, none different, none stale (fix: npx msispec report)', () => {
    expect(diffReports(rendered, REPO.reports)).toEqual({ changed: [], stale: [] });
  });

  it('reports carry no run: rendered again on another day they are the same bytes, and none names a gate run', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2031-02-03T04:05:06Z'));
      expect(renderReports(data)).toEqual(rendered);
    } finally {
      vi.useRealTimers();
    }
    for (const [f, text] of rendered) expect(text, f).not.toMatch(/gate run of|runs per pair\)\.$/m);
  });

  it('writeReports writes what differs, removes a report no counterexample accounts for, and then has nothing to do', () => {
    const first = writeReports(data, dir);
    expect(first.written.length).toBe(rendered.size);
    mkdirSync(join(dir, 'affinity-atomic'), { recursive: true });
    writeFileSync(join(dir, 'affinity-atomic', 'some-design.md'), '# stale\n');
    const [one = ''] = [...rendered.keys()].filter((f) => f.endsWith('.md') && f !== 'index.md');
    writeFileSync(join(dir, one), 'edited\n');
    const second = writeReports(data, dir);
    expect(second).toEqual({
      written: [one],
      removed: ['affinity-atomic/some-design.md'],
      unchanged: rendered.size - 1,
    });
    expect(readFileSync(join(dir, one), 'utf8')).toBe(rendered.get(one));
    expect(writeReports(data, dir)).toEqual({ written: [], removed: [], unchanged: rendered.size });
  });
});
