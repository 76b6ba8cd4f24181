import { describe, expect } from 'vitest';
import { deliverFrom } from '../../model/platform/deliver.ts';
import { deviceDomain, domainOf } from '../../model/platform/edit.ts';
import { ITS_DOORBELL, SW_MSI_BASE, SW_MSI_LENGTH } from '../../model/platform/layout.ts';
import type { State } from '../../model/platform/state.ts';
import { ALLOC0, ALLOC1, assign, designIt, fire, irqOfDevice, landsOn, ownerOf, replay } from './testing.ts';

/**
 * The nested canonical story (ops 0-4, the S2 hwpt replaced by op 4): the guest vector of device 1
 * reaches its own LPI before the replace (after op 3) and after it.
 */
const expectGuestLandsAcrossReplace = (states: readonly State[], final: State): void => {
  const guest = irqOfDevice(final, 1);
  const beforeReplace = states[3];
  if (beforeReplace === undefined) throw new Error('test setup');
  expect(landsOn(fire(beforeReplace, irqOfDevice(beforeReplace, 1)), guest)).toBe(true);
  expect(landsOn(fire(final, guest), guest)).toBe(true);
};

/**
 * The headline behaviour of each design in this family: what its canonical story shows, checked
 * through build, step and deliverFrom (model/platform). Skipped, not failed, when the design's file
 * is removed from spec/designs.
 */
