import { describe, expect, it } from 'vitest';
import type { ArmPlatform } from '../hw/arm.ts';
import type { RiscvPlatform } from '../hw/riscv.ts';
import { basicPte, validatedPte } from '../hw/riscv-iommu/msi-pte.ts';
import type { X86Platform } from '../hw/x86/index.ts';
import type { DesignCore } from '../kernel/policy.ts';
import { alloc, armIts, armV2m, riscv, setup, topo, x86 } from '../kernel/testing.ts';
import { build } from './build.ts';
import { hwView } from './hw-view.ts';
import type { Domain, Mapping, State } from './state.ts';

/**
 * The hardware a kernel state programs. Each case sets the domains by hand and reads back the
 * table entry the driver would write for them: RISC-V device context (RISC-V IOMMU spec, "Device
 * context" fields tc, fsc, iohgatp, msiptp, msi_addr_mask/pattern; MSI PTEs are 16 bytes, "MSI page
 * tables"), SMMUv3 STE (arm_smmu_make_bypass_ste / _abort_ste / _cdtable_ste / _nested_ste), ITS
 * DTE/ITE (MAPD Size = log2(events) - 1, Arm IHI 0069 "MAPD"), VT-d IRTE (set_msi_sid) and AMD DTE
 * (set_dte_irq_entry).
 */
const page = (ppn: bigint, origin: Mapping['origin'] = 'user'): Mapping => ({ ppn, origin, prot: 3 });
const rw = (ppn: bigint) => ({ ppn, r: true, w: true, x: false });
const withDomains = (
  s: State,
  domains: readonly Partial<Domain>[],
  groupDomain: readonly number[],
): State => {
  const base = s.domains[0] as Domain;
  return {
    ...s,
    domains: domains.map((d, id) => ({ ...base, msiTable: new Map(), pages: new Map(), ...d, id })),
    groups: s.groups.map((g, i) => ({ ...g, domain: groupDomain[i] ?? 0 })),
  };
};
const riscvOf = (s: State): RiscvPlatform => {
  const p = hwView(s);
  if (p.arch !== 'riscv') throw new Error(p.arch);
  return p;
};
const armOf = (s: State): ArmPlatform => {
  const p = hwView(s);
  if (p.arch !== 'arm') throw new Error(p.arch);
  return p;
};
const x86Of = (s: State): X86Platform => {
  const p = hwView(s);
  if (p.arch !== 'x86') throw new Error(p.arch);
  return p;
};
const riscvDesign = (
  doorbells: 'msi-table-affinity' | 'raw-physical',
  hw: Partial<{ specVersion: 'v1.0' | '20260222'; msiDataValidation: boolean; msiFlat: boolean }> = {},
): DesignCore => {
  const d = riscv(doorbells);
  return { ...d, hardware: { arch: 'riscv', msiFlat: true, specVersion: 'v1.0', ...hw } };
};

