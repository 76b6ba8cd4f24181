import { describe, expect, it } from 'vitest';
import { freeItsEvent } from '../kernel/irq/alloc.ts';
import type { DesignCore } from '../kernel/policy.ts';
import { alloc, armIts, assign, run, setup, topo } from '../kernel/testing.ts';
import { deliverFrom } from './deliver.ts';
import { hwView } from './hw-view.ts';
import { itsDeviceId, ittEvents } from './iort.ts';
import { ITS_DOORBELL } from './layout.ts';

const its = (deviceIds: 'unique' | 'aliased' | 'all-zero'): DesignCore => ({
  ...armIts(),
  hardware: { arch: 'arm', irqchip: 'gicv3-its', deviceIds },
});
const events = (s: ReturnType<typeof setup>): number[][] =>
  s.devices.map((d) =>
    s.irqs.filter((q) => q.device === d.index).map((q) => (q.hw.chip === 'its' ? q.hw.event : -1)),
  );

describe('RID → ITS DeviceID (Arm IORT DEN 0049 ID mappings; pci_msi_domain_get_msi_rid, drivers/pci/msi/irqdomain.c, Linux 7.0)', () => {
  it('unique: the DeviceID is the RID and each device has its own ITT of 8 events numbered from 0', () => {
    const s = setup(its('unique'), topo([{}, {}]), [alloc(0), alloc(1), alloc(1)]);
    expect(s.devices.map((d) => itsDeviceId(s, d.index))).toEqual([0x100, 0x200]);
    expect(events(s)).toEqual([[0], [0, 1]]);
    expect(ittEvents(s, 0x100)).toBe(8);
    // An absent knob is `unique` (every design file written before the knob existed).
    const plain = setup(armIts(), topo([{}, {}]));
    expect(plain.devices.map((d) => itsDeviceId(plain, d.index))).toEqual([0x100, 0x200]);
  });

  it('aliased: the devices of one group signal with the DMA alias of its first device and share its ITT; another group keeps its own (pci_for_each_dma_alias; its_pci_msi_prepare alias_count)', () => {
    const s = setup(
      its('aliased'),
      topo([{ group: 0, vectors: 4 }, { group: 0, vectors: 4 }, { group: 1 }]),
      [alloc(0), alloc(1), alloc(2)],
    );
    expect(s.devices.map((d) => itsDeviceId(s, d.index))).toEqual([0x100, 0x100, 0x300]);
    expect(events(s)).toEqual([[0], [1], [0]]);
    // alias_count: the shared ITT covers the 8 vectors of both devices.
    expect(ittEvents(s, 0x100)).toBe(8);
  });

  it('all-zero: every device signals DeviceID 0, whose ITT has 32 events (its_pci_msi_prepare: "a minimum of 32 MSIs for DevID 0"), shared by all of them (its_msi_prepare: "Reusing ITT for devID")', () => {
    const s = setup(its('all-zero'), topo([{}, {}]), [alloc(0), alloc(1), alloc(0), alloc(1)]);
    expect(s.devices.map((d) => itsDeviceId(s, d.index))).toEqual([0, 0]);
    expect(ittEvents(s, 0)).toBe(32);
    expect(events(s)).toEqual([
      [0, 2],
      [1, 3],
    ]);
    const view = hwView(s);
    if (view.arch !== 'arm') throw new Error('test setup');
    const dt = view.its[0]?.deviceTable;
    expect([...(dt?.keys() ?? [])]).toEqual([0]);
    expect(dt?.get(0)?.size).toBe(4);
    expect([...(dt?.get(0)?.itt.keys() ?? [])].sort()).toEqual([0, 1, 2, 3]);
  });

  it('unique: devices of one IOMMU group still signal with their own RIDs (IORT ID mapping of each RID to itself)', () => {
    const s = setup(its('unique'), topo([{ group: 0 }, { group: 0 }]));
    expect(s.devices.map((d) => itsDeviceId(s, d.index))).toEqual([0x100, 0x200]);
  });

  it('the ITT rounds the vectors of every device on the DeviceID up to a power of two (its_pci_msi_prepare: nvec = max(minnvec, roundup_pow_of_two(nvec)), drivers/irqchip/irq-gic-its-msi-parent.c)', () => {
    // aliased: alias_count sums the vectors of every device behind the alias, 3 + 3 + 3 = 9 → 16.
    const nine = setup(
      its('aliased'),
      topo([
        { group: 0, vectors: 3 },
        { group: 0, vectors: 3 },
        { group: 0, vectors: 3 },
      ]),
    );
    expect(ittEvents(nine, 0x100)).toBe(16);
    // 4 × 4 = 16 is already a power of two.
    const sixteen = setup(its('aliased'), topo(Array.from({ length: 4 }, () => ({ group: 0, vectors: 4 }))));
    expect(ittEvents(sixteen, 0x100)).toBe(16);
  });

  it('a full ITT refuses the next IRQ with -ENOSPC (its_alloc_device_irq: bitmap_find_free_region fails)', () => {
    const s = setup(
      its('aliased'),
      topo([
        { group: 0, vectors: 4 },
        { group: 0, vectors: 4 },
      ]),
      [alloc(0), alloc(0), alloc(0), alloc(0), alloc(1), alloc(1), alloc(1), alloc(1)],
    );
    expect(freeItsEvent(s, 1)).toBeUndefined();
  });

  it('all-zero: a device whose group is assigned (ISOLATED_MSI kept, no allow_unsafe_interrupts) raises the host LPI of another device by writing its EventID (its_node_init; QEMU gicv3_its_translation_write)', () => {
    const { state: s, results } = run(setup(its('all-zero'), topo([{}, {}])), [
      alloc(0),
      assign(1, 'iommufd'),
      alloc(1),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const host = s.irqs.find((q) => q.device === 0);
    const own = s.irqs.find((q) => q.device === 1);
    if (host === undefined || own === undefined) throw new Error('test setup');
    expect(own.msg.addr & 0xfffn).toBe(ITS_DOORBELL & 0xfffn);
    const del = deliverFrom(s, 1, own.msg.addr, host.msg.data);
    expect(del.attribution).toMatchObject({ kind: 'irq', owner: 'host', irq: { irq: host.irq } });
    // With unique DeviceIDs the same write looks in the device's own ITT and raises only its own LPI.
    const u = run(setup(its('unique'), topo([{}, {}])), [alloc(0), assign(1, 'iommufd'), alloc(1)]).state;
    const uOwn = u.irqs.find((q) => q.device === 1);
    if (uOwn === undefined) throw new Error('test setup');
    expect(deliverFrom(u, 1, uOwn.msg.addr, host.msg.data).attribution).toMatchObject({
      kind: 'irq',
      owner: 'userspace:0',
      irq: { irq: uOwn.irq },
    });
  });
});
