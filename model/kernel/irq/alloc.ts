import { match } from 'ts-pattern';
import { addIrq, deviceOf, groupOf, setIrq } from '../../platform/edit.ts';
import { devicesWithDeviceId, itsDeviceId, ittEvents } from '../../platform/iort.ts';
import {
  FIRST_DEVICE_VECTOR,
  IMSIC_IDS,
  IMSIC_IPI_ID,
  ITS_DOORBELL,
  LPI_BASE,
  MBI_DOORBELL,
  MBI_FIRST_SPI,
  MBI_NUM_SPIS,
  V2M_DOORBELL,
  V2M_FIRST_SPI,
  V2M_NUM_SPIS,
  X86_FIRST_SYSTEM_VECTOR,
  X86_MSI_BASE,
} from '../../platform/layout.ts';
import type { HwIrq, Irq, MsiMsg, State } from '../../platform/state.ts';
import { ownerKey } from '../../platform/state.ts';
import { PAGE_MASK } from '../../types/addr.ts';
import type { ErrnoName } from '../errno.ts';
import { currentDomainOf, mapMsiPte } from '../iommu/msi-table.ts';
import { hasIrDomainPtes } from '../policy.ts';
import { type DoorbellAddr, imsicDoorbell, prepareDoorbell } from './doorbell.ts';

export type IrqStep = { ok: true; state: State; irq: Irq } | { ok: false; errno: ErrnoName };

const lowestFree = (used: Set<number>, from: number, to: number): number | undefined => {
  for (let i = from; i < to; i++) if (!used.has(i)) return i;
  return undefined;
};

/**
 * The lowest free identity of hart `hart`'s interrupt file `file` (imsic_vector_alloc: per-CPU
 * irq_matrix; 1 is the IPI). A guest allocates in its own file the same way.
 */
export const freeEiid = (s: State, hart: number, file = 'S'): number | undefined =>
  lowestFree(
    new Set(
      s.irqs
        .filter(
          // Stryker disable next-line ConditionalExpression: chip === 'imsic' → true is equivalent, a non-IMSIC IRQ has no `file`, so q.hw.file === file already excludes it
          (q) => q.hw.chip === 'imsic' && q.hw.file === file && q.hart === hart,
        )
        .map(
          // Stryker disable next-line ConditionalExpression: the filter above keeps only IMSIC IRQs, so the non-IMSIC branch never runs
          (q) => (q.hw.chip === 'imsic' ? q.hw.eiid : 0),
        ),
    ),
    IMSIC_IPI_ID + 1,
    IMSIC_IDS + 1,
  );

/**
 * x86 vector matrix: the lowest free device vector on CPU `hart` (kernel/irq/matrix.c
 * irq_matrix_alloc → matrix_alloc_area), below every system vector (irq_vectors.h).
 */
export const freeCpuVector = (s: State, hart: number): number | undefined => {
  const used = new Set<number>();
  for (const q of s.irqs) if (q.hart === hart && 'vector' in q.hw) used.add(q.hw.vector);
  return lowestFree(used, FIRST_DEVICE_VECTOR, X86_FIRST_SYSTEM_VECTOR);
};

/** VT-d remappable-format address for IRTE `handle` with SHV = 1 (docs/hardware.md#intel-vt-d-interrupt-remapping). */
export const vtdRemappableAddr = (handle: number): bigint =>
  X86_MSI_BASE |
  (BigInt(handle & 0x7fff) << 5n) |
  (BigInt((handle >> 15) & 1) << 2n) |
  (1n << 4n) |
  (1n << 3n);
/** x86 compatibility format: destination APIC id in address bits 19:12. */
export const compatAddr = (apic: number): bigint => X86_MSI_BASE | (BigInt(apic) << 12n);

/**
 * The EventID of a new ITS IRQ of `device`: the lowest free event of the ITT of its DeviceID
 * (its_irq_domain_alloc → its_alloc_device_irq, bitmap_find_free_region). Devices whose DeviceIDs
 * collide share one its_device and its ITT: its_msi_prepare finds it ("Reusing ITT for devID") and
 * marks it shared (drivers/irqchip/irq-gic-v3-its.c, Linux 7.0). A full ITT is -ENOSPC.
 */
