import { deliver as hwDeliver, type Platform } from '../../model/hw/deliver.ts';
import { deposit } from '../../model/hw/riscv-iommu/extract.ts';
import { inInterruptWindow } from '../../model/hw/x86/window.ts';
import { domainMsiWindow } from '../../model/kernel/iommufd/msi-window.ts';
import { vtdRemappableAddr } from '../../model/kernel/irq/alloc.ts';
import type { Attribution } from '../../model/platform/attribution.ts';
import { attribute } from '../../model/platform/attribution.ts';
import type { Delivery } from '../../model/platform/deliver.ts';
import { deviceOf, domainOf, groupOf } from '../../model/platform/edit.ts';
import { hwView } from '../../model/platform/hw-view.ts';
import {
  IMSIC_IPI_ID,
  ITS_DOORBELL,
  imsicPage,
  MBI_DOORBELL,
  RAM_BASE_PAGE,
  V2M_DOORBELL,
  V2M_FIRST_SPI,
  X86_MSI_BASE,
  X86_SYSTEM_VECTORS,
  X86_TRAP_MC,
} from '../../model/platform/layout.ts';
import { structuralMemo } from '../../model/platform/memo.ts';
import type { Domain, State } from '../../model/platform/state.ts';
import type { Outcome } from '../../model/types/outcome.ts';
import { write32 } from '../../model/types/write.ts';
import { classRank, reachedClass } from './witness-class.ts';

/** Outcomes per platform, by requester id, data and address. */
const outcomes = new WeakMap<Platform, Map<number, Map<number, Map<bigint, Outcome>>>>();

/**
 * deliverFrom (model/platform/deliver.ts) with the hardware's outcome cached per platform: hwView
 * interns platforms by content, so every state that programs the same hardware reuses the outcome
 * of a write instead of walking the IOMMU again. The attribution (which IRQ, whose) is the state's.
 */
export const deliverCached = (s: State, device: number, addr: bigint, data: number): Delivery => {
  const platform = hwView(s);
  const rid = deviceOf(s, device).rid;
  let byRid = outcomes.get(platform);
  if (byRid === undefined) {
    byRid = new Map();
    outcomes.set(platform, byRid);
  }
  let byData = byRid.get(rid);
  if (byData === undefined) {
    byData = new Map();
    byRid.set(rid, byData);
  }
  let byAddr = byData.get(data);
  if (byAddr === undefined) {
    byAddr = new Map();
    byData.set(data, byAddr);
  }
  let outcome = byAddr.get(addr);
  if (outcome === undefined) {
    outcome = hwDeliver(platform, write32(rid, addr, data));
    byAddr.set(addr, outcome);
  }
  return outcome.kind === 'interrupt' ? { outcome, attribution: attribute(s, outcome) } : { outcome };
};

/** A write that landed on an interrupt, with who owns it. */
export interface Hit {
  readonly addr: bigint;
  readonly data: number;
  readonly outcome: Extract<Outcome, { kind: 'interrupt' }>;
  readonly attribution: Attribution;
}

/**
 * Offsets within a doorbell page where a write can mean anything: IMSIC seteipnum_le (0x0; the
 * platform implements no seteipnum_be), GITS_TRANSLATER and MSI_SETSPI_NS (0x40 in their pages).
 * Every other offset of those pages is ignored by the hardware.
 */
const offsetsFor = (s: State): readonly bigint[] => (s.hardware.arch === 'riscv' ? [0x0n] : [0x40n]);

/**
 * The pages a device's write can usefully target, computed from the state rather than guessed:
 * every interrupt-controller page (reachable as-is through identity, Bare or untranslated paths),
 * every IOVA mapped in the device's domain (and a NESTED domain's parent), every GPA its MSI page
 * table decodes, and on x86 the window addresses of every IRTE handle and APIC.
 */
/** The GPA pages a domain's RISC-V MSI page table decodes: one per interrupt-file index it holds ([[MSI_TRANS]]). */
export const msiTablePages = (dom: Domain): bigint[] => {
  const w = domainMsiWindow(dom);
  return [...dom.msiTable.keys()].map((i) => (w.pattern & ~w.mask) | deposit(i, w.mask));
};

