import { type Counterexample, replayClass } from '../../counterexamples/schema.ts';
import type { KResult } from '../../model/kernel/errno.ts';
import { iommu_group_has_isolated_msi } from '../../model/kernel/irq/isolated.ts';
import { deliverFrom } from '../../model/platform/deliver.ts';
import type { Op, Topology } from '../../model/platform/scenario.ts';
import { ownerKey, type State } from '../../model/platform/state.ts';
import type { Hop } from '../../model/types/hop.ts';
import { type Strength, type Strengths, strengthOf } from '../../properties/strength.ts';
import type { Design } from '../../spec/designs/schema.ts';
import { getInvariant } from '../../spec/invariants/index.ts';
import { INVARIANT_IDS, type Invariant, type InvariantId } from '../../spec/invariants/types.ts';
import type { Witness } from '../../spec/invariants/witness-schema.ts';
import type { Remedies, Remedy } from '../../spec/remedies.ts';
import { replay } from '../../spec/replay.ts';
import { holdsNote, type Verdicts } from '../../spec/verdicts.ts';

/** One op of the trace with what the kernel returned, and what it changed that a reader needs. */
export interface TraceRow {
  readonly index: number;
  readonly op: Op;
  readonly result: KResult;
  /** IRQs that exist after this op: number, device, owner, hardware identity, programmed message. */
  readonly irqs: readonly {
    irq: number;
    device: number;
    owner: string;
    hw: string;
    addr: string;
    data: number;
    hart: number;
  }[];
  /** Groups and their owners after this op, and whether the kernel judges them isolated. */
  readonly groups: readonly { group: number; owner: string; isolated: boolean; domain: string }[];
  /** RISC-V MSI page-table entries after this op: device, interrupt file number, target page. */
  readonly msiPtes: readonly { device: number; file: number; page: string }[];
  /** Devices whose dev->iommu->require_direct is set after this op. */
  readonly requireDirect: readonly number[];
  /** RISC-V MSI windows userspace supplied (Domain.msiWindow), per device: its domain's window base and size. */
  readonly msiWindows?: readonly { device: number; base: string; size: string }[];
}

/** Everything a report shows, as data: rendering (Markdown, HTML, SVG) reads only this. */
export interface ReportData {
  readonly design: Design;
  readonly invariant: Invariant;
  readonly counterexample: Counterexample;
  /** Path of the counterexample file, relative to the repository root. */
  readonly file: string;
  readonly topology: Topology;
  readonly trace: readonly TraceRow[];
  readonly witness: Witness;
  /** The witness's write traced through the hardware, hop by hop (write and delivery witnesses). */
  readonly hops: readonly Hop[];
  /** Whether the stored counterexample still violates its invariant with the same witness kind. */
  readonly reproduces: boolean;
  /** IRQs and groups at boot, before the first op (what the first trace row changed from). */
  readonly boot: Snapshot;
  /** Each device at the end of the trace: the reserved regions its IOMMU driver reports, and its group's domain. */
  readonly devices: readonly DeviceRow[];
  /** The strength of the design's verdict on every invariant, from certificates/ (properties/strength.ts). */
  readonly strengths: ReadonlyMap<InvariantId, Strength>;
  /** What makes the invariant hold on any design (spec/remedies.json), when recorded. */
  readonly remedy?: Remedy;
  /** The notes of the design's vacuous ✓ verdicts (spec/verdicts.json): why each premise never arises. */
  readonly vacuousNotes: ReadonlyMap<InvariantId, string>;
}

/** A device of the final state, as the platform table shows it. */
export interface DeviceRow {
  readonly index: number;
  readonly bdf: string;
  readonly rid: number;
  readonly group: number;
  readonly vectors: number;
  /** Firmware regions of the topology (RMRR / IVMD / IORT RMR). */
  readonly firmware: readonly string[];
  /** Every reserved region the driver reports: type, start, length (iommu_get_resv_regions). */
  readonly regions: readonly { type: string; start: string; length: string }[];
  readonly requireDirect: boolean;
}

const hwText = (q: State['irqs'][number]): string => {
  const hw = q.hw;
  switch (hw.chip) {
    case 'imsic':
      return `IMSIC hart ${q.hart} ${hw.file}-file EIID ${hw.eiid}`;
    case 'its':
      return `ITS EventID ${hw.event} → LPI ${hw.lpi} (collection ${q.hart})`;
    case 'v2m':
      return `GICv2m SPI ${hw.spi}`;
    case 'mbi':
      return `MBI SPI ${hw.spi}`;
    case 'vtd':
      return `VT-d IRTE ${hw.irte} → APIC ${q.hart} vector 0x${hw.vector.toString(16)}`;
    case 'amd':
      return `AMD IRTE ${hw.index} → APIC ${q.hart} vector 0x${hw.vector.toString(16)}`;
    case 'lapic':
      return `APIC ${q.hart} vector 0x${hw.vector.toString(16)}`;
    default: {
      const never: never = hw;
      return never;
    }
  }
};