export const freeItsEvent = (s: State, device: number): number | undefined => {
  const id = itsDeviceId(s, device);
  const sharing = new Set(devicesWithDeviceId(s, id));
  const used = new Set(
    // Stryker disable next-line ConditionalExpression,UnaryOperator: freeItsEvent runs only on a GICv3 ITS platform, where every IRQ is an ITS IRQ: the non-ITS branch never runs
    s.irqs.filter((q) => sharing.has(q.device)).map((q) => (q.hw.chip === 'its' ? q.hw.event : -1)),
  );
  return lowestFree(used, 0, ittEvents(s, id));
};

/**
 * The doorbell address for a translated irqchip (ITS, GICv2m): iommu_dma_prepare_msi, or with
 * userspace-supplied IOVAs (seed 003) the IOVA userspace gave for this vector; a missing one is an
 * error, never a kernel allocation.
 */
const armDoorbell = (s: State, device: number, vector: number, phys: bigint): DoorbellAddr => {
  const dev = deviceOf(s, device);
  const assigned = groupOf(s, dev.group).owner.kind !== 'host';
  if (s.policy.msiIova === 'userspace-per-vector' && assigned) {
    const iova = dev.userMsiIova.get(vector);
    if (iova === undefined) return { ok: false, errno: 'EINVAL' };
    return { ok: true, state: s, addr: iova | (phys & PAGE_MASK) };
  }
  return prepareDoorbell(s, device, phys);
};

/**
 * msi_domain_alloc_irqs for one vector of `device`, affined to `hart`, on behalf of `owner`: the
 * irqchip picks the hardware identity, composes the message (imsic_irq_compose_vector_msg,
 * its_irq_compose_msi_msg, gicv2m_compose_msi_msg, intel/amd IR compose) and the device's
 * MSI table entry is written.
 */
