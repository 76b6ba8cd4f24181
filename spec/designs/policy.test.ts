import { describe, expect } from 'vitest';
import { SW_MSI_BASE, SW_MSI_LENGTH } from '../../model/platform/layout.ts';
import type { Op } from '../../model/platform/scenario.ts';
import { step } from '../../model/platform/step.ts';
import { ALLOC0, assign, designIt, fire, irqOfDevice, landsOn, replay } from './testing.ts';

/**
 * The headline behaviour of each design in this family: what its canonical story shows, checked
 * through build, step and deliverFrom (model/platform). Skipped, not failed, when the design's file
 * is removed from spec/designs.
 */
describe('headline behaviour: kernel-policy designs (userspace MSI IOVAs, mixed domains, requires_direct)', () => {
  designIt(
    ['vfio-per-vector-msi-address'],
    'vfio-per-vector-msi-address: the programmed address is the userspace IOVA (plus the doorbell offset) after an affinity move, and a vector without one is refused EINVAL (seed 003)',
    (d) => {
      const { states, results } = replay(d);
      expect(results[4]).toEqual({ ok: false, errno: 'EINVAL' });
      const afterMove = states[6];
      if (afterMove === undefined) throw new Error('test setup');
      const q = irqOfDevice(afterMove, 1);
      expect(q.hart).toBe(1);
      expect(q.msg.addr & ~0xfffn).toBe(0xa000_0000n);
      expect(landsOn(fire(afterMove, q), q)).toBe(true);
      expect(afterMove.irqs.some((x) => x.device === 1 && x.vector === 1)).toBe(false);
    },
  );

  designIt(
    ['dma-iommu-mixed-domain'],
    'dma-iommu-mixed-domain: the MSI IOVA is taken from a hole between user mappings, outside 0x8000000-0x80fffff, and a later user map there is refused EEXIST (seed 004)',
    (d) => {
      const { final } = replay(d);
      const q = irqOfDevice(final, 1);
      expect(q.msg.addr < SW_MSI_BASE || q.msg.addr >= SW_MSI_BASE + SW_MSI_LENGTH).toBe(true);
      expect(q.msg.addr & ~0xfffn).not.toBe(0x1000n);
      expect(landsOn(fire(final, q), q)).toBe(true);
      const iova = `0x${(q.msg.addr & ~0xfffn).toString(16)}`;
      expect(step(final, { op: 'iommu_map', group: 1, iova }).result).toEqual({ ok: false, errno: 'EEXIST' });
    },
  );

  designIt(
    ['direct-flag-dma-only', 'arm-smmuv3-gicv3-its'],
    'direct-flag-dma-only: the device with a DIRECT region is assigned (ok) from an identity default domain, while on arm-smmuv3-gicv3-its the same claim is refused EINVAL (seed 001; drivers/iommu/iommu.c __iommu_device_set_domain, Linux 7.0)',
    (d, its) => {
      const ops: Op[] = [ALLOC0, assign('type1', false)];
      expect(replay(d, ops).results[1]).toEqual({ ok: true });
      expect(replay(its, ops, d.canonical.topology).results[1]).toEqual({
        ok: false,
        errno: 'EINVAL',
      });
    },
  );
});
