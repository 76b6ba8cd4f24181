import type { Dte as AmdDte, AmdIrConfig } from '../../../model/hw/x86/amd-ir.ts';
import { type AmdIrteFields, encodeAmdIrte } from '../../../model/hw/x86/amd-irte.ts';
import type { DmaDomain } from '../../../model/hw/x86/dma.ts';
import type { X86Platform } from '../../../model/hw/x86/index.ts';
import { decodeIrte, encodeIrte, type Irte, type VtdIrConfig } from '../../../model/hw/x86/vtd-ir.ts';
import type { PageEntry } from '../../../model/types/page-map.ts';
import { get, index, type Json, member, type Reader } from '../read.ts';
import { DECIMAL, HEX_KEY } from './riscv.ts';

/** Setups of `vtd-ir`, `amd-ir` and `x86-compat` vectors (docs/conformance-format.md, section 3.2). */

const passthrough = (rid: number): Map<number, DmaDomain> => new Map([[rid, { mode: 'passthrough' }]]);

const IRTE_FIELDS = [
  'P',
  'FPD',
  'DM',
  'RH',
  'TM',
  'DLM',
  'IM',
  'vector',
  'DST',
  'SID',
  'SQ',
  'SVT',
  'reserved_bits_set',
  'note',
];

const readVtdIrte = (r: Reader, raw: Json, path: string): Irte | undefined => {
  const o = r.object(raw, path, { required: ['P'], optional: IRTE_FIELDS.slice(1) });
  if (o === undefined) return undefined;
  const at = (k: string) => member(path, k);
  const bitOf = (k: string) => get(o, k, (v) => r.bit(v, at(k)));
  const intOf = (k: string, max: number) => get(o, k, (v) => r.int(v, at(k), 0, max));
  const hexOf = (k: string, bits: number) => get(o, k, (v) => r.hex(v, at(k), bits));
  const P = bitOf('P');
  const f = {
    FPD: bitOf('FPD'),
    DM: Number(bitOf('DM') ?? 0),
    RH: Number(bitOf('RH') ?? 0),
    TM: Number(bitOf('TM') ?? 0),
    DLM: intOf('DLM', 7),
    IM: intOf('IM', 1),
    vector: Number(hexOf('vector', 8) ?? 0n),
    DST: Number(hexOf('DST', 32) ?? 0n),
    SID: Number(hexOf('SID', 16) ?? 0n),
    SQ: intOf('SQ', 3),
    SVT: intOf('SVT', 3),
  };
  const reserved: number[] = [];
  for (const [i, t] of (
    get(o, 'reserved_bits_set', (v) => r.array(v, at('reserved_bits_set'))) ?? []
  ).entries()) {
    const tok = r.token(t, index(at('reserved_bits_set'), i), {
      pattern: /^bit (\d|[1-9]\d|1[01]\d|12[0-7])$/,
      what: 'bit N with N = 0 … 127',
    });
    if (tok !== undefined) reserved.push(Number(tok.slice(4)));
  }
  get(o, 'note', (v) => r.text(v, at('note')));
  if (P === undefined) return undefined;
  // The named fields go to their remapped-format bit positions; the unit reads the 128 bits back
  // in the layout IM selects (model/hw/x86/vtd-ir.ts decodeIrte).
  const { lo, hi } = encodeIrte({ ...f, P }, reserved);
  return decodeIrte(lo, hi);
};

const readDma = (r: Reader, raw: Json, path: string): DmaDomain | undefined => {
  const o = r.object(raw, path, { required: ['mode', 'second_level'] });
  if (o === undefined) return undefined;
  const mode = get(o, 'mode', (v) => r.oneOf(v, member(path, 'mode'), ['legacy', 'scalable']));
  const map = new Map<bigint, PageEntry>();
  const lp = member(path, 'second_level');
  for (const [i, m] of (get(o, 'second_level', (v) => r.array(v, lp)) ?? []).entries()) {
    const p = index(lp, i);
    const e = r.object(m, p, { required: ['iova', 'pa', 'R', 'W'] });
    if (e === undefined) continue;
    const iova = get(e, 'iova', (v) => r.hex(v, member(p, 'iova')));
    const pa = get(e, 'pa', (v) => r.hex(v, member(p, 'pa')));
    const R = get(e, 'R', (v) => r.bit(v, member(p, 'R')));
    const W = get(e, 'W', (v) => r.bit(v, member(p, 'W')));
    if (iova !== undefined && (iova & 0xfffn) !== 0n) r.problem(member(p, 'iova'), 'must be 4 KiB aligned');
    if (pa !== undefined && (pa & 0xfffn) !== 0n) r.problem(member(p, 'pa'), 'must be 4 KiB aligned');
    if (iova === undefined || pa === undefined || R === undefined || W === undefined) continue;
    if (map.has(iova >> 12n)) r.problem(member(p, 'iova'), 'this page is already mapped by an earlier entry');
    map.set(iova >> 12n, { ppn: pa >> 12n, r: R, w: W, x: false });
  }
  if (mode === undefined) return undefined;
  return { mode: 'translate', map, scalable: mode === 'scalable' };
};

