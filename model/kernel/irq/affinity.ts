import { match } from 'ts-pattern';
import { deviceOf, irqOf, setDevice, setIrq } from '../../platform/edit.ts';
import { msiFileIndex } from '../../platform/layout.ts';
import type { Irq, State } from '../../platform/state.ts';
import type { ErrnoName } from '../errno.ts';
import { compatAddr, freeCpuVector, freeEiid } from './alloc.ts';
import { imsicDoorbell } from './doorbell.ts';

export type AffinityStep = { ok: true; state: State } | { ok: false; errno: ErrnoName };

/** RFC v2 patch 08: drop the MSI PTE of `hart` when no IRQ of the device targets it any more. */
const releaseMsiPte = (s: State, device: number, hart: number): State => {
  if (s.policy.doorbells !== 'msi-table-affinity') return s;
  if (s.irqs.some((q) => q.device === device && q.hart === hart && q.via === 'host')) return s;
  const dev = deviceOf(s, device);
  const table = new Map(dev.msiTable);
  table.delete(msiFileIndex(hart, 0));
  return setDevice(s, { ...dev, msiTable: table });
};

/**
 * irq_set_affinity for one host-allocated vector. Address-encoded targets (IMSIC:
 * imsic_irq_set_affinity; x86 compatibility format) get a new identity on the new CPU and a new
 * message; ITS (MOVI), GICv2m (GICD_IROUTER) and remapped x86 (IRTE update) keep the message.
 * The intermediate message IMSIC writes for devices without atomic MSI update is not modelled.
 */
export const irq_set_affinity = (s: State, device: number, vector: number, hart: number): AffinityStep => {
  const q = irqOf(s, device, vector);
  if (q === undefined || q.via === 'guest') return { ok: false, errno: 'EINVAL' };
  if (q.hart === hart) return { ok: true, state: s };
  const moved = (state: State, next: Irq): AffinityStep => ({
    ok: true,
    state: releaseMsiPte(setIrq(state, next), device, q.hart),
  });
  return match(q.hw)
    .with({ chip: 'imsic' }, (hw): AffinityStep => {
      const eiid = freeEiid(s, hart);
      if (eiid === undefined) return { ok: false, errno: 'ENOSPC' };
      const r = imsicDoorbell(s, device, hart, q.irq, true);
      if (!r.ok) return r;
      return moved(r.state, { ...q, hart, hw: { ...hw, eiid }, msg: { addr: r.addr, data: eiid } });
    })
    .with({ chip: 'its' }, { chip: 'v2m' }, { chip: 'mbi' }, (): AffinityStep => moved(s, { ...q, hart }))
    .with({ chip: 'vtd' }, { chip: 'amd' }, { chip: 'lapic' }, (hw): AffinityStep => {
      const vec = freeCpuVector(s, hart);
      if (vec === undefined) return { ok: false, errno: 'ENOSPC' };
      if (hw.chip === 'lapic')
        return moved(s, {
          ...q,
          hart,
          hw: { ...hw, vector: vec },
          msg: { addr: compatAddr(hart), data: vec },
        });
      return moved(s, { ...q, hart, hw: { ...hw, vector: vec } });
    })
    .exhaustive();
};