export const candidateAddrs = (s: State, device: number): bigint[] => {
  const pages = new Set<bigint>();
  const addrs = new Set<bigint>();
  const dom = domainOf(s, groupOf(s, s.devices[device]?.group ?? 0).domain);
  for (const p of dom.pages.keys()) pages.add(p);
  // Unmapped probes for dma-containment: the first RAM pages (other owners' memory) and a low IOVA.
  for (const p of [1n, RAM_BASE_PAGE, RAM_BASE_PAGE + 1n]) pages.add(p);
  if (dom.parent !== undefined) for (const p of domainOf(s, dom.parent).pages.keys()) pages.add(p);
  for (const p of msiTablePages(dom)) pages.add(p);
  // A switch, not ts-pattern: this runs for every device of every state judged.
  const hw = s.hardware;
  switch (hw.arch) {
    case 'riscv':
      for (let h = 0; h < s.topology.harts; h++) {
        for (const f of ['M', 'S', 'G1', 'G2', 'G3'] as const) pages.add(imsicPage(s.topology.harts, h, f));
      }
      break;
    case 'arm':
      pages.add(ITS_DOORBELL >> 12n);
      pages.add(V2M_DOORBELL >> 12n);
      pages.add(MBI_DOORBELL >> 12n);
      break;
    case 'x86':
      for (const q of s.irqs) if (q.hw.chip === 'vtd') addrs.add(vtdRemappableAddr(q.hw.irte));
      for (let h = 0; h < s.topology.harts; h++) addrs.add(X86_MSI_BASE | (BigInt(h) << 12n));
      break;
    default: {
      const never: never = hw;
      throw new Error(`model inconsistency: ${JSON.stringify(never)}`);
    }
  }
  const offsets = offsetsFor(s);
  for (const p of pages) for (const off of offsets) addrs.add((p << 12n) | off);
  return [...addrs];
};

/**
 * x86 only: every delivery mode in MSI data[10:8] (lowest priority, SMI, NMI, INIT, ExtINT and the
 * reserved 011 / 110; Intel SDM vol. 3 "Message Data Register Format") with vector 0, and the #MC
 * exception vector in fixed mode. On AMD-Vi the same bits are part of the IRTE index (data[10:0]).
 */
const X86_MODE_DATA: readonly number[] = [...[1, 2, 3, 4, 5, 6, 7].map((m) => m << 8), X86_TRAP_MC];

/** Data values worth writing: every identity any IRQ was given, plus the host's own (IPI, system vectors, first SPI; on x86 every delivery mode and an exception vector). */
export const candidateData = (s: State): number[] => {
  const data = new Set<number>([
    0,
    1,
    2,
    3,
    IMSIC_IPI_ID,
    V2M_FIRST_SPI,
    ...Object.values(X86_SYSTEM_VECTORS),
  ]);
  for (const q of s.irqs) {
    data.add(q.msg.data);
    if (q.hw.chip === 'imsic') data.add(q.hw.eiid);
    if (q.hw.chip === 'its') data.add(q.hw.event);
    if (q.hw.chip === 'v2m' || q.hw.chip === 'mbi') data.add(q.hw.spi);
    if ('vector' in q.hw) data.add(q.hw.vector);
  }
  if (s.hardware.arch === 'x86') for (const d of X86_MODE_DATA) data.add(d);
  return [...data].sort((a, b) => a - b);
};

/** What each candidate address does with data 0, per device: shared by the write-based invariants. */
export interface Probe {
  readonly addr: bigint;
  readonly outcome: Outcome;
}
const probes = structuralMemo((_s: State) => new Map<number, Probe[]>());
export const probeWrites = (s: State, device: number): Probe[] => {
  const perState = probes(s);
  const known = perState.get(device);
  if (known !== undefined) return known;
  const out = candidateAddrs(s, device).map((addr) => ({
    addr,
    outcome: deliverCached(s, device, addr, 0).outcome,
  }));
  perState.set(device, out);
  return out;
};

/** A hit's witness-class rank (higher is stronger). */
const hitRank = (h: Hit): number => classRank(reachedClass(h.attribution.kind, h.attribution.owner));

const perStructure = structuralMemo((_s: State) => new Map<number, Hit[]>());

/**
 * Every interrupt device `device` can raise in state `s`, with one witness write each. The probe
 * with data 0 tells whether an address reaches an interrupt controller at all (memory does not
 * depend on the data on any modelled path, nor do faults outside the x86 interrupt window); only
 * those addresses are tried with every data value. Inside the x86 window a fault can depend on the
 * data: AMD-Vi faults an absent index or a refused delivery mode and passes an NMI whose DTE pass
 * bit is set (QEMU hw/i386/amd_iommu.c amdvi_int_remap_msi), so a fault there is tried too.
 */
export const reachableInterrupts = (s: State, device: number): Hit[] => {
  const perState = perStructure(s);
  const known = perState.get(device);
  if (known !== undefined) return known;
  const hits: Hit[] = [];
  const data = candidateData(s);
  for (const { addr, outcome } of probeWrites(s, device)) {
    if (outcome.kind === 'memory' || outcome.kind === 'register') continue;
    if (outcome.kind === 'fault' && !(s.hardware.arch === 'x86' && inInterruptWindow(addr))) continue;
    for (const d of data) {
      const r = deliverCached(s, device, addr, d);
      if (r.outcome.kind === 'interrupt' && r.attribution !== undefined) {
        hits.push({ addr, data: d, outcome: r.outcome, attribution: r.attribution });
      }
    }
  }
  // Strongest witness class first (witness-class.ts): another owner's IRQ, a host device's IRQ, a
  // host system vector or IPI, an unallocated identity; the sort is stable, so ties keep probe order.
  hits.sort((a, b) => hitRank(b) - hitRank(a));
  perState.set(device, hits);
  return hits;
};
