import fc from 'fast-check';
import type { FIRMWARE_REGIONS, Topology } from '../../model/platform/scenario.ts';

type Region = (typeof FIRMWARE_REGIONS)[number];

/**
 * Topologies of 1-4 harts, 1-4 devices in 1-3 groups, 1-4 vectors each, 0-2 VMs. Devices are
 * 00:01.0, 00:02.0, … in order; a rare firmware direct region exercises require_direct. Every field
 * shrinks toward its minimum, so a counterexample shrinks to the fewest harts, devices and vectors.
 */
export const topologyArb: fc.Arbitrary<Topology> = fc
  .record({
    harts: fc.integer({ min: 1, max: 4 }),
    devices: fc.array(
      fc.record({
        group: fc.integer({ min: 0, max: 2 }),
        vectors: fc.integer({ min: 1, max: 4 }),
        // 0-7: none, 8: DIRECT, 9: DIRECT_RELAXABLE; shrinks toward none.
        resv: fc
          .integer({ min: 0, max: 9 })
          .map((i): Region[] => (i === 8 ? ['direct'] : i === 9 ? ['direct-relaxable'] : [])),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    vms: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ harts, devices, vms }) => {
    // Renumber groups in order of first use, so groups are 0..G-1 without gaps.
    const order: number[] = [];
    for (const d of devices) if (!order.includes(d.group)) order.push(d.group);
    return {
      harts,
      vms,
      devices: devices.map((d, i) => ({
        bdf: `00:${(i + 1).toString(16).padStart(2, '0')}.0`,
        group: order.indexOf(d.group),
        vectors: d.vectors,
        resv: [...d.resv],
      })),
    };
  });
