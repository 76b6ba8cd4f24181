import type { ImsicConfig, ImsicHart } from '../../../model/hw/riscv-aia/imsic.ts';
import {
  type DeviceContext,
  FIRST_STAGE_MODES,
  G_STAGE_MODES,
  MSIPTP_MODE_FLAT,
  MSIPTP_MODE_OFF,
  type RiscvIommuConfig,
} from '../../../model/hw/riscv-iommu/config.ts';
import type { MsiPte } from '../../../model/hw/riscv-iommu/msi-pte.ts';
import type { PageEntry } from '../../../model/types/page-map.ts';
import { get, index, type Json, member, type Reader } from '../read.ts';

/**
 * Setups of `riscv-iommu` and `imsic` vectors (docs/conformance-format.md, section 3.2) built into
 * the model's RISC-V IOMMU and IMSIC configurations.
 */

const U64 = 64;
const DECIMAL = /^(0|[1-9]\d*)$/;
const HEX = /^0x[0-9a-fA-F]+$/;

type G = (typeof G_STAGE_MODES)[number];
type F = (typeof FIRST_STAGE_MODES)[number];

/** Capability names the model reads; every other name is accepted and ignored (section 3.2). */
const BIT_CAPS = ['MSI_FLAT', 'MSI_MRIF', 'ATS', 'T2GPA', 'END', 'AMO_HWAD'] as const;

const readCapabilities = (r: Reader, raw: Json, path: string) => {
  const entries =
    raw === undefined ? [] : (r.map(raw, path, /^[A-Za-z_][A-Za-z0-9_]*$/, 'a capability field name') ?? []);
  const caps = new Map<string, number>();
  for (const [k, v] of entries) {
    const max =
      k === 'PAS' ? 64 : BIT_CAPS.includes(k as (typeof BIT_CAPS)[number]) || /^Sv/.test(k) ? 1 : 2 ** 31;
    const n = r.int(v, member(path, k), 0, max);
    if (n !== undefined) caps.set(k, n);
  }
  const pas = caps.get('PAS');
  if (pas === undefined)
    r.problem(member(path, 'PAS'), 'missing: the model needs the physical address width (32 to 64)');
  else if (pas < 32) r.problem(member(path, 'PAS'), `integer ${pas} out of range (allowed: 32 to 64)`);
  const on = (k: string) => caps.get(k) === 1;
  const gStageModes = G_STAGE_MODES.filter((m) => m !== 'Bare' && on(m));
  const firstStageModes = FIRST_STAGE_MODES.filter((m) => m !== 'Bare' && on(m));
  const widest: G = (['Sv57x4', 'Sv48x4', 'Sv39x4', 'Sv32x4'] as const).find((m) => on(m)) ?? 'Bare';
  return {
    MSI_FLAT: on('MSI_FLAT'),
    MSI_MRIF: on('MSI_MRIF'),
    PAS: pas ?? 56,
    gStage: widest,
    ATS: on('ATS'),
    T2GPA: on('T2GPA'),
    END: on('END'),
    AMO_HWAD: on('AMO_HWAD'),
    firstStageModes: firstStageModes as F[],
    gStageModes: gStageModes as G[],
  };
};

/** One 4 KiB leaf per mapping; `from` names the input address member (gpa or iova). */
const readMappings = (r: Reader, raw: Json, path: string, from: 'gpa' | 'iova', to: 'pa' | 'gpa') => {
  const pages = new Map<bigint, PageEntry>();
  for (const [i, m] of (r.array(raw, path) ?? []).entries()) {
    const p = index(path, i);
    const o = r.object(m, p, { required: [from, to, 'R', 'W', 'X', 'U'] });
    if (o === undefined) continue;
    const input = get(o, from, (v) => r.hex(v, member(p, from)));
    const output = get(o, to, (v) => r.hex(v, member(p, to)));
    const [R, W, X, U] = (['R', 'W', 'X', 'U'] as const).map((b) => get(o, b, (v) => r.bit(v, member(p, b))));
    if (input !== undefined && (input & 0xfffn) !== 0n) r.problem(member(p, from), 'must be 4 KiB aligned');
    if (output !== undefined && (output & 0xfffn) !== 0n) r.problem(member(p, to), 'must be 4 KiB aligned');
    if (
      input === undefined ||
      output === undefined ||
      R === undefined ||
      W === undefined ||
      X === undefined ||
      U === undefined
    )
      continue;
    if (pages.has(input >> 12n))
      r.problem(member(p, from), 'this page is already mapped by an earlier entry');
    pages.set(input >> 12n, { ppn: output >> 12n, r: R, w: W, x: X, u: U });
  }
  return pages;
};

