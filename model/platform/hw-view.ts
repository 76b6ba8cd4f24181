import { match } from 'ts-pattern';
import type { ArmPlatform } from '../hw/arm.ts';
import type { Dte } from '../hw/arm-gic/its.ts';
import type { Platform } from '../hw/deliver.ts';
import type { RiscvPlatform } from '../hw/riscv.ts';
import type { DeviceContext } from '../hw/riscv-iommu/config.ts';
import { basicPte, type MsiPte, validatedPte } from '../hw/riscv-iommu/msi-pte.ts';
import type { X86Platform } from '../hw/x86/index.ts';
import { isPaging } from '../kernel/iommu/domain.ts';
import { domainMsiWindow } from '../kernel/iommufd/msi-window.ts';
import type { PageMap } from '../types/page-map.ts';
import { domainOf, groupOf } from './edit.ts';
import { itsDeviceId, ittEvents } from './iort.ts';
import {
  GICD_BASE,
  GICD_SPIS,
  ITS_BASE,
  imsicConfig,
  MSI_PT_PPN,
  msiFileIndex,
  V2M_BASE,
  V2M_FIRST_SPI,
  V2M_NUM_SPIS,
} from './layout.ts';
import { internByContent, structuralMemo } from './memo.ts';
import type { Device, Domain, Mapping, State } from './state.ts';

/**
 * The hardware configuration a kernel state programs: device contexts / stream table entries /
 * DMA tables from each group's domain, MSI page tables, ITS tables, IRTEs. Built once per state.
 */
const pageMaps = new WeakMap<ReadonlyMap<bigint, Mapping>, PageMap>();
/** A domain's pages as the hardware's page map; one map per pages Map, shared by every state that has it. */
const toPageMap = (pages: ReadonlyMap<bigint, Mapping>): PageMap => {
  const known = pageMaps.get(pages);
  // Stryker disable next-line ConditionalExpression: a cache; a miss builds an equal map
  if (known !== undefined) return known;
  const m: PageMap = new Map();
  for (const [iova, e] of pages) m.set(iova, { ppn: e.ppn, r: true, w: true, x: false });
  pageMaps.set(pages, m);
  return m;
};
/** The empty page map of a Bare stage (never written: the hardware blocks are pure). */
const NO_PAGES: PageMap = new Map();
const composedMaps = new WeakMap<
  ReadonlyMap<bigint, Mapping>,
  WeakMap<ReadonlyMap<bigint, Mapping>, PageMap>
>();
/**
 * One page map for a domain on hardware with a single translation per device (x86 DMA remapping
 * here): a NESTED domain's S1 composed with its parent's S2 (VT-d / AMD nested translation).
 */
const composedMap = (s: State, d: Domain): PageMap => {
  if (d.type !== 'NESTED' || d.parent === undefined) return toPageMap(d.pages);
  const s2 = domainOf(s, d.parent).pages;
  let byS2 = composedMaps.get(d.pages);
  // Stryker disable next-line ConditionalExpression: a cache; a fresh inner table is a miss, which composes an equal map
  if (byS2 === undefined) {
    byS2 = new WeakMap();
    composedMaps.set(d.pages, byS2);
  }
  const known = byS2.get(s2);
  // Stryker disable next-line ConditionalExpression: a cache; a miss composes an equal map
  if (known !== undefined) return known;
  const m: PageMap = new Map();
  for (const [iova, e] of d.pages) {
    const pa = s2.get(e.ppn);
    if (pa !== undefined) m.set(iova, { ppn: pa.ppn, r: true, w: true, x: false });
  }
  byS2.set(s2, m);
  return m;
};
const domainOfDevice = (s: State, dev: Device): Domain => domainOf(s, groupOf(s, dev.group).domain);
/** Where a domain's MSI page table (riscv_iommu_domain.msi_root) sits in memory: one page per domain. */
const msiTableBase = (d: Domain): bigint => (MSI_PT_PPN + BigInt(d.id)) << 12n;

/**
 * HYPOTHETICAL validated PTEs (MSI_DATA_VALID): the identities the IR irq domain of domain `domain`
 * allocated in interrupt file `index` (its IRQs, Irq.domain, on that hart's S-file). Guest-file
 * entries allow nothing: the validated mode is modelled for host IR domains only.
 */
const allowedIds = (s: State, domain: number, index: bigint): number[] =>
  s.irqs.flatMap((q) =>
    q.hw.chip === 'imsic' && q.domain === domain && msiFileIndex(q.hart, 0) === index ? [q.hw.eiid] : [],
  );