export const readVtdSetup = (
  r: Reader,
  raw: Json,
  path: string,
  rid: number | undefined,
): X86Platform | undefined => {
  const s = r.object(raw, path, { required: ['vtd'] });
  const p = member(path, 'vtd');
  const o =
    s &&
    get(s, 'vtd', (v) =>
      r.object(v, p, {
        required: ['IRES', 'EIME', 'CFIS', 'irt_entries', 'irte'],
        optional: ['address_format', 'dma_remapping'],
      }),
    );
  if (o === undefined) return undefined;
  const at = (k: string) => member(p, k);
  const ires = get(o, 'IRES', (v) => r.bit(v, at('IRES')));
  const eime = get(o, 'EIME', (v) => r.bit(v, at('EIME')));
  const cfis = get(o, 'CFIS', (v) => r.bit(v, at('CFIS')));
  const size = get(o, 'irt_entries', (v) => r.int(v, at('irt_entries'), 2, 65536));
  // IRTA.S: the table holds 2^(S+1) entries.
  if (size !== undefined && (size & (size - 1)) !== 0)
    r.problem(at('irt_entries'), `${size} is not 2^(IRTA.S+1), a power of two`);
  const irt = new Map<number, Irte>();
  for (const [k, v] of r.map(o.irte, at('irte'), DECIMAL, 'a decimal IRTE index') ?? []) {
    if (size !== undefined && Number(k) >= size)
      r.problem(member(at('irte'), k), `index ${k} is beyond the ${size}-entry table`);
    const e = readVtdIrte(r, v, member(at('irte'), k));
    if (e !== undefined) irt.set(Number(k), e);
  }
  get(o, 'address_format', (v) => r.text(v, at('address_format')));
  const dma = 'dma_remapping' in o ? readDma(r, o.dma_remapping, at('dma_remapping')) : undefined;
  if (
    ires === undefined ||
    eime === undefined ||
    cfis === undefined ||
    size === undefined ||
    rid === undefined
  )
    return undefined;
  const ir: VtdIrConfig & { kind: 'vtd' } = { kind: 'vtd', ires, eime, cfis, irtSize: size, irt };
  // Absent dma_remapping: DMA remapping is off and a non-interrupt write reaches its address.
  return { arch: 'x86', ir, dma: dma === undefined ? passthrough(rid) : new Map([[rid, dma]]) };
};

const AMD_IRTE_FIELDS = [
  'RemapEn',
  'SupIOPF',
  'IntType',
  'RqEoi',
  'DM',
  'GuestMode',
  'Destination',
  'Vector',
];

const readAmdIrte = (r: Reader, raw: Json, path: string): AmdIrteFields | undefined => {
  const o = r.object(raw, path, { required: ['RemapEn'], optional: AMD_IRTE_FIELDS.slice(1) });
  if (o === undefined) return undefined;
  const at = (k: string) => member(path, k);
  const bitOf = (k: string) => get(o, k, (v) => r.bit(v, at(k)));
  const RemapEn = bitOf('RemapEn');
  const f = {
    SupIOPF: bitOf('SupIOPF'),
    IntType: get(o, 'IntType', (v) => r.int(v, at('IntType'), 0, 7)),
    RqEoi: bitOf('RqEoi'),
    DM: bitOf('DM'),
    GuestMode: bitOf('GuestMode'),
    Destination: Number(get(o, 'Destination', (v) => r.hex(v, at('Destination'), 8)) ?? 0n),
    Vector: Number(get(o, 'Vector', (v) => r.hex(v, at('Vector'), 8)) ?? 0n),
  };
  return RemapEn === undefined ? undefined : { ...f, RemapEn };
};