const TC_BITS = [
  'V',
  'EN_ATS',
  'EN_PRI',
  'T2GPA',
  'DTF',
  'PDTV',
  'PRPR',
  'GADE',
  'SADE',
  'DPE',
  'SBE',
  'SXL',
] as const;

const readDeviceContext = (
  r: Reader,
  raw: Json,
  path: string,
): { id: number; dc: DeviceContext } | undefined => {
  const o = r.object(raw, path, {
    required: ['device_id', 'tc', 'iohgatp', 'first_stage', 'msiptp', 'msi_addr_mask', 'msi_addr_pattern'],
  });
  if (o === undefined) return undefined;
  const id = get(o, 'device_id', (v) => r.hex(v, member(path, 'device_id'), 24));
  const tcPath = member(path, 'tc');
  const tcRaw = get(o, 'tc', (v) => r.object(v, tcPath, { required: ['V'], optional: TC_BITS.slice(1) }));
  const tc: Record<string, boolean> = {};
  if (tcRaw !== undefined)
    for (const b of TC_BITS) {
      const bit = get(tcRaw, b, (v) => r.bit(v, member(tcPath, b)));
      if (bit !== undefined) tc[b] = bit;
    }
  const gPath = member(path, 'iohgatp');
  const g = get(o, 'iohgatp', (v) => r.object(v, gPath, { required: ['mode', 'gscid', 'mappings'] }));
  const gMode = g && get(g, 'mode', (v) => r.oneOf(v, member(gPath, 'mode'), G_STAGE_MODES));
  const gscid = g && get(g, 'gscid', (v) => r.hex(v, member(gPath, 'gscid'), 16));
  const gPages = g && readMappings(r, g.mappings, member(gPath, 'mappings'), 'gpa', 'pa');
  const fPath = member(path, 'first_stage');
  const f = get(o, 'first_stage', (v) => r.object(v, fPath, { required: ['mode', 'mappings'] }));
  const fMode = f && get(f, 'mode', (v) => r.oneOf(v, member(fPath, 'mode'), FIRST_STAGE_MODES));
  const fPages = f && readMappings(r, f.mappings, member(fPath, 'mappings'), 'iova', 'gpa');
  // With PDTV = 1 DC.fsc holds pdtp; the format has no pdtp, so the vector's first stage must be
  // Bare, the meaning of pdtp.MODE = Bare (no process directory).
  if (tc.PDTV && fMode !== undefined && fMode !== 'Bare')
    r.problem(
      member(fPath, 'mode'),
      'with tc.PDTV = 1 DC.fsc is pdtp, which this format sets to Bare: first_stage.mode must be Bare',
    );
  const mPath = member(path, 'msiptp');
  const m = get(o, 'msiptp', (v) => r.object(v, mPath, { required: ['mode', 'ppn'] }));
  const modeTok =
    m &&
    get(m, 'mode', (v) =>
      r.token(v, member(mPath, 'mode'), { pattern: /^(Off|Flat|[2-9]|1[0-5])$/, what: 'Off, Flat, 2 … 15' }),
    );
  const ppn = m && get(m, 'ppn', (v) => r.hex(v, member(mPath, 'ppn'), 60));
  const mask = get(o, 'msi_addr_mask', (v) => r.hex(v, member(path, 'msi_addr_mask'), U64));
  const pattern = get(o, 'msi_addr_pattern', (v) => r.hex(v, member(path, 'msi_addr_pattern'), U64));
  if (
    id === undefined ||
    tcRaw === undefined ||
    gMode === undefined ||
    gscid === undefined ||
    gPages === undefined ||
    fMode === undefined ||
    fPages === undefined ||
    modeTok === undefined ||
    ppn === undefined ||
    mask === undefined ||
    pattern === undefined
  )
    return undefined;
  const MODE = modeTok === 'Off' ? MSIPTP_MODE_OFF : modeTok === 'Flat' ? MSIPTP_MODE_FLAT : Number(modeTok);
  const dc: DeviceContext = {
    tc: { ...tc, V: tc.V === true, PDTV: tc.PDTV === true },
    iohgatp: { MODE: gMode, GSCID: Number(gscid), pages: gPages },
    fsc: { MODE: fMode, pages: fPages },
    msiptp: { MODE, PPN: ppn },
    msi_addr_mask: mask,
    msi_addr_pattern: pattern,
  };
  return { id: Number(id), dc };
};