const riscvView = (
  s: State,
  msiFlat: boolean,
  specVersion: RiscvPlatform['iommu']['specVersion'],
  validate: boolean,
): RiscvPlatform => {
  const useTable = s.policy.doorbells.startsWith('msi-table');
  const ddt = new Map<number, DeviceContext>();
  const msiPtes = new Map<bigint, MsiPte>();
  for (const dev of s.devices) {
    const d = domainOfDevice(s, dev);
    const pages = toPageMap(d.pages);
    const paging = isPaging(d);
    // A NESTED domain is the VM's first stage over its parent's G-stage (IOMMU spec, two-stage).
    const parent = d.type === 'NESTED' && d.parent !== undefined ? domainOf(s, d.parent) : undefined;
    const s1 = parent !== undefined || (paging && d.stage === 's1');
    const g = parent !== undefined ? toPageMap(parent.pages) : paging && d.stage === 's2' ? pages : undefined;
    // The driver programs msiptp only where the spec allows it: from spec 20260222 on, msiptp must
    // be Off while the G-stage is Bare (docs/hardware.md#msiptp-with-a-bare-g-stage); v1.0 hardware takes it with any stage.
    const table = useTable && (specVersion === 'v1.0' || g !== undefined);
    ddt.set(dev.rid, {
      tc: { V: d.type !== 'BLOCKED', PDTV: false },
      fsc: s1 ? { MODE: 'Sv39', pages } : { MODE: 'Bare', pages: NO_PAGES },
      iohgatp:
        g !== undefined
          ? { MODE: 'Sv48x4', GSCID: parent?.id ?? d.id, pages: g }
          : { MODE: 'Bare', GSCID: 0, pages: NO_PAGES },
      msiptp: table ? { MODE: 1, PPN: msiTableBase(d) >> 12n } : { MODE: 0, PPN: 0n },
      msi_addr_mask: table ? domainMsiWindow(d).mask : 0n,
      msi_addr_pattern: table ? domainMsiWindow(d).pattern : 0n,
    });
    for (const [i, ppn] of d.msiTable)
      msiPtes.set(
        msiTableBase(d) | (i * 16n),
        validate ? validatedPte(ppn, allowedIds(s, d.id, i)) : basicPte(ppn),
      );
  }
  return {
    arch: 'riscv',
    iommu: {
      specVersion,
      capabilities: {
        MSI_FLAT: msiFlat,
        MSI_MRIF: false,
        PAS: 56,
        gStage: 'Sv48x4',
        MSI_DATA_VALID: validate,
      },
      ddtp: { iommu_mode: 'DDT' },
      ddt,
      msiPtes,
      accessFault: new Set(),
      poisoned: new Set(),
    },
    imsic: imsicConfig(s.topology.harts),
  };
};

/** The stream table entry arm_smmu_make_*_ste writes for a device attached to domain `d`. */
const steOf = (
  s: State,
  d: Domain,
): ArmPlatform['smmu']['streams'] extends ReadonlyMap<number, infer E> ? E : never => {
  switch (d.type) {
    case 'IDENTITY':
      return { config: 'bypass' };
    case 'BLOCKED':
      return { config: 'abort' };
    case 'DMA':
    case 'UNMANAGED':
      return { config: 's1', s1: toPageMap(d.pages) };
    case 'NESTED':
      return {
        config: 'nested',
        s1: toPageMap(d.pages),
        s2: d.parent === undefined ? NO_PAGES : toPageMap(domainOf(s, d.parent).pages),
      };
    // Stryker disable next-line BlockStatement,ConditionalExpression: unreachable, the switch over the domain type is exhaustive (the type checker proves it)
    default: {
      const never: never = d.type;
      return never;
    }
  }
};

const armView = (s: State, irqchip: 'gicv3-its' | 'gicv2m' | 'gicv3-mbi'): ArmPlatform => {
  const streams: ArmPlatform['smmu']['streams'] = new Map();
  const rids: ArmPlatform['rids'] = new Map();
  const deviceTable: ArmPlatform['its'][number]['deviceTable'] = new Map();
  for (const dev of s.devices) {
    const d = domainOfDevice(s, dev);
    const deviceId = itsDeviceId(s, dev.index);
    rids.set(dev.rid, { sid: dev.rid, deviceId });
    streams.set(dev.rid, steOf(s, d));
    // One MAPD per DeviceID: devices whose DeviceIDs collide share the ITT (its_msi_prepare).
    const dte: Dte = deviceTable.get(deviceId) ?? {
      size: Math.log2(ittEvents(s, deviceId)) - 1,
      itt: new Map(),
    };
    for (const q of s.irqs) {
      if (q.device === dev.index && q.hw.chip === 'its')
        dte.itt.set(q.hw.event, { type: 'physical', intid: q.hw.lpi, icid: q.hart });
    }
    deviceTable.set(deviceId, dte);
  }
  const collections = new Map(
    Array.from({ length: s.topology.harts }, (_, h) => [h, { rdbase: h }] as const),
  );
  return {
    arch: 'arm',
    smmu: { streams },
    its:
      irqchip === 'gicv3-its'
        ? [{ base: ITS_BASE, enabled: true, dtEntries: 0x10000, deviceTable, collections, vpes: new Map() }]
        : [],
    v2m: irqchip === 'gicv2m' ? [{ base: V2M_BASE, firstSpi: V2M_FIRST_SPI, numSpis: V2M_NUM_SPIS }] : [],
    // The distributor is always there; only an MBI design maps it for devices (its GICD_TYPER.MBIS = 1).
    gicd: [{ base: GICD_BASE, spis: GICD_SPIS, mbis: irqchip === 'gicv3-mbi' }],
    rids,
  };
};