/** What a trace row shows of a state. */
export type Snapshot = Pick<TraceRow, 'irqs' | 'groups' | 'msiPtes' | 'requireDirect' | 'msiWindows'>;

const snapshot = (s: State): Snapshot => ({
  irqs: s.irqs.map((q) => ({
    irq: q.irq,
    device: q.device,
    owner: q.owner,
    hw: hwText(q),
    addr: `0x${q.msg.addr.toString(16)}`,
    data: q.msg.data,
    hart: q.hart,
  })),
  groups: s.groups.map((g) => ({
    group: g.id,
    owner: ownerKey(g.owner),
    isolated: iommu_group_has_isolated_msi(s, g.id),
    domain: s.domains[g.domain]?.type ?? '?',
  })),
  msiPtes: s.devices.flatMap((dev) =>
    [...(s.domains[s.groups[dev.group]?.domain ?? -1]?.msiTable ?? [])].map(([file, page]) => ({
      device: dev.index,
      file: Number(file),
      page: `0x${(page << 12n).toString(16)}`,
    })),
  ),
  requireDirect: s.devices.filter((dev) => dev.requireDirect).map((dev) => dev.index),
  msiWindows: s.devices.flatMap((dev) => {
    const w = s.domains[s.groups[dev.group]?.domain ?? -1]?.msiWindow;
    return w === undefined
      ? []
      : [
          {
            device: dev.index,
            base: `0x${(w.pattern << 12n).toString(16)}`,
            size: `0x${((w.mask + 1n) << 12n).toString(16)}`,
          },
        ];
  }),
});

/**
 * On a platform whose MSI controller is not an ITS (GICv2m), the IORT's DeviceID output goes
 * nowhere: the hop keeps the StreamID only (Arm IORT DEN 0049: an ID mapping to an ITS group
 * node; a GICv2m frame has none), so a report does not show a DeviceID hop that does not exist.
 */
const withoutDeviceId = (hops: Hop[]): void => {
  for (const [i, h] of hops.entries())
    if (h.step === 'iort-id-mapping' && h.facts.deviceId !== undefined) {
      const { deviceId: _, ...facts } = h.facts;
      hops[i] = { ...h, facts };
    }
};

/** Replays a counterexample and gathers what its report shows. Pure: no I/O. */
export const reportData = (
  design: Design,
  c: Counterexample,
  file: string,
  {
    strengths,
    remedies,
    verdicts = {},
  }: { readonly strengths: Strengths; readonly remedies: Remedies; readonly verdicts?: Verdicts },
): ReportData => {
  const invariant = getInvariant(c.invariant);
  const r = replay(design, c.scenario, [invariant], replayClass(c));
  const trace: TraceRow[] = r.steps
    .filter((st) => st.index >= 0 && st.result !== undefined)
    .map((st) => ({
      index: st.index,
      op: c.scenario.ops[st.index] as Op,
      result: st.result as KResult,
      ...snapshot(st.state),
    }));
  const final = r.steps[r.steps.length - 1]?.state;
  const w = c.violation.witness;
  const hops: Hop[] = [];
  if (final !== undefined && w.kind === 'write') deliverFrom(final, w.device, BigInt(w.addr), w.data, hops);
  if (final !== undefined && w.kind === 'delivery')
    deliverFrom(final, w.device, BigInt(w.msg.addr), w.msg.data, hops);
  if (design.hardware.arch === 'arm' && design.hardware.irqchip !== 'gicv3-its') withoutDeviceId(hops);
  const reproduces = r.violation !== undefined && r.violation.violation.witness.kind === w.kind;
  const first = r.steps[0]?.state;
  const boot =
    first === undefined ? { irqs: [], groups: [], msiPtes: [], requireDirect: [] } : snapshot(first);
  const devices: DeviceRow[] = (final?.devices ?? []).map((dv) => ({
    index: dv.index,
    bdf: dv.bdf,
    rid: dv.rid,
    group: dv.group,
    vectors: dv.vectors,
    firmware: c.scenario.topology.devices[dv.index]?.resv ?? [],
    regions: dv.resv.map((g) => ({
      type: g.type,
      start: `0x${g.start.toString(16)}`,
      length: `0x${g.length.toString(16)}`,
    })),
    requireDirect: dv.requireDirect,
  }));
  return {
    design,
    invariant,
    counterexample: c,
    file,
    topology: c.scenario.topology,
    trace,
    witness: w,
    hops,
    reproduces,
    boot,
    devices,
    strengths: new Map(INVARIANT_IDS.map((i) => [i, strengthOf(strengths, design.id, i)])),
    vacuousNotes: new Map(
      INVARIANT_IDS.flatMap((i) => {
        const note = holdsNote(verdicts[design.id]?.[i]);
        return note === undefined ? [] : [[i, note] as const];
      }),
    ),
    ...(remedies[c.invariant] === undefined ? {} : { remedy: remedies[c.invariant] }),
  };
};