const PTE_FIELDS = [
  'V',
  'C',
  'M',
  'PPN',
  'MRIF_Address',
  'NPPN',
  'NID',
  'dw0_reserved_bits',
  'dw1',
  'raw',
  'note',
];
const setBits = (x: bigint, hi: number, lo: number, v: bigint): bigint => {
  const m = ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
  return (x & ~m) | ((v << BigInt(lo)) & m);
};

/**
 * One MSI PTE (section 3.2): start from `raw`, then each named field overwrites its bits, then the
 * listed dw0 bits are set. `{read_fault}` makes reading the PTE an access fault.
 */
const readMsiPte = (r: Reader, raw: Json, path: string): MsiPte | 'read-fault' | undefined => {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'read_fault' in raw) {
    const o = r.object(raw, path, { required: ['read_fault'] });
    if (o !== undefined) get(o, 'read_fault', (v) => r.text(v, member(path, 'read_fault')));
    return 'read-fault';
  }
  const o = r.object(raw, path, { required: ['V'], optional: PTE_FIELDS.filter((f) => f !== 'V') });
  if (o === undefined) return undefined;
  const at = (k: string) => member(path, k);
  if ('PPN' in o && 'MRIF_Address' in o)
    r.problem(at('MRIF_Address'), 'PPN and MRIF_Address exclude each other');
  if ('dw1' in o && ('NPPN' in o || 'NID' in o)) r.problem(at('dw1'), 'dw1 and NPPN/NID exclude each other');
  let dw0 = 0n;
  let dw1 = 0n;
  if ('raw' in o) {
    const pair = r.array(o.raw, at('raw'));
    if (pair !== undefined && pair.length !== 2) r.problem(at('raw'), 'expected [dw0, dw1], two hex values');
    else if (pair !== undefined) {
      dw0 = r.hex(pair[0], index(at('raw'), 0)) ?? 0n;
      dw1 = r.hex(pair[1], index(at('raw'), 1)) ?? 0n;
    }
  }
  const V = get(o, 'V', (v) => r.bit(v, at('V')));
  if (V !== undefined) dw0 = setBits(dw0, 0, 0, BigInt(V));
  const M = get(o, 'M', (v) => r.int(v, at('M'), 0, 3));
  if (M !== undefined) dw0 = setBits(dw0, 2, 1, BigInt(M));
  const C = get(o, 'C', (v) => r.bit(v, at('C')));
  if (C !== undefined) dw0 = setBits(dw0, 63, 63, BigInt(C));
  const PPN = get(o, 'PPN', (v) => r.hex(v, at('PPN'), 44));
  if (PPN !== undefined) dw0 = setBits(dw0, 53, 10, PPN);
  const mrif = get(o, 'MRIF_Address', (v) => r.hex(v, at('MRIF_Address'), 56));
  if (mrif !== undefined && (mrif & 0x1ffn) !== 0n) r.problem(at('MRIF_Address'), 'must be 512-byte aligned');
  if (mrif !== undefined) dw0 = setBits(dw0, 53, 7, mrif >> 9n);
  const d1 = get(o, 'dw1', (v) => r.hex(v, at('dw1')));
  if (d1 !== undefined) dw1 = d1;
  const NPPN = get(o, 'NPPN', (v) => r.hex(v, at('NPPN'), 44));
  if (NPPN !== undefined) dw1 = setBits(dw1, 53, 10, NPPN);
  const NID = get(o, 'NID', (v) => r.hex(v, at('NID'), 11));
  if (NID !== undefined) dw1 = setBits(setBits(dw1, 9, 0, NID & 0x3ffn), 60, 60, NID >> 10n);
  const rsvd = get(o, 'dw0_reserved_bits', (v) => r.array(v, at('dw0_reserved_bits')));
  for (const [i, b] of (rsvd ?? []).entries()) {
    const n = r.int(b, index(at('dw0_reserved_bits'), i), 0, 63);
    if (n !== undefined) dw0 |= 1n << BigInt(n);
  }
  get(o, 'note', (v) => r.text(v, at('note')));
  return { dw0, dw1 };
};

const IMSIC_MEMBERS = {
  required: ['groups', 'group_index_bits', 'hart_index_bits', 'm_region', 's_region', 'harts'],
  optional: ['group_index_shift', 'big_endian_msi_supported', 'formulas'],
};

