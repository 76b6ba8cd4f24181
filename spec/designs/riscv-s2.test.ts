import { describe, expect } from 'vitest';
import { deliverFrom } from '../../model/platform/deliver.ts';
import { imsicPage } from '../../model/platform/layout.ts';
import { ALLOC0, ALLOC1, assign, designIt, fire, irqOfDevice, landsOn, ownerOf, replay } from './testing.ts';

/**
 * The headline behaviour of each design in this family: what its canonical story shows, checked
 * through build, step and deliverFrom (model/platform). Skipped, not failed, when the design's file
 * is removed from spec/designs.
 */
describe('headline behaviour: RISC-V designs whose paging domains use the G-stage (HW_MSI through the MSI table)', () => {
  designIt(
    ['riscv-s2-preferred'],
    'riscv-s2-preferred: needs allow_unsafe (EPERM), delivers through the HW_MSI MSI table with no IOVA mapping, and lets the device pend a host EIID (seed 000 stage rule; docs/hardware.md#first-stage-msi-table-and-g-stage)',
    (d) => {
      expect(replay(d, [ALLOC0, assign('type1', false)]).results[1]).toEqual({ ok: false, errno: 'EPERM' });
      const { final } = replay(d, [ALLOC0, assign('type1', true), ALLOC1]);
      const domain = final.domains[final.groups[1]?.domain ?? -1];
      expect(domain?.stage).toBe('s2');
      expect(domain?.pages.size).toBe(0);
      const own = irqOfDevice(final, 1);
      expect(landsOn(fire(final, own), own)).toBe(true);
      const host = irqOfDevice(final, 0);
      if (host.hw.chip !== 'imsic') throw new Error('test setup');
      const del = deliverFrom(final, 1, host.msg.addr, host.hw.eiid);
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
    },
  );

  designIt(
    ['riscv-guest-files'],
    "riscv-guest-files: the guest MSI lands in VM 0's guest file, a forged host EIID at a host S-file address never reaches the host, and a userspace owner's vector faults (RFC v2 irqbypass, docs/linux-policy.md#imsic-driver-and-kvm-guest-files; docs/hardware.md#risc-v-iommu-fault-causes; cause 262)",
    (d) => {
      const { states } = replay(d);
      const s = states[3]; // after the host affinity move, before the hwpt replace
      if (s === undefined) throw new Error('test setup');
      const guest = irqOfDevice(s, 1);
      expect(guest.owner).toBe('vm:0');
      expect(landsOn(fire(s, guest), guest)).toBe(true);
      const host = irqOfDevice(s, 0);
      if (host.hw.chip !== 'imsic') throw new Error('test setup');
      for (let h = 0; h < d.canonical.topology.harts; h++) {
        const del = deliverFrom(s, 1, imsicPage(d.canonical.topology.harts, h, 'S') << 12n, host.hw.eiid);
        expect(
          del.outcome.kind === 'fault' || ownerOf(del) === 'vm:0',
          `hart ${h}: ${JSON.stringify(del.outcome)}`,
        ).toBe(true);
      }
      const user = replay(d, [ALLOC0, assign('iommufd', false), ALLOC1]);
      expect(fire(user.final, irqOfDevice(user.final, 1)).outcome).toMatchObject({
        kind: 'fault',
        cause: 'MSI_PTE_NOT_VALID',
      });
    },
  );
});
