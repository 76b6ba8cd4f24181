import { describe, expect, it } from 'vitest';
import { msiDelivery } from '../../../spec/invariants/msi-delivery.ts';
import { deliverFrom } from '../../platform/deliver.ts';
import { domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import { imsicPage, msiFileIndex } from '../../platform/layout.ts';
import type { Irq, State } from '../../platform/state.ts';
import { affinity, alloc, assign, riscv, run, setup, topo } from '../testing.ts';

/** RFC v2 patches 05 + 08 (20250920203851.2205115-25/-28-ajones@ventanamicro.com): first stage, hw-msi, affinity table. */
const hartOnly = riscv('msi-table-affinity', {
  defaultDomain: 'dma',
  msiRegion: 'hw-msi',
  isolatedMsiClaim: true,
});
const tableOf = (s: State, device: number) => domainOf(s, groupOf(s, device).domain).msiTable;
const irq = (s: State, device: number, vector: number): Irq => {
  const q = irqOf(s, device, vector);
  if (q === undefined) throw new Error(`device ${device} vector ${vector} not allocated`);
  return q;
};
const S = (hart: number) => imsicPage(2, hart, 'S');

describe('the RISC-V MSI table is the iommu_domain’s (RFC v2 patch 08 riscv_iommu_domain.msi_root, 20250920203851.2205115-28-ajones@ventanamicro.com; seed 000 "Don\'t touch the iommu_domain from the interrupt driver")', () => {
  it('allocation maps the affined hart in the table of the domain the device is attached to, and the IRQ belongs to that domain’s IR irq domain', () => {
    const s = setup(hartOnly, topo([{}]), [alloc(0)]);
    const dom = groupOf(s, 0).domain;
    expect(tableOf(s, 0)).toEqual(new Map([[msiFileIndex(0, 0), S(0)]]));
    expect(irq(s, 0, 0).domain).toBe(dom);
  });

  it('iommufd replace gives the device the new domain’s empty table: the vector VFIO allocated faults (iommufd_device_replace; the table stays in the old domain)', () => {
    const before = setup(hartOnly, topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    const old = groupOf(before, 0).domain;
    const { state, results } = run(before, [{ op: 'iommu_replace_domain', group: 0 }]);
    expect(results).toEqual([{ ok: true }]);
    expect(groupOf(state, 0).domain).not.toBe(old);
    expect(tableOf(state, 0).size).toBe(0);
    expect(domainOf(state, old).msiTable.get(msiFileIndex(0, 0))).toBe(S(0));
    const q = irq(state, 0, 0);
    expect(q.domain).toBe(old);
    expect(deliverFrom(state, 0, q.msg.addr, q.msg.data).outcome).toMatchObject({ kind: 'fault' });
  });

  it('freeing an IRQ (the group is assigned, its host vectors go) unmaps its MSI PTE from the domain that allocated it (RFC v2 patch 08)', () => {
    const s = setup(hartOnly, topo([{}]), [alloc(0)]);
    const dflt = groupOf(s, 0).domain;
    const after = setup(hartOnly, topo([{}]), [alloc(0), assign(0, 'type1')]);
    expect(domainOf(s, dflt).msiTable.size).toBe(1);
    expect(domainOf(after, dflt).msiTable.size).toBe(0);
  });

  it('msi-table-all: every domain starts with every host S-file (HW_MSI aperture matching DC.msi_addr_*, seed 000)', () => {
    const s = setup(
      riscv('msi-table-all', { pagingStage: 's2', msiRegion: 'hw-msi', isolatedMsiClaim: true }),
      topo([{}]),
      [assign(0, 'iommufd')],
    );
    expect(tableOf(s, 0)).toEqual(new Map([0, 1].map((h) => [msiFileIndex(h, 0), S(h)])));
  });
});

describe('RFC v2 IR set_affinity: the IMSIC parent first (imsic_irq_set_affinity: temporary then new message), then the old MSI PTE is unmapped and the new one mapped (drivers/irqchip/irq-riscv-imsic-platform.c, Linux 7.0; RFC v2 patch 08)', () => {
  // Device 1's IRQ (identity 3 on hart 0) moves to hart 1 and takes identity 2 there, so device
  // 0's IRQ (identity 2 on hart 0) moving after it gets identity 3: a temporary message is written.
  const ops = [alloc(0), alloc(1), affinity(1, 0, 1), affinity(0, 0, 1)];

  it('the move records the old message and the temporary one (old address, new identity) as in flight', () => {
    const s = setup(hartOnly, topo([{ group: 0 }, { group: 0 }]), ops.slice(0, 3));
    const old = irq(s, 0, 0);
    const { state } = run(s, ops.slice(3));
    const q = irq(state, 0, 0);
    expect(q.msg).toEqual({ addr: S(1) << 12n, data: 3 });
    expect(q.inflight).toEqual([old.msg, { addr: old.msg.addr, data: 3 }]);
    expect(tableOf(state, 0).has(msiFileIndex(0, 0))).toBe(false);
    expect(tableOf(state, 0).get(msiFileIndex(1, 0))).toBe(S(1));
  });

  it('msi-delivery: with the old hart’s PTE gone an in-flight MSI faults — the lost MSI of an affinity move', () => {
    const state = setup(hartOnly, topo([{ group: 0 }, { group: 0 }]), ops);
    const q = irq(state, 0, 0);
    expect(q.inflight?.length).toBe(2);
    const inflight = msiDelivery.check(hartOnly, state).filter((v) => v.witness.kind === 'delivery');
    expect(inflight.length).toBeGreaterThan(0);
    expect(inflight[0]?.witness).toMatchObject({ kind: 'delivery', irq: q.irq, inflight: true });
  });

  it('upstream IMSIC behind an identity domain: the in-flight messages still reach the old hart’s S-file, so nothing is lost', () => {
    const up = riscv('raw-physical', { msiRegion: 'none' });
    const s = setup(up, topo([{ group: 0 }, { group: 0 }]), ops);
    expect(irq(s, 0, 0).inflight?.length).toBe(2);
    expect(msiDelivery.check(up, s)).toEqual([]);
  });
});