/** IMSIC layout of the AIA IMSIC chapter ("Arrangement of the memory regions of multiple interrupt files"). */
export const readImsic = (r: Reader, raw: Json, path: string): ImsicConfig | undefined => {
  const o = r.object(raw, path, IMSIC_MEMBERS);
  if (o === undefined) return undefined;
  const at = (k: string) => member(path, k);
  const groups = get(o, 'groups', (v) => r.int(v, at('groups'), 1, 128));
  const j = get(o, 'group_index_bits', (v) => r.int(v, at('group_index_bits'), 0, 7));
  const k = get(o, 'hart_index_bits', (v) => r.int(v, at('hart_index_bits'), 0, 15));
  if (j !== undefined && j > 0 && !('group_index_shift' in o))
    r.problem(at('group_index_shift'), 'missing required member (group_index_bits > 0)');
  const E = get(o, 'group_index_shift', (v) => r.int(v, at('group_index_shift'), 24, 55)) ?? 24;
  const region = (key: string) => {
    const p = at(key);
    const x = get(o, key, (v) => r.object(v, p, { required: ['base', 'hart_stride_log2'] }));
    const base = x && get(x, 'base', (v) => r.hex(v, member(p, 'base')));
    const stride = x && get(x, 'hart_stride_log2', (v) => r.int(v, member(p, 'hart_stride_log2'), 12, 52));
    return base === undefined || stride === undefined ? undefined : { base, stride };
  };
  const m = region('m_region');
  const s = region('s_region');
  const beMsi = get(o, 'big_endian_msi_supported', (v) => r.bool(v, at('big_endian_msi_supported'))) ?? false;
  get(o, 'formulas', (v) => r.text(v, at('formulas')));
  if (groups === undefined || j === undefined || k === undefined || m === undefined || s === undefined)
    return undefined;
  // Layout constraints (AIA IMSIC chapter): A aligned to 2^(k+C), B to 2^(k+D), E ≥ k + max(C, D),
  // A and B clear of the group field, and every group number fits in j bits.
  const aligned = (x: bigint, bits: number) => (x & ((1n << BigInt(bits)) - 1n)) === 0n;
  if (!aligned(m.base, k + m.stride))
    r.problem(member(at('m_region'), 'base'), `must be aligned to 2^(k+C) = 2^${k + m.stride}`);
  if (!aligned(s.base, k + s.stride))
    r.problem(member(at('s_region'), 'base'), `must be aligned to 2^(k+D) = 2^${k + s.stride}`);
  if (j > 0 && E < k + Math.max(m.stride, s.stride))
    r.problem(
      at('group_index_shift'),
      `E must be at least k + max(C, D) = ${k + Math.max(m.stride, s.stride)}`,
    );
  const groupField = ((1n << BigInt(j)) - 1n) << BigInt(E);
  for (const [key, reg] of [
    ['m_region', m],
    ['s_region', s],
  ] as const)
    if ((reg.base & groupField) !== 0n) r.problem(member(at(key), 'base'), 'has bits in the group field');
  if (groups > 2 ** j) r.problem(at('groups'), `${groups} groups do not fit in ${j} group index bits`);
  const harts: ImsicHart[] = [];
  const hp = at('harts');
  const list = get(o, 'harts', (v) => r.array(v, hp, true)) ?? [];
  const seen = new Set<string>();
  const ids = (p: string, v: Json) => {
    const n = r.int(v, p, 63, 2047);
    if (n !== undefined && (n & 63) !== 63) return r.problem(p, `${n} is not 64·m − 1 (63, 127, …, 2047)`);
    return n;
  };
  for (const [i, h] of list.entries()) {
    const p = index(hp, i);
    const x = r.object(h, p, { required: ['group', 'hart', 'GEILEN', 'N_M', 'N_S'], optional: ['N_guest'] });
    if (x === undefined) continue;
    const group = get(x, 'group', (v) => r.int(v, member(p, 'group'), 0, groups - 1));
    const hart = get(x, 'hart', (v) => r.int(v, member(p, 'hart'), 0, 2 ** k - 1));
    const geilen = get(x, 'GEILEN', (v) => r.int(v, member(p, 'GEILEN'), 0, 63));
    const mIds = get(x, 'N_M', (v) => ids(member(p, 'N_M'), v));
    const sIds = get(x, 'N_S', (v) => ids(member(p, 'N_S'), v));
    if (geilen !== undefined && geilen > 0 && !('N_guest' in x))
      r.problem(member(p, 'N_guest'), 'missing required member (GEILEN > 0)');
    const guestIds = get(x, 'N_guest', (v) => ids(member(p, 'N_guest'), v)) ?? 63;
    if (geilen !== undefined && geilen >= 2 ** (s.stride - 12))
      r.problem(
        member(p, 'GEILEN'),
        `${geilen} guest files do not fit in the 2^(D−12) = ${2 ** (s.stride - 12)} pages of a hart`,
      );
    if (
      group === undefined ||
      hart === undefined ||
      geilen === undefined ||
      mIds === undefined ||
      sIds === undefined
    )
      continue;
    if (seen.has(`${group}.${hart}`)) r.problem(p, `hart (${group}, ${hart}) is listed twice`);
    seen.add(`${group}.${hart}`);
    harts.push({ group, hart, geilen, mIds, sIds, guestIds });
  }
  if (harts.length === 0) return undefined;
  return {
    mBase: m.base,
    sBase: s.base,
    mHartShift: m.stride,
    guestIndexBits: s.stride - 12,
    hartIndexBits: k,
    groupIndexBits: j,
    groupIndexShift: E,
    beMsi,
    harts,
    groups,
  };
};

