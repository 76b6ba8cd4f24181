import { describe, expect } from 'vitest';
import { deliverFrom } from '../../model/platform/deliver.ts';
import { domainOf, groupOf } from '../../model/platform/edit.ts';
import { imsicPage, msiFileIndex } from '../../model/platform/layout.ts';
import { step } from '../../model/platform/step.ts';
import { ALLOC0, ALLOC1, assign, designIt, fire, irqOfDevice, landsOn, ownerOf, replay } from './testing.ts';

/**
 * The headline behaviour of each design in this family: what its canonical story shows, checked
 * through build, step and deliverFrom (model/platform). Skipped, not failed, when the design's file
 * is removed from spec/designs.
 */
describe('headline behaviour: RISC-V designs whose paging domains use the first stage', () => {
  designIt(
    ['riscv-no-msi-window'],
    'riscv-no-msi-window: VFIO refuses the device on both backends (no IOMMU_CAP_CACHE_COHERENCY), and with IOMMU_DMA on the host MSI faults as DMA in its first-stage domain (seed 000; docs/linux-policy.md#risc-v-iommu-driver)',
    (d) => {
      expect(replay(d, [assign('iommufd', true)]).results[0]).toEqual({ ok: false, errno: 'EINVAL' });
      expect(replay(d, [assign('type1', true)]).results[0]).toEqual({ ok: false, errno: 'EINVAL' });
      const { final } = replay(d);
      const host = irqOfDevice(final, 0);
      expect(fire(final, host).outcome).toMatchObject({
        kind: 'fault',
        arch: 'riscv-iommu',
        cause: 'WRITE_AMO_PAGE_FAULT',
      });
    },
  );

  designIt(
    ['riscv-hart-only-msi-table'],
    "riscv-hart-only-msi-table: assigned without allow_unsafe, the device writes another group's host EIID to the shared hart's S-file (0x28000000) and the interrupt is the host's (seed 000; docs/invariants.md#isolation-is-per-requester-not-per-hart)",
    (d) => {
      const { final, results } = replay(d, [ALLOC0, assign('type1', false), ALLOC1]);
      expect(results.every((r) => r.ok)).toBe(true);
      const host = irqOfDevice(final, 0);
      expect(host.hart).toBe(0);
      expect(irqOfDevice(final, 1).hart).toBe(0);
      if (host.hw.chip !== 'imsic') throw new Error('test setup');
      const del = deliverFrom(final, 1, 0x2800_0000n, host.hw.eiid);
      expect(del.attribution?.kind).toBe('irq');
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
    },
  );

  designIt(
    ['riscv-series1-resv-msi'],
    "riscv-series1-resv-msi: every paging domain identity-maps every IMSIC S-file (RFC v2 patch 05, 20250920203851.2205115-25-ajones@ventanamicro.com); host MSIs arrive at their physical address, and with unsafe assignment the device reaches every hart's S-file: the host IPI on each, the host device's EIID on its hart (seed 000; docs/hardware.md#msi-encoding-and-no-source-check)",
    (d) => {
      const { final, results } = replay(d, [ALLOC0, assign('type1', true), ALLOC1]);
      expect(results.every((r) => r.ok)).toBe(true);
      const harts = d.canonical.topology.harts;
      const targets = new Set<string>();
      for (let h = 0; h < harts; h++) {
        const del = deliverFrom(final, 1, imsicPage(harts, h, 'S') << 12n, 1);
        expect(del.attribution).toEqual({ kind: 'ipi', owner: 'host' });
        if (del.outcome.kind === 'interrupt') targets.add(del.outcome.target);
      }
      expect(targets.size).toBe(harts);
      const host = irqOfDevice(final, 0);
      expect(host.msg.addr).toBe(0x2800_0000n);
      expect(landsOn(fire(final, host), host)).toBe(true);
      if (host.hw.chip !== 'imsic') throw new Error('test setup');
      expect(landsOn(deliverFrom(final, 1, host.msg.addr, host.hw.eiid), host)).toBe(true);
    },
  );

  designIt(
    ['riscv-msi-data-validation'],
    "riscv-msi-data-validation (HYPOTHETICAL MSI PTE mode M = 2): the assigned device's own identity arrives, but the host device's EIID and the IPI on the shared hart's S-file fault MSI_DATA_NOT_ALLOWED (seed 000: validate the interrupt the device may trigger; docs/hardware.md#msi-pte-formats)",
    (d) => {
      const { final, results } = replay(d, [ALLOC0, assign('type1', false), ALLOC1]);
      expect(results.every((r) => r.ok)).toBe(true);
      const host = irqOfDevice(final, 0);
      const own = irqOfDevice(final, 1);
      expect(landsOn(fire(final, own), own)).toBe(true);
      if (host.hw.chip !== 'imsic') throw new Error('test setup');
      for (const data of [host.hw.eiid, 1])
        expect(deliverFrom(final, 1, 0x2800_0000n, data).outcome).toMatchObject({
          kind: 'fault',
          cause: 'MSI_DATA_NOT_ALLOWED',
        });
    },
  );

  designIt(
    ['riscv-irqbypass-rfc-v2'],
    "riscv-irqbypass-rfc-v2: the VM's bypassed vector has the guest-file PTE, the domain's table was switched to the guest layout, and the host's vector moves through patch 08's IR domain (RFC v2 patches 08 + 10-17, 20250920203851.2205115-20-ajones@ventanamicro.com)",
    (d) => {
      const { final, results } = replay(d);
      expect(results.every((r) => r.ok)).toBe(true);
      const vm = domainOf(final, groupOf(final, 1).domain);
      expect(vm.msiGuestLayout).toBe(true);
      expect([...vm.msiTable.keys()]).toEqual([msiFileIndex(1, 0)]);
      const guest = irqOfDevice(final, 1);
      expect(guest).toMatchObject({ via: 'guest', hw: { file: 'G1' } });
      expect(landsOn(fire(final, guest), guest)).toBe(true);
      const host = irqOfDevice(final, 0);
      expect(host.hart).toBe(1);
      expect(landsOn(fire(final, host), host)).toBe(true);
    },
  );

  designIt(
    ['riscv-resv-direct-relaxable'],
    'riscv-resv-direct-relaxable: host MSIs arrive through the identity map, the assigned MSI faults, and userspace may map memory over the IMSIC IOVA (seed 002; docs/invariants.md#relaxable-regions-stay-mappable)',
    (d) => {
      const { final } = replay(d, [ALLOC0, assign('type1', true), ALLOC1]);
      const host = irqOfDevice(final, 0);
      expect(landsOn(fire(final, host), host)).toBe(true);
      expect(fire(final, irqOfDevice(final, 1)).outcome).toMatchObject({
        kind: 'fault',
        arch: 'riscv-iommu',
      });
      expect(step(final, { op: 'iommu_map', group: 1, iova: '0x28000000' }).result).toEqual({ ok: true });
    },
  );

  designIt(
    ['riscv-prepare-msi', 'riscv-hart-only-msi-table'],
    'riscv-prepare-msi: irq_set_affinity creates no mapping in atomic context and the moved MSI arrives; the hart-only MSI table only rewrites a preallocated PTE (seed 002; docs/invariants.md#affinity-atomic)',
    (d, hartOnlyDesign) => {
      const { final } = replay(d, [ALLOC0, assign('iommufd', true), ALLOC1]);
      for (const device of [0, 1]) {
        const moved = step(final, { op: 'irq_set_affinity', device, vector: 0, hart: 2 });
        expect(moved.result).toEqual({ ok: true });
        expect(moved.state.atomicMappings).toEqual([]);
        const q = irqOfDevice(moved.state, device);
        expect(q.hart).toBe(2);
        expect(landsOn(fire(moved.state, q), q)).toBe(true);
      }
      const hartOnly = replay(hartOnlyDesign, [
        ALLOC0,
        { op: 'irq_set_affinity', device: 0, vector: 0, hart: 1 },
      ]);
      expect(hartOnly.final.atomicMappings).toEqual([]);
      expect(
        domainOf(hartOnly.final, groupOf(hartOnly.final, 0).domain).msiTable.has(msiFileIndex(1, 0)),
      ).toBe(true);
    },
  );
});
