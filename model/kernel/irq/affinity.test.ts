import { describe, expect, it } from 'vitest';
import { deliverFrom } from '../../platform/deliver.ts';
import { addIrq, domainOf, groupOf, irqOf } from '../../platform/edit.ts';
import {
  FIRST_DEVICE_VECTOR,
  IMSIC_IDS,
  imsicPage,
  msiFileIndex,
  X86_FIRST_SYSTEM_VECTOR,
} from '../../platform/layout.ts';
import { type HwIrq, type Irq, ownerKey, type State } from '../../platform/state.ts';
import { bits } from '../../types/addr.ts';
import { affinity, alloc, armIts, armV2m, assign, riscv, run, setup, topo, x86 } from '../testing.ts';
import { irq_set_affinity } from './affinity.ts';

const irq0 = (s: State) => {
  const q = irqOf(s, 0, 0);
  if (q === undefined) throw new Error('device 0 vector 0 not allocated');
  return q;
};
const fire = (s: State) => deliverFrom(s, 0, irq0(s).msg.addr, irq0(s).msg.data);
/** Host device 0 with vector 0 allocated on hart 0, then moved to hart 1. */
const moved = (design: Parameters<typeof setup>[0]) => {
  const before = setup(design, topo([{}], { harts: 2 }), [alloc(0)]);
  const { state, results } = run(before, [affinity(0, 0, 1)]);
  expect(results).toEqual([{ ok: true }]);
  return { before, after: state };
};

describe('irq_set_affinity on address-encoded targets rewrites the MSI address (docs/linux-policy.md#irqchips-and-their-doorbells, docs/linux-policy.md#risc-v-upstream; docs/invariants.md#affinity-atomic)', () => {
  it('RISC-V IMSIC: the address moves to the new hart S-file page 0x28004000 with a new identity (imsic_irq_set_affinity, imsic_irq_compose_vector_msg)', () => {
    const { before, after } = moved(riscv('raw-physical', { msiRegion: 'none' }));
    expect(irq0(before).msg.addr).toBe(0x2800_0000n);
    expect(irq0(after).msg.addr).toBe(imsicPage(2, 1, 'S') << 12n);
    expect(irq0(after).msg.addr).toBe(0x2800_4000n);
    expect(irq0(after).hw).toEqual({ chip: 'imsic', file: 'S', eiid: irq0(after).msg.data });
    expect(fire(after)).toMatchObject({ outcome: { kind: 'interrupt' }, attribution: { kind: 'irq' } });
    expect(fire(after).attribution).toMatchObject({ irq: { hart: 1 } });
  });

  it('x86 without IR: compatibility format, destination APIC id in address bits 19:12, vector in data (docs/hardware.md#x86-without-interrupt-remapping; __irq_msi_compose_msg)', () => {
    const { before, after } = moved(x86('none'));
    expect(irq0(before).msg.addr).toBe(0xfee0_0000n);
    expect(irq0(after).msg.addr).toBe(0xfee0_1000n);
    expect(bits(irq0(after).msg.addr, 19, 12)).toBe(1n);
    const hw = irq0(after).hw;
    expect(hw.chip === 'lapic' && hw.vector).toBe(irq0(after).msg.data);
    expect(fire(after).outcome).toMatchObject({ kind: 'interrupt', controller: 'lapic', target: 'apic1' });
  });
});

