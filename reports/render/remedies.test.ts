import { describe, expect, it } from 'vitest';
import { loadGateData } from '../../properties/gate-data.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { loadRemedies } from '../../spec/remedies.ts';
import { renderReports } from './write.ts';

const data = loadGateData();
const rendered = renderReports(data);
const remedies = loadRemedies();

describe('report text (issue 10 item 6)', () => {
  it('spec/remedies.json gives every invariant a remedy with a source, and every report shows its invariant’s after the design’s own', () => {
    for (const i of INVARIANT_IDS) {
      expect(remedies[i]?.text, i).toMatch(/\S/);
      expect(remedies[i]?.source, i).toMatch(/seed 00\d|Linux 7\.0|spec/);
    }
    for (const f of data.counterexamples.keys()) {
      const md = rendered.get(f.replace(/\.json$/, '.md')) ?? '';
      const inv = f.split('/')[0] as (typeof INVARIANT_IDS)[number];
      const section = md.slice(md.indexOf('## What would make it hold'));
      expect(section, f).toContain(`**What makes ${inv} hold on any design:**`);
    }
  });

  it('a GICv2m platform shows no ITS DeviceID hop (Arm IORT DEN 0049: no ITS group node behind a v2m frame); an ITS platform keeps it', () => {
    const v2m = rendered.get('guest-containment/arm-smmuv3-gicv2m.md') ?? '';
    expect(v2m).toMatch(
      /StreamID \d+, which the device does not choose; with no ITS on the platform no DeviceID/,
    );
    expect(v2m).not.toMatch(/DeviceID \d/);
    const its = rendered.get('msi-delivery/arm-nested-no-rmr.md') ?? '';
    expect(its).toMatch(/StreamID 8 and ITS DeviceID 8/);
  });

  it('the nested-no-rmr report says a real guest maps its own SW_MSI and the MSI is lost at stage 2 (seed 001)', () => {
    const md = rendered.get('msi-delivery/arm-nested-no-rmr.md') ?? '';
    expect(md).toMatch(/real Linux guest maps its own SW_MSI page/);
    expect(md).toMatch(/fails at S2/);
  });

  it('no report is left for an invariant without a stored counterexample (the retired affinity-atomic report included)', () => {
    const folders = new Set([...data.counterexamples.keys()].map((f) => f.split('/')[0]));
    for (const f of rendered.keys()) if (f.includes('/')) expect(folders.has(f.split('/')[0]), f).toBe(true);
    expect([...rendered.keys()].some((f) => f.startsWith('affinity-atomic/'))).toBe(false);
  });
});