export const allocIrq = (s: State, device: number, vector: number, hart: number): IrqStep => {
  const owner = ownerKey(groupOf(s, deviceOf(s, device).group).owner);
  const hw = s.hardware;
  const finish = (r: DoorbellAddr, hwIrq: HwIrq, data: number): IrqStep => {
    if (!r.ok) return r;
    const msg: MsiMsg = { addr: r.addr, data };
    const [state, irq] = addIrq(r.state, { device, vector, hart, owner, via: 'host', hw: hwIrq, msg });
    return { ok: true, state, irq };
  };
  return match(hw)
    .with({ arch: 'riscv' }, (): IrqStep => {
      const eiid = freeEiid(s, hart);
      if (eiid === undefined) return { ok: false, errno: 'ENOSPC' };
      const r = finish(
        imsicDoorbell(s, device, hart, s.nextIrq, false),
        { chip: 'imsic', file: 'S', eiid },
        eiid,
      );
      if (!r.ok || !hasIrDomainPtes(s.policy.doorbells)) return r;
      // RFC v2 patch 08: the IRQ belongs to the IR irq domain of the device's current iommu_domain,
      // which maps the affined hart's MSI PTE in that domain's table.
      const domain = currentDomainOf(r.state, device);
      const irq: Irq = { ...r.irq, domain };
      const state = setIrq(mapMsiPte(r.state, domain, hart), irq);
      return { ok: true, state, irq };
    })
    .with({ arch: 'arm', irqchip: 'gicv3-its' }, (): IrqStep => {
      const event = freeItsEvent(s, device);
      if (event === undefined) return { ok: false, errno: 'ENOSPC' };
      const lpi = LPI_BASE + s.nextIrq;
      return finish(armDoorbell(s, device, vector, ITS_DOORBELL), { chip: 'its', event, lpi }, event);
    })
    .with({ arch: 'arm', irqchip: 'gicv2m' }, (): IrqStep => {
      // Stryker disable next-line ConditionalExpression,UnaryOperator: on a GICv2m platform every IRQ is a v2m IRQ; a non-v2m value (-1, +1 or undefined) is outside the SPI range searched anyway
      const used = new Set(s.irqs.map((q) => (q.hw.chip === 'v2m' ? q.hw.spi : -1)));
      const spi = lowestFree(used, V2M_FIRST_SPI, V2M_FIRST_SPI + V2M_NUM_SPIS);
      if (spi === undefined) return { ok: false, errno: 'ENOSPC' };
      return finish(armDoorbell(s, device, vector, V2M_DOORBELL), { chip: 'v2m', spi }, spi);
    })
    .with({ arch: 'arm', irqchip: 'gicv3-mbi' }, (): IrqStep => {
      // mbi_irq_domain_alloc: the lowest free SPI of the mbi-ranges bitmap, then
      // iommu_dma_prepare_msi(mbi_phys_base + GICD_SETSPI_NSR); mbi_compose_msi_msg: data = the SPI.
      // Stryker disable next-line ConditionalExpression,UnaryOperator: on a GICv3 MBI platform every IRQ is an MBI IRQ; a non-MBI value (-1, +1 or undefined) is outside the SPI range searched anyway
      const used = new Set(s.irqs.map((q) => (q.hw.chip === 'mbi' ? q.hw.spi : -1)));
      const spi = lowestFree(used, MBI_FIRST_SPI, MBI_FIRST_SPI + MBI_NUM_SPIS);
      if (spi === undefined) return { ok: false, errno: 'ENOSPC' };
      return finish(armDoorbell(s, device, vector, MBI_DOORBELL), { chip: 'mbi', spi }, spi);
    })
    .with(/* Stryker disable next-line ObjectLiteral: only x86 is left */ { arch: 'x86' }, (x): IrqStep => {
      const vec = freeCpuVector(s, hart);
      if (vec === undefined) return { ok: false, errno: 'ENOSPC' };
      const ok = (addr: bigint): DoorbellAddr => ({ ok: true, state: s, addr });
      return match(x.ir)
        .with('vtd', (): IrqStep => {
          // Stryker disable next-line ConditionalExpression,UnaryOperator: on a VT-d platform every IRQ is a VT-d IRQ: the non-VT-d branch never runs
          const used = new Set(s.irqs.map((q) => (q.hw.chip === 'vtd' ? q.hw.irte : -1)));
          // intel_irq_remapping_alloc: alloc_irte finds no free run of the INTR_REMAP_TABLE_ENTRIES
          // bitmap → the -ENOMEM ret still holds from the allocation before it.
          const irte = lowestFree(used, 0, 0x10000);
          if (irte === undefined) return { ok: false, errno: 'ENOMEM' };
          return finish(ok(vtdRemappableAddr(irte)), { chip: 'vtd', irte, vector: vec }, 0);
        })
        .with('amd', (): IrqStep => {
          const used = new Set(
            // Stryker disable next-line ConditionalExpression,UnaryOperator: chip === 'amd' → true and -1 → +1 are equivalent, on an AMD IR platform every IRQ is an AMD IRQ (the per-device filter mutants are killed by alloc.test.ts)
            s.irqs.filter((q) => q.device === device).map((q) => (q.hw.chip === 'amd' ? q.hw.index : -1)),
          );
          // irq_remapping_alloc: alloc_irq_index over the device's table (MAX_IRQS_PER_TABLE_2K here;
          // 512 without FEATURE_NUM_INT_REMAP_SUP_2K) finds no free index → -ENOSPC.
          const index = lowestFree(used, 0, 0x800);
          if (index === undefined) return { ok: false, errno: 'ENOSPC' };
          return finish(ok(X86_MSI_BASE), { chip: 'amd', index, vector: vec }, index);
        })
        .with('none', () => finish(ok(compatAddr(hart)), { chip: 'lapic', vector: vec }, vec))
        .exhaustive();
    })
    .exhaustive();
};