describe('headline behaviour: Arm designs (SMMUv3 with the ITS, GICv2m or MBI; nested with an RMR of each guest type, without one, or with the VMM naming the doorbell IPA)', () => {
  designIt(
    ['arm-smmuv3-gicv3-its'],
    'arm-smmuv3-gicv3-its: a forged write of host EventIDs at the ITS doorbell IOVA is dropped or lands only on its own LPI (docs/hardware.md#why-the-its-isolates; docs/linux-policy.md#msi-injection-without-remapping)',
    (d) => {
      const { final, results } = replay(d, [ALLOC0, ALLOC0, assign('iommufd', false), ALLOC1]);
      expect(results.every((r) => r.ok)).toBe(true);
      const own = irqOfDevice(final, 1);
      const hostEvents = final.irqs
        .filter((q) => q.owner === 'host')
        .map((q) => (q.hw.chip === 'its' ? q.hw.event : -1));
      expect(hostEvents).toEqual([0, 1]);
      for (const data of [...hostEvents, 2, 7]) {
        const del = deliverFrom(final, 1, own.msg.addr, data);
        expect(del.outcome.kind === 'dropped' || ownerOf(del) === 'userspace:0', `data ${data}`).toBe(true);
      }
      expect(deliverFrom(final, 1, own.msg.addr, 1).outcome).toEqual({
        kind: 'dropped',
        reason: 'its-unmapped-eventid',
      });
    },
  );

  designIt(
    ['arm-smmuv3-gicv2m'],
    'arm-smmuv3-gicv2m: assignment needs allow_unsafe_interrupts (EPERM), and then a write of the host SPI at the v2m doorbell IOVA fires the host IRQ (docs/invariants.md#msi-isolation; docs/hardware.md#arm-gicv2m)',
    (d) => {
      expect(replay(d, [ALLOC0, assign('type1', false)]).results[1]).toEqual({ ok: false, errno: 'EPERM' });
      const { final } = replay(d, [ALLOC0, assign('type1', true), ALLOC1]);
      const host = irqOfDevice(final, 0);
      const own = irqOfDevice(final, 1);
      const del = deliverFrom(final, 1, own.msg.addr, host.msg.data);
      expect(del.attribution?.kind).toBe('irq');
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
    },
  );

  designIt(
    ['arm-nested-rmr'],
    'arm-nested-rmr: the guest vector, at an IOVA inside the host SW_MSI window, reaches its LPI through the RMR identity S1 and the S2 doorbell, also after the S2 hwpt is replaced (docs/linux-policy.md#arm-nesting; seed 001)',
    (d) => {
      const { states, final } = replay(d);
      const guest = irqOfDevice(final, 1);
      expect(guest.owner).toBe('vm:0');
      expect(guest.msg.addr >= SW_MSI_BASE && guest.msg.addr < SW_MSI_BASE + SW_MSI_LENGTH).toBe(true);
      expectGuestLandsAcrossReplace(states, final);
    },
  );

  designIt(
    ['arm-nested-no-rmr'],
    'arm-nested-no-rmr: every op succeeds but the guest vector faults F_TRANSLATION in the guest S1 (docs/invariants.md#the-nested-msi-path; seed 001)',
    (d) => {
      const { final, results } = replay(d);
      expect(results.every((r) => r.ok)).toBe(true);
      const guest = irqOfDevice(final, 1);
      expect(guest.owner).toBe('vm:0');
      expect(fire(final, guest).outcome).toMatchObject({
        kind: 'fault',
        arch: 'smmuv3',
        cause: 'F_TRANSLATION',
      });
      expect(landsOn(fire(final, irqOfDevice(final, 0)), irqOfDevice(final, 0))).toBe(true);
    },
  );

  designIt(
    ['arm-nested-msi-direct'],
    'arm-nested-msi-direct: the guest identity-maps the proposed MSI_DIRECT window and makes its vITS doorbell an msi page with iova == phys; the host SW_MSI IOVA reaches the LPI, also after the S2 hwpt is replaced (seed 001 <ZELOqZliiwbG6l5K@nvidia.com>; drivers/iommu/dma-iommu.c cookie_init_hw_msi_region)',
    (d) => {
      const { states, final } = replay(d);
      const s1 = deviceDomain(final, 1);
      expect(s1.pages.get(SW_MSI_BASE >> 12n)).toMatchObject({ ppn: SW_MSI_BASE >> 12n, origin: 'direct' });
      expect(s1.msiPages.get(ITS_DOORBELL >> 12n)).toBe(ITS_DOORBELL >> 12n);
      expectGuestLandsAcrossReplace(states, final);
    },
  );

  designIt(
    ['arm-nested-rmr-as-msi'],
    'arm-nested-rmr-as-msi: the guest reserves the RMR as a hardware MSI window and maps nothing in S1, so the guest vector faults F_TRANSLATION at stage 1 (seed 001; drivers/iommu/dma-iommu.c iova_reserve_iommu_regions)',
    (d) => {
      const { final, results } = replay(d);
      expect(results.every((r) => r.ok)).toBe(true);
      expect(deviceDomain(final, 1).pages.size).toBe(0);
      expect(fire(final, irqOfDevice(final, 1)).outcome).toMatchObject({
        kind: 'fault',
        cause: 'F_TRANSLATION',
      });
    },
  );

  designIt(
    ['arm-nested-vmm-ipa'],
    'arm-nested-vmm-ipa: the host programs the guest’s own MSI IOVA below 4 GiB and maps the ITS at the vITS IPA in S2, and the guest vector reaches its LPI, also after the S2 hwpt is replaced (seed 001, Robin Murphy; Nicolin Chen, cover.1739005085.git.nicolinc@nvidia.com, approach 2)',
    (d) => {
      const { states, final } = replay(d);
      const guest = irqOfDevice(final, 1);
      expect(guest.msg.addr).toBe(0xffff_f000n | (ITS_DOORBELL & 0xfffn));
      const parent = deviceDomain(final, 1).parent;
      if (parent === undefined) throw new Error('test setup: not nested');
      expect(domainOf(final, parent).pages.get(ITS_DOORBELL >> 12n)).toMatchObject({ origin: 'msi' });
      expectGuestLandsAcrossReplace(states, final);
    },
  );

  designIt(
    ['arm-its-shared-deviceid'],
    'arm-its-shared-deviceid: assignment needs no allow_unsafe_interrupts, and the assigned device raises the host LPI by writing its EventID at its own doorbell IOVA: both ITT entries sit under DeviceID 0 (its_pci_msi_prepare, its_msi_prepare, its_node_init; docs/hardware.md#arm-platform)',
    (d) => {
      const { final, results } = replay(d, [ALLOC0, assign('iommufd', false), ALLOC1]);
      expect(results.every((r) => r.ok)).toBe(true);
      const host = irqOfDevice(final, 0);
      const own = irqOfDevice(final, 1);
      expect([host.hw, own.hw]).toMatchObject([{ event: 0 }, { event: 1 }]);
      const del = deliverFrom(final, 1, own.msg.addr, host.msg.data);
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
    },
  );

  designIt(
    ['arm-gicv3-mbi'],
    'arm-gicv3-mbi: assignment needs allow_unsafe_interrupts (EPERM); then the assigned device raises the host SPI through GICD_SETSPI_NSR, and the same mapped page reaches GICD_CTLR (drivers/irqchip/irq-gic-v3-mbi.c; docs/hardware.md#arm-gicv3-distributor-and-mbi)',
    (d) => {
      expect(replay(d, [ALLOC0, assign('type1', false)]).results[1]).toEqual({ ok: false, errno: 'EPERM' });
      const { final } = replay(d, [ALLOC0, assign('type1', true), ALLOC1]);
      const host = irqOfDevice(final, 0);
      const own = irqOfDevice(final, 1);
      const del = deliverFrom(final, 1, own.msg.addr, host.msg.data);
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
      const page = own.msg.addr & ~0xfffn;
      expect(deliverFrom(final, 1, page, 0).outcome).toMatchObject({
        kind: 'register',
        register: 'GICD_CTLR',
      });
    },
  );
});