describe('RISC-V: device contexts and MSI page tables', () => {
  const t = topo([{}, {}, {}, {}], { harts: 2 });
  const bare = { MODE: 'Bare', GSCID: 0, pages: new Map() };
  const table = (id: number) => ({
    msiptp: { MODE: 1, PPN: 0x9_0000n + BigInt(id) },
    msi_addr_mask: 0xfn,
    msi_addr_pattern: 0x28000n,
  });
  const off = { msiptp: { MODE: 0, PPN: 0n }, msi_addr_mask: 0n, msi_addr_pattern: 0n };

  it('identity, blocked, S1 and S2 paging and nested domains (v1.0: msiptp whatever the G-stage)', () => {
    const s = withDomains(
      build(riscvDesign('msi-table-affinity'), t),
      [
        { type: 'IDENTITY' },
        { type: 'BLOCKED' },
        { type: 'DMA', stage: 's1', pages: new Map([[5n, page(7n)]]) },
        { type: 'UNMANAGED', stage: 's2', pages: new Map([[6n, page(8n)]]) },
        { type: 'NESTED', stage: 's1', parent: 3, pages: new Map([[9n, page(6n)]]) },
      ],
      [0, 1, 2, 4],
    );
    const p = riscvOf(s);
    const rid = (i: number) => s.devices[i]?.rid ?? -1;
    expect(p.iommu.ddt.get(rid(0))).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Bare', pages: new Map() },
      iohgatp: bare,
      ...table(0),
    });
    expect(p.iommu.ddt.get(rid(1))).toEqual({
      tc: { V: false, PDTV: false },
      fsc: { MODE: 'Bare', pages: new Map() },
      iohgatp: bare,
      ...table(1),
    });
    expect(p.iommu.ddt.get(rid(2))).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Sv39', pages: new Map([[5n, rw(7n)]]) },
      iohgatp: bare,
      ...table(2),
    });
    expect(p.iommu.ddt.get(rid(3))).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Sv39', pages: new Map([[9n, rw(6n)]]) },
      iohgatp: { MODE: 'Sv48x4', GSCID: 3, pages: new Map([[6n, rw(8n)]]) },
      ...table(4),
    });
    expect(p.iommu.ddt.size).toBe(4);
    expect(p.iommu.capabilities).toEqual({
      MSI_FLAT: true,
      MSI_MRIF: false,
      PAS: 56,
      gStage: 'Sv48x4',
      MSI_DATA_VALID: false,
    });
    expect(p.iommu.ddtp).toEqual({ iommu_mode: 'DDT' });
    expect(p.iommu.specVersion).toBe('v1.0');
    expect([p.iommu.accessFault, p.iommu.poisoned]).toEqual([new Set(), new Set()]);
    expect(p.arch).toBe('riscv');
    expect(p.imsic.harts.length).toBe(2);
  });

  it('an S2 paging domain is the G-stage with its own GSCID; a NESTED domain without a parent is S1 only', () => {
    const s = withDomains(
      build(riscvDesign('msi-table-affinity', { specVersion: '20260222' }), t),
      [
        { type: 'DMA', stage: 's2', pages: new Map([[1n, page(2n)]]) },
        { type: 'NESTED', stage: 's1', pages: new Map([[3n, page(4n)]]) },
        { type: 'IDENTITY' },
      ],
      [0, 1, 2, 2],
    );
    const p = riscvOf(s);
    const dc = (i: number) => p.iommu.ddt.get(s.devices[i]?.rid ?? -1);
    expect(dc(0)).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Bare', pages: new Map() },
      iohgatp: { MODE: 'Sv48x4', GSCID: 0, pages: new Map([[1n, rw(2n)]]) },
      ...table(0),
    });
    // 20260222: msiptp must be Off while the G-stage is Bare (docs/hardware.md#msiptp-with-a-bare-g-stage).
    expect(dc(1)).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Sv39', pages: new Map([[3n, rw(4n)]]) },
      iohgatp: bare,
      ...off,
    });
    expect(dc(2)).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Bare', pages: new Map() },
      iohgatp: bare,
      ...off,
    });
    expect(p.iommu.specVersion).toBe('20260222');
  });

  it('a NESTED domain over a parent is the first stage (fsc Sv39) whatever the stage field its driver gave it', () => {
    // RISC-V IOMMU spec, "Two-stage address translation": the guest's table is the first stage
    // (DC.fsc), the parent's the G-stage (DC.iohgatp); allocDomain stamps a NESTED domain with the
    // driver's pagingStage, so on an S2 driver a NESTED domain carries stage 's2' and is still S1.
    const s = withDomains(
      build(riscvDesign('msi-table-affinity'), t),
      [
        { type: 'UNMANAGED', stage: 's2', pages: new Map([[6n, page(8n)]]) },
        { type: 'NESTED', stage: 's2', parent: 0, pages: new Map([[9n, page(6n)]]) },
      ],
      [1, 0, 0, 0],
    );
    const p = riscvOf(s);
    expect(p.iommu.ddt.get(s.devices[0]?.rid ?? -1)).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Sv39', pages: new Map([[9n, rw(6n)]]) },
      iohgatp: { MODE: 'Sv48x4', GSCID: 0, pages: new Map([[6n, rw(8n)]]) },
      ...table(1),
    });
  });

  it('without an MSI table policy msiptp is Off; MSI PTEs sit 16 bytes apart in one page per domain', () => {
    const raw = withDomains(
      build(riscvDesign('raw-physical', { msiFlat: false }), t),
      [{ type: 'IDENTITY' }],
      [0, 0, 0, 0],
    );
    const p = riscvOf(raw);
    expect(p.iommu.ddt.get(raw.devices[0]?.rid ?? -1)).toEqual({
      tc: { V: true, PDTV: false },
      fsc: { MODE: 'Bare', pages: new Map() },
      iohgatp: bare,
      ...off,
    });
    expect(p.iommu.capabilities.MSI_FLAT).toBe(false);
    const s = withDomains(
      build(riscvDesign('msi-table-affinity'), t),
      [
        { type: 'IDENTITY', msiTable: new Map([[0n, 0x28000n]]) },
        {
          type: 'IDENTITY',
          msiTable: new Map([
            [0n, 0x28000n],
            [5n, 0x28005n],
          ]),
        },
      ],
      [0, 1, 1, 1],
    );
    expect(riscvOf(s).iommu.msiPtes).toEqual(
      new Map([
        [0x9_0000_000n, basicPte(0x28000n)],
        [0x9_0001_000n, basicPte(0x28000n)],
        [0x9_0001_050n, basicPte(0x28005n)],
      ]),
    );
  });

  it('HYPOTHETICAL MSI_DATA_VALID: validated PTEs allow the EIIDs the domain’s IR irq domain allocated on that file', () => {
    const d = riscvDesign('msi-table-affinity', { msiDataValidation: true });
    const s0 = setup(d, topo([{ vectors: 2 }, {}], { harts: 2 }), [alloc(0), alloc(0), alloc(1)]);
    const s = { ...s0, irqs: s0.irqs.map((q, i) => (i === 1 ? { ...q, hart: 1 } : q)) };
    const p = riscvOf(s);
    expect(p.iommu.capabilities.MSI_DATA_VALID).toBe(true);
    for (const dom of s.domains)
      for (const [i, ppn] of dom.msiTable) {
        const ids = s.irqs.flatMap((q) =>
          q.hw.chip === 'imsic' && q.domain === dom.id && BigInt(q.hart) << 2n === i ? [q.hw.eiid] : [],
        );
        expect(p.iommu.msiPtes.get(((0x9_0000n + BigInt(dom.id)) << 12n) | (i * 16n))).toEqual(
          validatedPte(ppn, ids),
        );
      }
    expect(p.iommu.msiPtes.size).toBe(s.domains.reduce((n, x) => n + x.msiTable.size, 0));
    expect(p.iommu.msiPtes.size).toBeGreaterThan(0);
  });
});

