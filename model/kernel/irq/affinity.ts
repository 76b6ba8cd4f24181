import { match } from 'ts-pattern';
import { irqOf, setIrq } from '../../platform/edit.ts';
import type { Irq, State } from '../../platform/state.ts';
import type { ErrnoName } from '../errno.ts';
import { mapMsiPte, unmapMsiPte } from '../iommu/msi-table.ts';
import { compatAddr, freeCpuVector, freeEiid } from './alloc.ts';
import { imsicDoorbell } from './doorbell.ts';

export type AffinityStep = { ok: true; state: State } | { ok: false; errno: ErrnoName };

/**
 * irq_set_affinity for one host-allocated vector. Address-encoded targets (IMSIC:
 * imsic_irq_set_affinity; x86 compatibility format) get a new identity on the new CPU and a new
 * message; ITS (MOVI), GICv2m (GICD_IROUTER) and remapped x86 (IRTE update) keep the message.
 * IMSIC (drivers/irqchip/irq-riscv-imsic-platform.c imsic_irq_set_affinity) first writes a
 * temporary message — the old address with the new identity — when the identity changes, then the
 * new one; both and the old message are recorded as in flight (Irq.inflight). With RFC v2's IR
 * irq domain (patch 08) the IMSIC parent runs first, and only then is the old hart's MSI PTE
 * unmapped and the new one mapped, in the table of the domain that allocated the IRQ.
 * Simplification: the device may use any in-flight message until the next move (the IMSIC's
 * deferred cleanup, __imsic_local_sync, is not a separate event).
 */
export const irq_set_affinity = (s: State, device: number, vector: number, hart: number): AffinityStep => {
  const q = irqOf(s, device, vector);
  if (q === undefined || q.via === 'guest') return { ok: false, errno: 'EINVAL' };
  if (q.hart === hart) return { ok: true, state: s };
  const moved = (state: State, next: Irq): AffinityStep => ({ ok: true, state: setIrq(state, next) });
  return match(q.hw)
    .with({ chip: 'imsic' }, (hw): AffinityStep => {
      const eiid = freeEiid(s, hart);
      if (eiid === undefined) return { ok: false, errno: 'ENOSPC' };
      const r = imsicDoorbell(s, device, hart, q.irq, true);
      if (!r.ok) return r;
      const temporary = { addr: q.msg.addr, data: eiid };
      const inflight = eiid === hw.eiid ? [q.msg] : [q.msg, temporary];
      const msg = { addr: r.addr, data: eiid };
      const state = setIrq(r.state, { ...q, hart, hw: { ...hw, eiid }, msg, inflight });
      if (q.domain === undefined) return { ok: true, state };
      return { ok: true, state: mapMsiPte(unmapMsiPte(state, q.domain, q.hart), q.domain, hart) };
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