/** `riscv-iommu` setup: the IOMMU, one device context in a DDT of the stated depth, the MSI PTEs, optional IMSICs. */
export const readRiscvIommuSetup = (
  r: Reader,
  raw: Json,
  path: string,
): { iommu: RiscvIommuConfig; imsic: ImsicConfig | undefined } | undefined => {
  const o = r.object(raw, path, { required: ['iommu', 'device_context', 'msi_pte'], optional: ['imsic'] });
  if (o === undefined) return undefined;
  const ip = member(path, 'iommu');
  const io = get(o, 'iommu', (v) =>
    r.object(v, ip, { required: ['ddtp_mode'], optional: ['capabilities', 'fctl_be', 'spec_revision'] }),
  );
  const caps = io && readCapabilities(r, io.capabilities, member(ip, 'capabilities'));
  const ddtp =
    io &&
    get(io, 'ddtp_mode', (v) => r.oneOf(v, member(ip, 'ddtp_mode'), ['Off', 'Bare', '1LVL', '2LVL', '3LVL']));
  const be = io && (get(io, 'fctl_be', (v) => r.bit(v, member(ip, 'fctl_be'))) ?? false);
  const rev =
    io &&
    (get(io, 'spec_revision', (v) => r.oneOf(v, member(ip, 'spec_revision'), ['20260222', 'v1.0'])) ??
      '20260222');
  const dc = get(o, 'device_context', (v) => readDeviceContext(r, v, member(path, 'device_context')));
  const pp = member(path, 'msi_pte');
  const ptes = get(o, 'msi_pte', (v) => r.map(v, pp, DECIMAL, 'a decimal interrupt-file number'));
  const imsic = get(o, 'imsic', (v) => readImsic(r, v, member(path, 'imsic')));
  if (
    caps === undefined ||
    ddtp === undefined ||
    be === undefined ||
    rev === undefined ||
    dc === undefined ||
    ptes === undefined
  )
    return undefined;
  const msiPtes = new Map<bigint, MsiPte>();
  const accessFault = new Set<bigint>();
  const table = dc.dc.msiptp.PPN << 12n;
  for (const [key, v] of ptes) {
    const pte = readMsiPte(r, v, member(pp, key));
    const addr = table | (BigInt(key) * 16n);
    if (pte === 'read-fault') accessFault.add(addr);
    else if (pte !== undefined) msiPtes.set(addr, pte);
  }
  const levels = ddtp === '1LVL' ? 1 : ddtp === '2LVL' ? 2 : 3;
  const iommu: RiscvIommuConfig = {
    specVersion: rev as RiscvIommuConfig['specVersion'],
    capabilities: caps,
    // fctl.GXL is not a member of the format: a G-stage mode spelled Sv32x4 is an encoding of the
    // GXL = 1 table, so GXL is 1 exactly then.
    fctl: { BE: be, GXL: dc.dc.iohgatp.MODE === 'Sv32x4' },
    ddtp: ddtp === 'Off' || ddtp === 'Bare' ? { iommu_mode: ddtp } : { iommu_mode: 'DDT', levels },
    ddt: new Map([[dc.id, dc.dc]]),
    msiPtes,
    accessFault,
    poisoned: new Set(),
  };
  return { iommu, imsic };
};

/** Keys of hex-keyed maps (DeviceIDs, requester IDs). */
export const HEX_KEY = HEX;
export { DECIMAL };