describe('irq_set_affinity on remapped / CPU-independent doorbells keeps the message (its_set_affinity MOVI, gicv2m, intel_ir_set_affinity, amd_ir_set_affinity; docs/invariants.md#affinity-atomic)', () => {
  it('GICv3 ITS: message unchanged, the collection moves, the LPI lands on redistributor 1 (its_set_affinity → MOVI)', () => {
    const { before, after } = moved(armIts());
    expect(irq0(after).msg).toEqual(irq0(before).msg);
    expect(irq0(after).hart).toBe(1);
    expect(fire(after).outcome).toMatchObject({ kind: 'interrupt', controller: 'its-lpi', target: 'rd1' });
    expect(fire(after).attribution).toMatchObject({ kind: 'irq', irq: { hart: 1 } });
  });

  it('GICv2m: message unchanged (the SPI is routed by the distributor, not the doorbell address)', () => {
    const { before, after } = moved(armV2m());
    expect(irq0(after).msg).toEqual(irq0(before).msg);
    expect(irq0(after).hart).toBe(1);
  });

  it('VT-d IR: the remappable-format message is unchanged, the IRTE destination follows (intel_ir_set_affinity → modify_irte)', () => {
    const { before, after } = moved(x86('vtd'));
    expect(irq0(after).msg).toEqual(irq0(before).msg);
    expect(fire(after).outcome).toMatchObject({ kind: 'interrupt', controller: 'lapic', target: 'apic1' });
    expect(fire(after).attribution).toMatchObject({ kind: 'irq', irq: { hart: 1 } });
  });

  it('AMD IR: message unchanged, the IRTE destination follows (amd_ir_set_affinity → modify_irte_ga)', () => {
    const { before, after } = moved(x86('amd'));
    expect(irq0(after).msg).toEqual(irq0(before).msg);
    expect(fire(after).outcome).toMatchObject({ kind: 'interrupt', controller: 'lapic', target: 'apic1' });
  });
});

describe('irq_set_affinity runs in atomic context: mappings it needs are recorded (seed 002; invariant affinity-atomic)', () => {
  it('msi-table-affinity writes the new hart MSI PTE during irq_set_affinity (RFC v2 patch 08) and drops the old one; a preallocated-table write is no page-table mapping (seed 002; like modify_irte)', () => {
    const { before, after } = moved(riscv('msi-table-affinity', { msiRegion: 'hw-msi' }));
    expect(before.atomicMappings).toEqual([]);
    expect(after.atomicMappings).toEqual([]);
    const table = domainOf(after, groupOf(after, 0).domain).msiTable;
    expect(table.get(msiFileIndex(1, 0))).toBe(imsicPage(2, 1, 'S'));
    expect(table.has(msiFileIndex(0, 0))).toBe(false);
  });

  it('prepare-msi-all-imsics maps every IMSIC page at allocation, so irq_set_affinity maps nothing (seed 002, iommu_dma_prepare_msi per IMSIC page)', () => {
    const { before, after } = moved(riscv('prepare-msi-all-imsics', { defaultDomain: 'dma' }));
    expect(before.domains[0]?.pages.size).toBe(2);
    expect(after.atomicMappings).toEqual([]);
    expect(irq0(after).msg.addr).toBe(0xffff_e000n);
    expect(fire(after).attribution).toMatchObject({ kind: 'irq', irq: { hart: 1 } });
  });

  it('prepare-msi for the affined hart only maps the new page inside irq_set_affinity on a DMA domain (the atomic-context problem of seed 002)', () => {
    const { after } = moved(riscv('prepare-msi', { defaultDomain: 'dma' }));
    expect(after.atomicMappings).toEqual([{ irq: irq0(after).irq, page: 0xf_fffen }]);
  });
});

