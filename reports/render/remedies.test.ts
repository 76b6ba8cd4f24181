import { describe, expect, it } from 'vitest';
import { loadGateData } from '../../properties/gate-data.ts';
import { lazy } from '../../properties/lazy.ts';
import { INVARIANT_IDS } from '../../spec/invariants/types.ts';
import { loadRemedies } from '../../spec/remedies.ts';
import { renderReports } from './write.ts';

const state = lazy(() => {
  const data = loadGateData();
  return { data, rendered: renderReports(data), remedies: loadRemedies() };
});

describe('report text (issue 10 item 6)', () => {
  it('spec/remedies.json gives every invariant a remedy with a source, and every report shows its invariant’s after the design’s own', () => {
    const { data, rendered, remedies } = state();
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
    const { rendered } = state();
    const v2m = rendered.get('guest-containment/arm-smmuv3-gicv2m.md') ?? '';
    expect(v2m).toMatch(
      /StreamID \d+, which the device does not choose; with no ITS on the platform no DeviceID/,
    );
    expect(v2m).not.toMatch(/DeviceID \d/);
    const its = rendered.get('msi-delivery/arm-nested-no-rmr.md') ?? '';
    expect(its).toMatch(/StreamID 8 and ITS DeviceID 8/);
  });

  it('the nested-no-rmr report says where a real guest maps its own doorbell: its DMA domain below 4 GiB, so the MSI faults at stage 1; only its own VFIO’s SW_MSI cookie would move the failure to stage 2 (drivers/iommu/dma-iommu.c iova_reserve_iommu_regions, iommu_dma_alloc_iova, iommu_get_msi_cookie; seed 001)', () => {
    const { rendered } = state();
    const md = rendered.get('msi-delivery/arm-nested-no-rmr.md') ?? '';
    expect(md).toMatch(/neither reserves nor uses its own SW_MSI window/);
    expect(md).toMatch(/faults F_TRANSLATION at stage 1/);
    expect(md).toMatch(/own VFIO maps its SW_MSI window .* which S2 does not map/);
  });

  it('no report is left for an invariant without a stored counterexample (the retired affinity-atomic report included)', () => {
    const { data, rendered } = state();
    const folders = new Set([...data.counterexamples.keys()].map((f) => f.split('/')[0]));
    for (const f of rendered.keys()) if (f.includes('/')) expect(folders.has(f.split('/')[0]), f).toBe(true);
    expect([...rendered.keys()].some((f) => f.startsWith('affinity-atomic/'))).toBe(false);
  });
});