describe('Arm: stream table, ITS tables, GICv2m frame, distributor', () => {
  const t = topo([{}, {}, {}, {}, {}].slice(0, 4), { harts: 3 });
  it('STE per domain type: bypass, abort, S1, nested over the parent’s S2', () => {
    const s = withDomains(
      build(armIts(), t),
      [
        { type: 'IDENTITY' },
        { type: 'BLOCKED' },
        { type: 'UNMANAGED', pages: new Map([[1n, page(2n)]]) },
        { type: 'NESTED', parent: 2, pages: new Map([[3n, page(1n)]]) },
        { type: 'NESTED', pages: new Map([[4n, page(1n)]]) },
      ],
      [0, 1, 3, 4],
    );
    const p = armOf(s);
    const ste = (i: number) => p.smmu.streams.get(s.devices[i]?.rid ?? -1);
    expect(ste(0)).toEqual({ config: 'bypass' });
    expect(ste(1)).toEqual({ config: 'abort' });
    expect(ste(2)).toEqual({ config: 'nested', s1: new Map([[3n, rw(1n)]]), s2: new Map([[1n, rw(2n)]]) });
    expect(ste(3)).toEqual({ config: 'nested', s1: new Map([[4n, rw(1n)]]), s2: new Map() });
    const dma = withDomains(
      build(armIts(), t),
      [{ type: 'DMA', pages: new Map([[7n, page(8n)]]) }],
      [0, 0, 0, 0],
    );
    expect(armOf(dma).smmu.streams.get(dma.devices[0]?.rid ?? -1)).toEqual({
      config: 's1',
      s1: new Map([[7n, rw(8n)]]),
    });
  });

  it('GICv3 ITS: one enabled ITS, a DTE per DeviceID with 8 events (Size 2), an ITE per LPI, a collection per hart', () => {
    const s = setup(armIts(), t, [alloc(0), alloc(0), alloc(2)]);
    const p = armOf(s);
    expect(p.arch).toBe('arm');
    expect(p.v2m).toEqual([]);
    expect(p.gicd).toEqual([{ base: 0x0800_0000n, spis: 128, mbis: false }]);
    expect(p.its.length).toBe(1);
    const its = p.its[0];
    expect(its?.base).toBe(0x0808_0000n);
    expect(its?.enabled).toBe(true);
    expect(its?.dtEntries).toBe(0x10000);
    expect(its?.vpes).toEqual(new Map());
    expect(its?.collections).toEqual(
      new Map([
        [0, { rdbase: 0 }],
        [1, { rdbase: 1 }],
        [2, { rdbase: 2 }],
      ]),
    );
    const ite = (q: (typeof s.irqs)[number]) => {
      if (q.hw.chip !== 'its') throw new Error(q.hw.chip);
      return [q.hw.event, { type: 'physical', intid: q.hw.lpi, icid: q.hart }] as const;
    };
    const [q0, q1, q2] = s.irqs as [
      (typeof s.irqs)[number],
      (typeof s.irqs)[number],
      (typeof s.irqs)[number],
    ];
    expect(its?.deviceTable).toEqual(
      new Map([
        [s.devices[0]?.rid, { size: 2, itt: new Map([ite(q0), ite(q1)]) }],
        [s.devices[1]?.rid, { size: 2, itt: new Map() }],
        [s.devices[2]?.rid, { size: 2, itt: new Map([ite(q2)]) }],
        [s.devices[3]?.rid, { size: 2, itt: new Map() }],
      ]),
    );
    expect(p.rids).toEqual(new Map(s.devices.map((d) => [d.rid, { sid: d.rid, deviceId: d.rid }])));
  });

  it('colliding DeviceIDs share one DTE and ITT (all-zero: DeviceID 0, 32 events, Size 4; its_msi_prepare)', () => {
    const d: DesignCore = {
      ...armIts(),
      hardware: { arch: 'arm', irqchip: 'gicv3-its', deviceIds: 'all-zero' },
    };
    const s = setup(d, topo([{}, {}], { harts: 1 }), [alloc(0), alloc(1)]);
    const p = armOf(s);
    const dt = p.its[0]?.deviceTable;
    expect([...(dt?.keys() ?? [])]).toEqual([0]);
    expect(dt?.get(0)?.size).toBe(4);
    expect(dt?.get(0)?.itt.size).toBe(2);
    expect(p.rids).toEqual(new Map(s.devices.map((x) => [x.rid, { sid: x.rid, deviceId: 0 }])));
  });

  it('GICv2m: the frame at 0x08020000 with SPIs 64..95 and no ITS; MBI: no frame, the distributor with MBIS', () => {
    const v2m = armOf(build(armV2m(), t));
    expect(v2m.its).toEqual([]);
    expect(v2m.v2m).toEqual([{ base: 0x0802_0000n, firstSpi: 64, numSpis: 32 }]);
    expect(v2m.gicd).toEqual([{ base: 0x0800_0000n, spis: 128, mbis: false }]);
    const mbi = armOf(build({ ...armV2m(), hardware: { arch: 'arm', irqchip: 'gicv3-mbi' } }, t));
    expect([mbi.its, mbi.v2m, mbi.gicd]).toEqual([[], [], [{ base: 0x0800_0000n, spis: 128, mbis: true }]]);
  });
});