describe('irq_set_affinity / guest_program_msi refusals (step; kernel/irq/manage.c, vfio-pci + KVM irqfd)', () => {
  const vmOwned = () =>
    setup(x86('vtd'), topo([{}], { harts: 2, vms: 1 }), [
      assign(0, 'type1', { to: 'guest', owner: 0 }),
      { op: 'guest_program_msi', device: 0, vector: 0, vcpu: 0 },
    ]);

  it('the host may move the host vector behind a VM-owned device (/proc affinity of a VFIO-created IRQ, seed 003), and the guest may retarget it too', () => {
    const s = vmOwned();
    expect(irqOf(s, 0, 0)?.owner).toBe('vm:0');
    const { state, results } = run(s, [
      affinity(0, 0, 1),
      { op: 'guest_program_msi', device: 0, vector: 0, vcpu: 0 },
    ]);
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(irqOf(run(s, [affinity(0, 0, 1)]).state, 0, 0)?.hart).toBe(1);
    expect(irqOf(state, 0, 0)?.hart).toBe(0);
  });

  it('guest_program_msi on a device not owned by a VM is -EINVAL (host-owned and userspace-owned)', () => {
    const s = setup(x86('vtd'), topo([{}, {}], { harts: 2, vms: 1 }), [assign(1, 'type1')]);
    expect(
      run(s, [
        { op: 'guest_program_msi', device: 0, vector: 0, vcpu: 0 },
        { op: 'guest_program_msi', device: 1, vector: 0, vcpu: 0 },
      ]).results,
    ).toEqual([
      { ok: false, errno: 'EINVAL' },
      { ok: false, errno: 'EINVAL' },
    ]);
  });

  it('irq_set_affinity on a vector that was never allocated is -EINVAL (no irq_desc)', () => {
    const s = setup(armIts(), topo([{}]));
    expect(run(s, [affinity(0, 1, 1)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });
});

describe('irq_set_affinity: the no-op and the IMSIC temporary message (irq-riscv-imsic-platform.c imsic_irq_set_affinity)', () => {
  const design = riscv('raw-physical', { msiRegion: 'none' });
  const irqAt = (s: State, vector: number) => {
    const q = irqOf(s, 0, vector);
    if (q === undefined) throw new Error(`vector ${vector} not allocated`);
    return q;
  };

  it('to the hart it is already on: success, nothing changes', () => {
    const s = setup(design, topo([{}], { harts: 2 }), [alloc(0)]);
    const { state, results } = run(s, [affinity(0, 0, irqAt(s, 0).hart)]);
    expect(results).toEqual([{ ok: true }]);
    expect(state.irqs).toEqual(s.irqs);
  });

  it('the same identity on the new hart: no temporary message, only the old one stays in flight', () => {
    const s = setup(design, topo([{}], { harts: 2 }), [alloc(0)]);
    const old = irqAt(s, 0);
    const after = irqAt(run(s, [affinity(0, 0, 1)]).state, 0);
    expect(after.msg.data).toBe(old.msg.data);
    expect(after.inflight).toEqual([old.msg]);
  });

  it('a new identity: first the old address with the new identity (tmp_vec), then the new message; both old and temporary in flight', () => {
    const s = setup(design, topo([{}], { harts: 2 }), [alloc(0), alloc(0)]);
    const old = irqAt(s, 1);
    const after = irqAt(run(s, [affinity(0, 1, 1)]).state, 1);
    expect(after.msg.data).not.toBe(old.msg.data);
    expect(after.msg.addr).toBe(imsicPage(2, 1, 'S') << 12n);
    expect(after.inflight).toEqual([old.msg, { addr: old.msg.addr, data: after.msg.data }]);
    expect(after.hw).toEqual({ chip: 'imsic', file: 'S', eiid: after.msg.data });
  });
});

describe('irq_set_affinity refusals: no host irq_desc, a full target CPU, a doorbell that cannot be mapped', () => {
  /** `s` with device 1's IRQs holding every identity in `hws` on hart 1 (filled by earlier allocations). */
  const onHart1 = (s: State, hws: readonly HwIrq[]): State => ({
    ...s,
    irqs: [
      ...s.irqs,
      ...hws.map(
        (hw, i): Irq => ({
          irq: 100 + i,
          device: 1,
          vector: i,
          hart: 1,
          owner: 'host',
          via: 'host',
          hw,
          msg: { addr: 0n, data: 0 },
        }),
      ),
    ],
  });
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  it('a vector the guest programmed through irqbypass has no host IRQ: -EINVAL, nothing changes (kernel/irq/manage.c __irq_set_affinity: !desc → -EINVAL; the guest IRQ lives in its guest interrupt file, RFC v2 patches 10-17)', () => {
    const s0 = setup(riscv('msi-table-guest-files'), topo([{}], { vms: 1, harts: 2 }), [
      assign(0, 'type1', { to: 'guest', unsafe: true }),
      { op: 'guest_program_msi', device: 0, vector: 0, vcpu: 0 },
    ]);
    const q = irqOf(s0, 0, 0);
    expect(q?.via).toBe('guest'); // premise
    const target = q?.hart === 0 ? 1 : 0;
    expect(irq_set_affinity(s0, 0, 0, target)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(run(s0, [affinity(0, 0, target)]).results).toEqual([{ ok: false, errno: 'EINVAL' }]);
  });

  it('IMSIC: every S-file identity of the target hart taken is -ENOSPC, the IRQ stays where it was (irq-riscv-imsic-platform.c imsic_irq_set_affinity: imsic_vector_alloc NULL → -ENOSPC)', () => {
    const s0 = setup(riscv('raw-physical', { msiRegion: 'none' }), topo([{}, {}], { harts: 2 }), [alloc(0)]);
    const imsic = (eiid: number): HwIrq => ({ chip: 'imsic', file: 'S', eiid });
    const full = onHart1(s0, range(2, IMSIC_IDS + 1).map(imsic));
    expect(irq_set_affinity(full, 0, 0, 1)).toEqual({ ok: false, errno: 'ENOSPC' });
    const last = irq_set_affinity(onHart1(s0, range(2, IMSIC_IDS).map(imsic)), 0, 0, 1);
    expect(last.ok && irqOf(last.state, 0, 0)?.hw).toEqual(imsic(IMSIC_IDS));
  });

  it('x86: every device vector of the target CPU taken is -ENOSPC, with or without IR (arch/x86/kernel/apic/vector.c apic_set_affinity → assign_vector_locked ← irq_matrix_alloc -ENOSPC)', () => {
    for (const ir of ['vtd', 'amd', 'none'] as const) {
      const s0 = setup(x86(ir), topo([{}, {}], { harts: 2 }), [alloc(0)]);
      const lapic = (vector: number): HwIrq => ({ chip: 'lapic', vector });
      const full = onHart1(s0, range(FIRST_DEVICE_VECTOR, X86_FIRST_SYSTEM_VECTOR).map(lapic));
      expect(irq_set_affinity(full, 0, 0, 1)).toEqual({ ok: false, errno: 'ENOSPC' });
      const last = irq_set_affinity(
        onHart1(s0, range(FIRST_DEVICE_VECTOR, X86_FIRST_SYSTEM_VECTOR - 1).map(lapic)),
        0,
        0,
        1,
      );
      expect(last.ok && irqOf(last.state, 0, 0)?.hw).toMatchObject({ vector: X86_FIRST_SYSTEM_VECTOR - 1 });
    }
  });

  it('prepare-msi: a move whose new doorbell page cannot be prepared fails with that errno (an UNMANAGED domain without an MSI cookie: iommu_dma_prepare_msi -EOPNOTSUPP, drivers/iommu/dma-iommu.c; docs/linux-policy.md doorbell policies)', () => {
    const s0 = setup(riscv('prepare-msi', { msiRegion: 'none' }), topo([{}], { harts: 2 }), [
      assign(0, 'type1', { unsafe: true }),
    ]);
    // An IRQ of the device on hart 0 (its doorbell prepared before the domain changed).
    const [s] = addIrq(s0, {
      device: 0,
      vector: 0,
      hart: 0,
      owner: ownerKey(groupOf(s0, 0).owner),
      via: 'host',
      hw: { chip: 'imsic', file: 'S', eiid: 2 },
      msg: { addr: imsicPage(2, 0, 'S') << 12n, data: 2 },
    });
    expect(irq_set_affinity(s, 0, 0, 1)).toEqual({ ok: false, errno: 'EOPNOTSUPP' });
  });
});