export const readAmdSetup = (
  r: Reader,
  raw: Json,
  path: string,
  rid: number | undefined,
): X86Platform | undefined => {
  const s = r.object(raw, path, { required: ['amdvi'] });
  const p = member(path, 'amdvi');
  const o =
    s &&
    get(s, 'amdvi', (v) =>
      r.object(v, p, {
        required: ['device_table', 'irts'],
        optional: ['ga_mode', 'interrupt_remapping_supported', 'device_table_present', 'intctl_encoding'],
      }),
    );
  if (o === undefined) return undefined;
  const at = (k: string) => member(p, k);
  const ga = get(o, 'ga_mode', (v) => r.bool(v, at('ga_mode'))) ?? false;
  const irSupported =
    get(o, 'interrupt_remapping_supported', (v) => r.bool(v, at('interrupt_remapping_supported'))) ?? true;
  const present = get(o, 'device_table_present', (v) => r.bool(v, at('device_table_present'))) ?? true;
  get(o, 'intctl_encoding', (v) => r.text(v, at('intctl_encoding')));
  // Interrupt remapping tables as memory holds them: raw IRTEs in the layout ga_mode selects.
  const tables = new Map<string, Map<number, bigint>>();
  for (const [name, t] of r.map(o.irts, at('irts'), /^[A-Za-z0-9_.-]+$/, 'a table id ([A-Za-z0-9_.-]+)') ??
    []) {
    const tp = member(at('irts'), name);
    const raw = new Map<number, bigint>();
    for (const [k, v] of r.map(t, tp, DECIMAL, 'a decimal IRTE index') ?? []) {
      if (Number(k) > 0x7ff) r.problem(member(tp, k), 'an IRTE index is data[10:0], at most 2047');
      const e = readAmdIrte(r, v, member(tp, k));
      if (e !== undefined) raw.set(Number(k), encodeAmdIrte(e, ga));
    }
    tables.set(name, raw);
  }
  const devices = new Map<number, AmdDte>();
  for (const [k, v] of r.map(o.device_table, at('device_table'), HEX_KEY, 'a hex requester ID') ?? []) {
    const dp = member(at('device_table'), k);
    if (BigInt(k) > 0xffffn) r.problem(dp, 'a requester ID has 16 bits');
    const d = r.object(v, dp, {
      required: ['IV'],
      optional: ['IntCtl', 'irt', 'NMIPass', 'INITPass', 'EIntPass'],
    });
    if (d === undefined) continue;
    const iv = get(d, 'IV', (x) => r.bit(x, member(dp, 'IV')));
    const intCtl = get(d, 'IntCtl', (x) => r.int(x, member(dp, 'IntCtl'), 0, 3)) ?? 0;
    const irt = get(d, 'irt', (x) => r.text(x, member(dp, 'irt')));
    if (irt !== undefined && !tables.has(irt))
      r.problem(member(dp, 'irt'), `no table ${JSON.stringify(irt)} in irts`);
    // DTE bits 186 / 184 / 185, set from the IVHD device entry's NMIPass / INITPass / ExtIntPass.
    const passBit = (n: string) => get(d, n, (x) => r.bit(x, member(dp, n))) ?? false;
    const pass = { nmi: passBit('NMIPass'), init: passBit('INITPass'), extint: passBit('EIntPass') };
    if (iv === undefined) continue;
    devices.set(Number(BigInt(k)), {
      iv,
      intCtl: intCtl as 0 | 1 | 2 | 3,
      irt: new Map(),
      irtRaw: irt === undefined ? new Map() : (tables.get(irt) ?? new Map()),
      pass,
    });
  }
  if (rid === undefined) return undefined;
  const ir: AmdIrConfig & { kind: 'amd' } = {
    kind: 'amd',
    devices,
    gaMode: ga,
    irSupported,
    deviceTablePresent: present,
  };
  return { arch: 'x86', ir, dma: passthrough(rid) };
};

export const readCompatSetup = (
  r: Reader,
  raw: Json,
  path: string,
  rid: number | undefined,
): X86Platform | undefined => {
  const s = r.object(raw, path, { optional: ['iommu'] });
  if (s !== undefined) get(s, 'iommu', (v) => r.text(v, member(path, 'iommu')));
  if (s === undefined || rid === undefined) return undefined;
  return { arch: 'x86', ir: { kind: 'none' }, dma: passthrough(rid) };
};