describe('x86: DMA remapping and interrupt remapping tables', () => {
  const t = topo([{}, {}, {}], { harts: 2 });
  it('identity is pass-through; others translate, a NESTED domain through its parent (S1 then S2), dropping what S2 lacks', () => {
    const s = withDomains(
      build(x86('vtd'), t),
      [
        { type: 'IDENTITY' },
        { type: 'DMA', pages: new Map([[1n, page(2n)]]) },
        {
          type: 'NESTED',
          parent: 1,
          pages: new Map([
            [5n, page(1n)],
            [6n, page(9n)],
          ]),
        },
        { type: 'NESTED', pages: new Map([[7n, page(1n)]]) },
      ],
      [0, 2, 3],
    );
    const p = x86Of(s);
    expect(p.dma).toEqual(
      new Map([
        [s.devices[0]?.rid, { mode: 'passthrough' }],
        [s.devices[1]?.rid, { mode: 'translate', map: new Map([[5n, rw(2n)]]) }],
        [s.devices[2]?.rid, { mode: 'translate', map: new Map([[7n, rw(1n)]]) }],
      ]),
    );
    const dma = withDomains(
      build(x86('vtd'), t),
      [{ type: 'UNMANAGED', pages: new Map([[3n, page(4n)]]) }],
      [0, 0, 0],
    );
    expect(x86Of(dma).dma.get(0x100)).toEqual({ mode: 'translate', map: new Map([[3n, rw(4n)]]) });
    // The composed map is one object per (S1 pages, S2 pages): a second view of an equal state reuses it.
    const again = x86Of({ ...s, irqs: [...s.irqs] });
    const m1 = p.dma.get(s.devices[1]?.rid ?? -1);
    const m2 = again.dma.get(s.devices[1]?.rid ?? -1);
    expect(m1?.mode === 'translate' && m2?.mode === 'translate' && m1.map === m2.map).toBe(true);
  });

  const vtdIrt = (
    hw: Partial<{ vtdSourceIdCheck: boolean; vtdSameBusDmaAliases: boolean; compatFormatBlocked: boolean }>,
  ) => {
    const base = x86('vtd');
    const d: DesignCore = {
      ...base,
      hardware: { arch: 'x86', ir: 'vtd', vtdSourceIdCheck: true, compatFormatBlocked: true, ...hw },
    };
    const s0 = setup(d, topo([{}, {}], { harts: 2 }), [alloc(1)]);
    const s = { ...s0, irqs: s0.irqs.map((q) => ({ ...q, hart: 1 })) };
    const p = x86Of(s);
    if (p.ir.kind !== 'vtd') throw new Error(p.ir.kind);
    const q = s.irqs[0];
    if (q?.hw.chip !== 'vtd') throw new Error('no vtd irq');
    return { ir: p.ir, q: { ...q, hw: q.hw }, rid: s.devices[1]?.rid ?? -1 };
  };

  it('VT-d: an IRTE per IRQ, remapped format, xAPIC destination in bits 15:8, SVT=1 with the requester id (set_msi_sid)', () => {
    const { ir, q, rid } = vtdIrt({});
    expect(rid).toBe(0x200);
    expect(ir).toEqual({
      kind: 'vtd',
      ires: true,
      cfis: false,
      eime: false,
      irtSize: 0x10000,
      irt: new Map([
        [
          q.hw.irte,
          {
            im: 0,
            present: true,
            fpd: false,
            vector: q.hw.vector,
            dest: 0x100,
            svt: 1,
            sq: 0,
            sid: 0x200,
            reservedSet: false,
          },
        ],
      ]),
    });
    expect(vtdIrt({ compatFormatBlocked: false }).ir.cfis).toBe(true);
  });

  it('each IR table holds its own chip’s IRQs only (an IRQ of another irqchip gets no IRTE, ITE or MSI PTE permission)', () => {
    const foreign = (s: State): State => {
      const q = s.irqs[0];
      if (q === undefined) throw new Error('no irq');
      return { ...s, irqs: [...s.irqs, { ...q, irq: 99, vector: 1, hw: { chip: 'lapic', vector: 0x99 } }] };
    };
    const vtd = setup(x86('vtd'), topo([{}]), [alloc(0)]);
    const pv = x86Of(foreign(vtd));
    expect(pv.ir.kind === 'vtd' && [...pv.ir.irt.keys()]).toEqual(
      vtd.irqs.map((q) => (q.hw.chip === 'vtd' ? q.hw.irte : -1)),
    );
    const amdDesign: DesignCore = {
      ...x86('amd'),
      hardware: { arch: 'x86', ir: 'amd', vtdSourceIdCheck: true, compatFormatBlocked: false },
    };
    const amd = setup(amdDesign, topo([{}]), [alloc(0)]);
    const pa = x86Of(foreign(amd));
    expect(pa.ir.kind === 'amd' && [...(pa.ir.devices.get(0x100)?.irt.keys() ?? [])]).toEqual(
      amd.irqs.map((q) => (q.hw.chip === 'amd' ? q.hw.index : -1)),
    );
    const its = setup(armIts(), topo([{}]), [alloc(0)]);
    const pi = armOf(foreign(its));
    expect([...(pi.its[0]?.deviceTable.get(0x100)?.itt.keys() ?? [])]).toEqual(
      its.irqs.map((q) => (q.hw.chip === 'its' ? q.hw.event : -1)),
    );
    const rv = setup(riscvDesign('msi-table-affinity', { msiDataValidation: true }), topo([{}]), [alloc(0)]);
    const q = rv.irqs[0];
    if (q?.hw.chip !== 'imsic') throw new Error('no imsic irq');
    // The foreign IRQ on the same device, domain and hart would otherwise add identity 0x99's bit.
    const withForeign = {
      ...rv,
      irqs: [...rv.irqs, { ...q, irq: 99, hw: { chip: 'lapic', vector: 0x99 } } as const],
    };
    expect(riscvOf(withForeign).iommu.msiPtes).toEqual(riscvOf(rv).iommu.msiPtes);
  });

  it('VT-d: DMA aliases on the bus give SVT=2 with SID bus << 8 | bus (set_irte_verify_bus); intremap=nosid SVT=0', () => {
    const alias = vtdIrt({ vtdSameBusDmaAliases: true });
    expect(alias.ir.irt.get(alias.q.hw.irte)).toMatchObject({ svt: 2, sid: 0x0202 });
    const nosid = vtdIrt({ vtdSourceIdCheck: false });
    expect(nosid.ir.irt.get(nosid.q.hw.irte)).toMatchObject({ svt: 0, sid: 0x200 });
    const both = vtdIrt({ vtdSourceIdCheck: false, vtdSameBusDmaAliases: true });
    expect(both.ir.irt.get(both.q.hw.irte)).toMatchObject({ svt: 0, sid: 0x0202 });
  });

  it('AMD: every device’s DTE has IV and IntCtl = remapped with its IRTEs; the IVRS pass flags as firmware set them', () => {
    const mk = (amdIvrsPass?: ('NMIPass' | 'INITPass' | 'ExtIntPass' | 'Lint0Pass')[]) => {
      const d: DesignCore = {
        ...x86('amd'),
        hardware: {
          arch: 'x86',
          ir: 'amd',
          vtdSourceIdCheck: true,
          compatFormatBlocked: false,
          ...(amdIvrsPass ? { amdIvrsPass } : {}),
        },
      };
      return setup(d, topo([{}, {}], { harts: 2 }), [alloc(0), alloc(0)]);
    };
    const s = mk();
    const p = x86Of(s);
    if (p.ir.kind !== 'amd') throw new Error(p.ir.kind);
    const irte = s.irqs.map((q) => {
      if (q.hw.chip !== 'amd') throw new Error(q.hw.chip);
      return [
        q.hw.index,
        { remapEn: true, vector: q.hw.vector, destination: q.hart, guestMode: false },
      ] as const;
    });
    const none = { nmi: false, init: false, extint: false };
    expect(p.ir.devices).toEqual(
      new Map([
        [s.devices[0]?.rid, { iv: true, intCtl: 2, irt: new Map(irte), pass: none }],
        [s.devices[1]?.rid, { iv: true, intCtl: 2, irt: new Map(), pass: none }],
      ]),
    );
    const pass = (flags: ('NMIPass' | 'INITPass' | 'ExtIntPass' | 'Lint0Pass')[]) => {
      const v = x86Of(mk(flags));
      if (v.ir.kind !== 'amd') throw new Error(v.ir.kind);
      return v.ir.devices.get(0x100)?.pass;
    };
    expect(pass(['NMIPass'])).toEqual({ nmi: true, init: false, extint: false });
    expect(pass(['INITPass'])).toEqual({ nmi: false, init: true, extint: false });
    expect(pass(['ExtIntPass', 'Lint0Pass'])).toEqual({ nmi: false, init: false, extint: true });
  });

  it('no IR: nothing to remap', () => {
    expect(x86Of(build(x86('none'), t)).ir).toEqual({ kind: 'none' });
  });
});

describe('hwView is memoised and interned', () => {
  it('the same state structure gives the same Platform; equal hardware in another structure the same object too', () => {
    const s = build(armIts(), topo([{}]));
    const p = hwView(s);
    expect(hwView({ ...s, nextIrq: 1000 })).toBe(p);
    expect(hwView({ ...s, irqs: [] })).toBe(p);
  });
});
