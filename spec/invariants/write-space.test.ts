import { describe, expect, it } from 'vitest';
import { SCENARIO_VERSION, type Scenario } from '../../model/platform/scenario.ts';
import { lazy } from '../../properties/lazy.ts';
import { getDesign } from '../designs/load.ts';
import { replay } from '../replay.ts';
import { getInvariant } from './index.ts';
import { classRank, reachedClass, witnessClass } from './witness-class.ts';
import { reachableInterrupts } from './write-space.ts';

/**
 * The write-space ranks a device's hits by witness class (issue 10 item 4; the ranking of
 * witness-class.ts), so the witness an invariant reports in one state is its strongest. On
 * riscv-prepare-msi (seed 002 thread: every IMSIC S-file page mapped for a device, no per-device
 * validation) a VM's device can reach the host IPI, a host device's IRQ and the IRQ of a device a
 * userspace driver owns: guest-containment names the last.
 */
describe('write-space witness choice (spec/invariants/write-space.ts reachableInterrupts)', () => {
  const design = getDesign('riscv-prepare-msi');
  const dev = (bdf: string, group: number) => ({ bdf, group, vectors: 1, resv: [] });
  const scenario: Scenario = {
    version: SCENARIO_VERSION,
    design: design.id,
    topology: { harts: 1, devices: [dev('00:01.0', 0), dev('00:02.0', 1), dev('00:03.0', 2)], vms: 1 },
    ops: [
      { op: 'vfio_group_assign', group: 0, backend: 'type1', to: 'userspace', owner: 0, unsafe: true },
      { op: 'vfio_group_assign', group: 1, backend: 'type1', to: 'guest', owner: 0, unsafe: true },
      { op: 'msi_domain_alloc_irqs', device: 2 },
      { op: 'msi_domain_alloc_irqs', device: 0 },
      { op: 'msi_domain_alloc_irqs', device: 1 },
    ],
  };
  // Replayed inside the first test that asks (properties/lazy.ts).
  const state = lazy(() => {
    const last = replay(design, scenario, []).steps.at(-1)?.state;
    if (last === undefined) throw new Error('the scenario replays');
    return { last };
  });

  it('orders every hit strongest class first, and the VM device reaches all three classes', () => {
    const { last } = state();
    const hits = reachableInterrupts(last, 1);
    const ranks = hits.map((h) => classRank(reachedClass(h.attribution.kind, h.attribution.owner)));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    const classes = new Set(hits.map((h) => reachedClass(h.attribution.kind, h.attribution.owner)));
    for (const c of ['other-owner-irq', 'host-irq', 'host-system'] as const) expect(classes).toContain(c);
  });

  it("guest-containment's witness is another owner's IRQ, not the host device's IRQ or the IPI", () => {
    const { last } = state();
    const v = getInvariant('guest-containment').check(design, last);
    const mine = v.find((x) => x.witness.kind === 'write' && x.witness.device === 1);
    expect(mine === undefined ? undefined : witnessClass(mine.witness)).toBe('other-owner-irq');
  });
});