const x86View = (s: State, hw: Extract<State['hardware'], { arch: 'x86' }>): X86Platform => {
  const dma: X86Platform['dma'] = new Map();
  for (const dev of s.devices) {
    const d = domainOfDevice(s, dev);
    dma.set(
      dev.rid,
      d.type === 'IDENTITY' ? { mode: 'passthrough' } : { mode: 'translate', map: composedMap(s, d) },
    );
  }
  const ir = match(hw.ir)
    .with('vtd', (): X86Platform['ir'] => {
      const irt: Extract<X86Platform['ir'], { kind: 'vtd' }>['irt'] = new Map();
      for (const q of s.irqs) {
        if (q.hw.chip !== 'vtd') continue;
        // Stryker disable next-line OptionalChaining: every IRQ's device exists (irqs are allocated for topology devices only)
        const rid = s.devices[q.device]?.rid ?? 0;
        // set_msi_sid: SVT=1, SQ=0 with the device's requester id; with a DMA alias on its own bus
        // (count >= 2, every alias on one bus) set_irte_verify_bus(irte, bus, bus): SVT=2 with
        // SID = bus << 8 | bus. intremap=nosid: SVT=0. xAPIC: dest in bits 15:8.
        const bus = rid >>> 8;
        const busOnly = hw.vtdSameBusDmaAliases === true;
        irt.set(q.hw.irte, {
          im: 0,
          present: true,
          fpd: false,
          vector: q.hw.vector,
          dest: q.hart << 8,
          svt: hw.vtdSourceIdCheck ? (busOnly ? 2 : 1) : 0,
          sq: 0,
          sid: busOnly ? (bus << 8) | bus : rid,
          reservedSet: false,
        });
      }
      return { kind: 'vtd', ires: true, cfis: !hw.compatFormatBlocked, eime: false, irtSize: 0x10000, irt };
    })
    .with('amd', (): X86Platform['ir'] => {
      const devices: Extract<X86Platform['ir'], { kind: 'amd' }>['devices'] = new Map();
      // Stryker disable next-line ArrayDeclaration: the fallback is only searched for the three IVRS flag names, which any other placeholder string lacks as well
      const ivrs = hw.amdIvrsPass ?? [];
      const pass = {
        nmi: ivrs.includes('NMIPass'),
        init: ivrs.includes('INITPass'),
        extint: ivrs.includes('ExtIntPass'),
      };
      for (const dev of s.devices) {
        const irt = new Map();
        for (const q of s.irqs) {
          if (q.device === dev.index && q.hw.chip === 'amd')
            irt.set(q.hw.index, {
              remapEn: true,
              vector: q.hw.vector,
              destination: q.hart,
              guestMode: false,
            });
        }
        // amd_iommu: IV set and IntCtl = remap for every device (set_dte_irq_entry), over the DTE bits
        // the IVRS flags set (amd_iommu_make_clear_dte restores them): INIT 184, EINT 185, NMI 186.
        devices.set(dev.rid, { iv: true, intCtl: 2, irt, pass });
      }
      return { kind: 'amd', devices };
    })
    .with('none', (): X86Platform['ir'] => ({ kind: 'none' }))
    .exhaustive();
  return { arch: 'x86', ir, dma };
};

const intern = internByContent<Platform>();

/**
 * The hardware platform state `s` has programmed, memoised on the state's structure and interned
 * by content: states that program the same hardware share one Platform object, so what is derived
 * from it (write-space.ts deliveries) is computed once for all of them.
 */
export const hwView: (s: State) => Platform = structuralMemo((s) => {
  const hw = s.hardware;
  switch (hw.arch) {
    case 'riscv':
      return intern(riscvView(s, hw.msiFlat, hw.specVersion, hw.msiDataValidation === true));
    case 'arm':
      return intern(armView(s, hw.irqchip));
    case 'x86':
      return intern(x86View(s, hw));
    // Stryker disable next-line BlockStatement,ConditionalExpression: unreachable, the switch over hw.arch is exhaustive (the type checker proves it)
    default: {
      const never: never = hw;
      return never;
    }
  }
});
