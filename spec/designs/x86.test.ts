import { describe, expect } from 'vitest';
import { compatAddr, vtdRemappableAddr } from '../../model/kernel/irq/alloc.ts';
import { deliverFrom } from '../../model/platform/deliver.ts';
import { hwView } from '../../model/platform/hw-view.ts';
import type { Op } from '../../model/platform/scenario.ts';
import { reachableInterrupts } from '../invariants/write-space.ts';
import { ALLOC0, ALLOC1, assign, designIt, irqOfDevice, landsOn, ownerOf, replay } from './testing.ts';

/**
 * The headline behaviour of each design in this family: what its canonical story shows, checked
 * through build, step and deliverFrom (model/platform). Skipped, not failed, when the design's file
 * is removed from spec/designs.
 */
describe('headline behaviour: x86 designs (VT-d, AMD-Vi, no interrupt remapping)', () => {
  const x86Setup: Op[] = [ALLOC0, ALLOC0, assign('type1', false), ALLOC1];
  designIt(
    ['x86-vtd-ir'],
    "x86-vtd-ir: a write naming the host device's IRTE handle faults VTD_FR_IR_SID_ERR, and a compatibility-format write faults VTD_FR_IR_REQ_COMPAT (QEMU hw/i386/intel_iommu.c vtd_irte_get; docs/hardware.md#vt-d-delivery-step-by-step; docs/linux-policy.md#msi-injection-without-remapping)",
    (d) => {
      const { final, results } = replay(d, x86Setup);
      expect(results.every((r) => r.ok)).toBe(true);
      const host = irqOfDevice(final, 0);
      if (host.hw.chip !== 'vtd') throw new Error('test setup');
      expect(deliverFrom(final, 1, vtdRemappableAddr(host.hw.irte), 0).outcome).toMatchObject({
        kind: 'fault',
        cause: 'VTD_FR_IR_SID_ERR',
      });
      expect(deliverFrom(final, 1, compatAddr(host.hart), host.hw.vector).outcome).toMatchObject({
        kind: 'fault',
        cause: 'VTD_FR_IR_REQ_COMPAT',
      });
    },
  );

  designIt(
    ['x86-vtd-ir-nosid'],
    "x86-vtd-ir-nosid: assignment passes the isolation gate, yet a write naming the host device's IRTE handle fires the host IRQ (drivers/iommu/irq_remapping.c disable_sourceid_checking, Linux 7.0; docs/invariants.md#remap-entries-belong-to-their-requester)",
    (d) => {
      const { final, results } = replay(d, x86Setup);
      expect(results[2]).toEqual({ ok: true });
      const host = irqOfDevice(final, 0);
      if (host.hw.chip !== 'vtd') throw new Error('test setup');
      const del = deliverFrom(final, 1, vtdRemappableAddr(host.hw.irte), 0);
      expect(del.outcome.kind).toBe('interrupt');
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
    },
  );

  designIt(
    ['x86-amd-ir'],
    'x86-amd-ir: whatever index the assigned device writes, it reaches only its own remap table: its own IRQ or AMDVI_IR_TARGET_ABORT (QEMU hw/i386/amd_iommu.c amdvi_int_remap_msi; drivers/iommu/amd/iommu.c set_dte_irq_entry, Linux 7.0)',
    (d) => {
      const { final } = replay(d, x86Setup);
      const own = irqOfDevice(final, 1);
      // data[10:8] is the delivery mode (fixed = 0); data[10:0] indexes the table
      for (const data of [0, 1, 2, 3, 0xff]) {
        const del = deliverFrom(final, 1, own.msg.addr, data);
        expect(
          ownerOf(del) === 'userspace:0' ||
            (del.outcome.kind === 'fault' && del.outcome.cause === 'AMDVI_IR_TARGET_ABORT'),
          `index ${data}`,
        ).toBe(true);
      }
      // index 1 is the host device's second IRTE, absent from the assigned device's table
      expect(deliverFrom(final, 1, own.msg.addr, 1).outcome).toMatchObject({
        kind: 'fault',
        cause: 'AMDVI_IR_TARGET_ABORT',
      });
    },
  );

  designIt(
    ['x86-no-ir'],
    'x86-no-ir: assignment needs allow_unsafe_interrupts (EPERM), and then a compatibility-format write with the host vector fires the host IRQ (docs/linux-policy.md#msi-injection-without-remapping)',
    (d) => {
      expect(replay(d, [ALLOC0, assign('type1', false)]).results[1]).toEqual({ ok: false, errno: 'EPERM' });
      const { final } = replay(d, [ALLOC0, assign('type1', true), ALLOC1]);
      const host = irqOfDevice(final, 0);
      const del = deliverFrom(final, 1, host.msg.addr, host.msg.data);
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
    },
  );

  designIt(
    ['x86-no-ir', 'x86-vtd-ir', 'x86-amd-ir'],
    'the write-space varies MSI data[10:8]: without remapping the assigned device reaches an NMI, INIT and SMI on a host CPU; VT-d (CFI cleared) and AMD-Vi (no IVRS pass bit) let none of them through (Intel SDM vol. 3 "Message Data Register Format"; Intel VT-d spec ch. 5; AMD IOMMU spec 2.2.5)',
    (noIr, vtd, amd) => {
      const modes = (d: typeof noIr, unsafe: boolean): Set<string | undefined> => {
        const { final } = replay(d, [ALLOC0, assign('type1', unsafe), ALLOC1]);
        return new Set(reachableInterrupts(final, 1).map((h) => h.outcome.deliveryMode));
      };
      const open = modes(noIr, true);
      for (const m of ['nmi', 'init', 'smi', 'extint']) expect(open.has(m), m).toBe(true);
      for (const d of [vtd, amd]) expect([...modes(d, false)].filter((m) => m !== undefined)).toEqual([]);
    },
  );

  designIt(
    ['x86-no-ir'],
    'x86-no-ir: an NMI carrying the host IRQ\'s vector lands on no Linux IRQ but on the host itself, and so does exception vector 18 (#MC); fixed mode with the same vector is the host IRQ (Intel SDM vol. 3 "Message Data Register Format"; arch/x86/include/asm/irq_vectors.h FIRST_EXTERNAL_VECTOR)',
    (d) => {
      const { final } = replay(d, [ALLOC0, assign('type1', true), ALLOC1]);
      const host = irqOfDevice(final, 0);
      const nmi = deliverFrom(final, 1, host.msg.addr, 0x400 | (host.msg.data & 0xff));
      expect(nmi.outcome).toMatchObject({ kind: 'interrupt', deliveryMode: 'nmi' });
      expect(nmi.attribution).toEqual({ kind: 'system-vector', owner: 'host' });
      expect(deliverFrom(final, 1, host.msg.addr, 18).attribution).toEqual({
        kind: 'system-vector',
        owner: 'host',
      });
      expect(deliverFrom(final, 1, host.msg.addr, host.msg.data).attribution?.kind).toBe('irq');
    },
  );

  designIt(
    ['x86-vtd-ir-cfis'],
    "x86-vtd-ir-cfis: with GSTS.CFIS left set, assignment passes the isolation gate, yet a compatibility-format write with the host IRQ's vector fires the host IRQ and one with data 0x400 is an NMI on the host (drivers/iommu/intel/irq_remapping.c iommu_enable_irq_remapping WARN, intel_enable_irq_remapping, Linux 7.0; Intel VT-d spec ch. 5)",
    (d) => {
      const { final, results } = replay(d, x86Setup);
      expect(results[2]).toEqual({ ok: true });
      const host = irqOfDevice(final, 0);
      if (host.hw.chip !== 'vtd') throw new Error('test setup');
      const del = deliverFrom(final, 1, compatAddr(host.hart), host.hw.vector);
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
      const nmi = deliverFrom(final, 1, compatAddr(host.hart), 0x400);
      expect(nmi.outcome).toMatchObject({ kind: 'interrupt', deliveryMode: 'nmi' });
      expect(nmi.attribution).toEqual({ kind: 'system-vector', owner: 'host' });
    },
  );

  designIt(
    ['x86-vtd-ir-bus-verify', 'x86-vtd-ir'],
    "x86-vtd-ir-bus-verify: a DMA-aliased device's IRTE is SVT=2 with SID = bus << 8 | bus, so a device of another group on bus 0 naming its handle fires the host IRQ; on x86-vtd-ir (SVT=1) the same write faults VTD_FR_IR_SID_ERR (drivers/iommu/intel/irq_remapping.c set_msi_sid, set_irte_verify_bus, Linux 7.0; Intel VT-d spec ch. 5 IRTE SVT)",
    (busVerify, vtd) => {
      const { final } = replay(busVerify, x86Setup);
      const host = irqOfDevice(final, 0);
      if (host.hw.chip !== 'vtd') throw new Error('test setup');
      const irte = hwView(final);
      if (irte.arch !== 'x86' || irte.ir.kind !== 'vtd') throw new Error('test setup');
      expect(irte.ir.irt.get(host.hw.irte)).toMatchObject({ svt: 2, sid: 0x0000 });
      const del = deliverFrom(final, 1, vtdRemappableAddr(host.hw.irte), 0);
      expect(final.devices[1]?.group).not.toBe(final.devices[0]?.group);
      expect(ownerOf(del)).toBe('host');
      expect(landsOn(del, host)).toBe(true);
      const plain = replay(vtd, x86Setup).final;
      expect(deliverFrom(plain, 1, vtdRemappableAddr(host.hw.irte), 0).outcome).toMatchObject({
        cause: 'VTD_FR_IR_SID_ERR',
      });
    },
  );

  designIt(
    ['x86-amd-ir-ivrs-pass', 'x86-amd-ir'],
    'x86-amd-ir-ivrs-pass: with the IVRS NMIPass / INITPass / ExtIntPass bits in every DTE an assigned device sends an NMI, INIT or ExtINT to a host CPU unremapped, SMI stays refused; without them (x86-amd-ir) each is AMDVI_IR_NOT_ALLOWED (drivers/iommu/amd/init.c set_dev_entry_from_acpi_range, Linux 7.0; AMD IOMMU spec 2.2.5)',
    (pass, plain) => {
      const { final } = replay(pass, x86Setup);
      const own = irqOfDevice(final, 1);
      for (const [data, mode] of [
        [0x400, 'nmi'],
        [0x500, 'init'],
        [0x700, 'extint'],
      ] as const) {
        const del = deliverFrom(final, 1, own.msg.addr, data);
        expect(del.outcome, mode).toMatchObject({ kind: 'interrupt', deliveryMode: mode });
        expect(del.attribution, mode).toEqual({ kind: 'system-vector', owner: 'host' });
        expect(deliverFrom(replay(plain, x86Setup).final, 1, own.msg.addr, data).outcome).toMatchObject({
          cause: 'AMDVI_IR_NOT_ALLOWED',
        });
      }
      expect(deliverFrom(final, 1, own.msg.addr, 0x200).outcome).toMatchObject({
        cause: 'AMDVI_IR_NOT_ALLOWED',
      });
    },
  );

  designIt(
    ['x86-amd-ir-ivrs-pass'],
    'the write-space follows a window address whose data-0 probe faults: a device with no IRTE (index 0 target-aborts) still reaches an NMI through NMIPass (QEMU hw/i386/amd_iommu.c amdvi_int_remap_msi checks the delivery mode before IntCtl)',
    (d) => {
      const { final } = replay(d, [
        { op: 'vfio_group_assign', group: 0, backend: 'type1', to: 'userspace', owner: 0, unsafe: false },
      ]);
      const hits = reachableInterrupts(final, 0);
      expect(hits.some((h) => h.outcome.deliveryMode === 'nmi' && h.attribution.owner === 'host')).toBe(true);
    },
  );
});
