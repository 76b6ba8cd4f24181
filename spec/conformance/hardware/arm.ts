import type { ArmPlatform } from '../../../model/hw/arm.ts';
import {
  type Dte,
  GICV3_LPI_INTID_START,
  GITS_TRANSLATER,
  INTID_SPURIOUS,
  type Ite,
  type ItsConfig,
} from '../../../model/hw/arm-gic/its.ts';
import { MSI_SETSPI_NS, type V2mFrame } from '../../../model/hw/arm-gic/v2m.ts';
import { get, type Json, member, type Reader } from '../read.ts';
import { DECIMAL, HEX_KEY } from './riscv.ts';

/**
 * Setups of `gicv3-its` and `gicv2m` vectors (docs/conformance-format.md, section 3.2). The write
 * reaches the GIC untranslated: the requester's StreamID has a bypass STE, and the DeviceID the ITS
 * sees is the requester ID (`deviceid_from_requester: identity`).
 */

const LPI = { min: GICV3_LPI_INTID_START, max: 0xffffffff };

const platformFor = (rid: number, its: ItsConfig[], v2m: V2mFrame[]): ArmPlatform => ({
  arch: 'arm',
  smmu: { streams: new Map([[rid, { config: 'bypass' }]]) },
  its,
  v2m,
  rids: new Map([[rid, { sid: rid, deviceId: rid }]]),
});

const readIte = (r: Reader, raw: Json, path: string): Ite | undefined => {
  if (typeof raw === 'object' && raw !== null && (raw as Record<string, Json>).valid === false) {
    r.object(raw, path, { required: ['valid'] });
    return undefined;
  }
  const type = typeof raw === 'object' && raw !== null ? (raw as Record<string, Json>).type : undefined;
  if (type === 'virtual') {
    const o = r.object(raw, path, { required: ['valid', 'type', 'vintid', 'vpeid', 'doorbell'] });
    if (o === undefined) return undefined;
    get(o, 'valid', (v) => r.bool(v, member(path, 'valid')));
    const vintid = get(o, 'vintid', (v) => r.int(v, member(path, 'vintid'), 0, 0xffffffff));
    const vpeid = get(o, 'vpeid', (v) => r.int(v, member(path, 'vpeid'), 0, 0xffff));
    const doorbell = get(o, 'doorbell', (v) => r.int(v, member(path, 'doorbell'), 0, 0xffffffff));
    // VMAPTI refuses a doorbell that is neither 1023 nor an LPI (QEMU valid_doorbell), so no ITE holds one.
    if (doorbell !== undefined && doorbell !== INTID_SPURIOUS && doorbell < LPI.min)
      r.problem(
        member(path, 'doorbell'),
        'a doorbell is 1023 (none) or an LPI INTID (≥ 8192): VMAPTI refuses others',
      );
    if (vintid === undefined || vpeid === undefined || doorbell === undefined) return undefined;
    return { type: 'virtual', vintid, vpeid, doorbell };
  }
  const o = r.object(raw, path, { required: ['valid', 'type', 'intid', 'icid'] });
  if (o === undefined) return undefined;
  get(o, 'valid', (v) => r.bool(v, member(path, 'valid')));
  get(o, 'type', (v) => r.oneOf(v, member(path, 'type'), ['physical', 'virtual']));
  const intid = get(o, 'intid', (v) => r.int(v, member(path, 'intid'), 0, LPI.max));
  // MAPTI refuses an INTID outside the LPI range (QEMU process_mapti), so no physical ITE holds one.
  if (intid !== undefined && intid < LPI.min)
    r.problem(member(path, 'intid'), 'a physical ITE maps an LPI (INTID ≥ 8192): MAPTI refuses others');
  const icid = get(o, 'icid', (v) => r.int(v, member(path, 'icid'), 0, 0xffff));
  if (intid === undefined || intid < LPI.min || icid === undefined) return undefined;
  return { type: 'physical', intid, icid };
};

/** `{valid, rdbase, …}` entries of the collection and vPE tables; an invalid entry is `{"valid": false}`. */
const readEntries = <T>(
  r: Reader,
  raw: Json,
  path: string,
  fields: readonly string[],
  build: (o: Record<string, Json>, p: string) => T | undefined,
): Map<number, T> => {
  const out = new Map<number, T>();
  for (const [k, v] of r.map(raw, path, DECIMAL, 'a decimal id') ?? []) {
    const p = member(path, k);
    const invalid = typeof v === 'object' && v !== null && (v as Record<string, Json>).valid === false;
    const o = r.object(v, p, invalid ? { required: ['valid'] } : { required: ['valid', ...fields] });
    if (o === undefined || invalid) continue;
    get(o, 'valid', (x) => r.bool(x, member(p, 'valid')));
    const e = build(o, p);
    if (e !== undefined) out.set(Number(k), e);
  }
  return out;
};

const ITS_MEMBERS = {
  required: [
    'its_base',
    'gits_translater',
    'enabled',
    'device_table_entries',
    'device_table',
    'itt',
    'collection_table',
    'redistributors',
  ],
  optional: ['deviceid_from_requester', 'vpe_table', 'gicv4'],
};

export const readItsSetup = (
  r: Reader,
  raw: Json,
  path: string,
  rid: number | undefined,
): ArmPlatform | undefined => {
  const s = r.object(raw, path, { required: ['its'] });
  const p = member(path, 'its');
  const o = s && get(s, 'its', (v) => r.object(v, p, ITS_MEMBERS));
  if (o === undefined) return undefined;
  const at = (k: string) => member(p, k);
  const base = get(o, 'its_base', (v) => r.hex(v, at('its_base')));
  if (base !== undefined && (base & 0xffffn) !== 0n) r.problem(at('its_base'), 'must be 64 KiB aligned');
  const translater = get(o, 'gits_translater', (v) => r.hex(v, at('gits_translater')));
  if (base !== undefined && translater !== undefined && translater !== base + GITS_TRANSLATER)
    r.problem(
      at('gits_translater'),
      `must equal its_base + 0x10040 = 0x${(base + GITS_TRANSLATER).toString(16)}`,
    );
  const enabled = get(o, 'enabled', (v) => r.bool(v, at('enabled')));
  get(o, 'deviceid_from_requester', (v) => r.token(v, at('deviceid_from_requester'), ['identity']));
  const dtEntries = get(o, 'device_table_entries', (v) => r.int(v, at('device_table_entries'), 0, 2 ** 32));
  const redistributors = get(o, 'redistributors', (v) => r.int(v, at('redistributors'), 1, 65536));
  const gicv4 = get(o, 'gicv4', (v) => r.bool(v, at('gicv4'))) ?? false;
  // Device table: DTE {valid, size_field, num_eventids}; the ITT of each DeviceID.
  const sizes = new Map<number, number>();
  for (const [k, v] of r.map(o.device_table, at('device_table'), HEX_KEY, 'a hex DeviceID') ?? []) {
    const dp = member(at('device_table'), k);
    const invalid = typeof v === 'object' && v !== null && (v as Record<string, Json>).valid === false;
    const d = r.object(
      v,
      dp,
      invalid ? { required: ['valid'] } : { required: ['valid', 'size_field', 'num_eventids'] },
    );
    if (d === undefined || invalid) continue;
    get(d, 'valid', (x) => r.bool(x, member(dp, 'valid')));
    const size = get(d, 'size_field', (x) => r.int(x, member(dp, 'size_field'), 0, 31));
    const n = get(d, 'num_eventids', (x) => r.int(x, member(dp, 'num_eventids'), 1, 2 ** 32));
    if (size !== undefined && n !== undefined && n !== 2 ** (size + 1))
      r.problem(member(dp, 'num_eventids'), `must be 2^(size_field+1) = ${2 ** (size + 1)}`);
    if (size !== undefined) sizes.set(Number(BigInt(k)), size);
  }
  const itts = new Map<number, Map<number, Ite>>();
  for (const [k, v] of r.map(o.itt, at('itt'), HEX_KEY, 'a hex DeviceID') ?? []) {
    const ip = member(at('itt'), k);
    const itt = new Map<number, Ite>();
    for (const [e, x] of r.map(v, ip, DECIMAL, 'a decimal EventID') ?? []) {
      const ite = readIte(r, x, member(ip, e));
      if (ite !== undefined) itt.set(Number(e), ite);
    }
    itts.set(Number(BigInt(k)), itt);
  }
  const collections = readEntries(r, o.collection_table, at('collection_table'), ['rdbase'], (c, cp) => {
    const rdbase = get(c, 'rdbase', (x) => r.int(x, member(cp, 'rdbase'), 0, 65535));
    return rdbase === undefined ? undefined : { rdbase };
  });
  const vpes =
    'vpe_table' in o
      ? readEntries(r, o.vpe_table, at('vpe_table'), ['rdbase', 'vptsize'], (c, cp) => {
          const rdbase = get(c, 'rdbase', (x) => r.int(x, member(cp, 'rdbase'), 0, 65535));
          const vptsize = get(c, 'vptsize', (x) => r.int(x, member(cp, 'vptsize'), 0, 31));
          return rdbase === undefined || vptsize === undefined ? undefined : { rdbase, vptsize };
        })
      : new Map();
  if (
    base === undefined ||
    enabled === undefined ||
    dtEntries === undefined ||
    redistributors === undefined ||
    rid === undefined
  )
    return undefined;
  const deviceTable = new Map<number, Dte>();
  for (const [id, size] of sizes) deviceTable.set(id, { size, itt: itts.get(id) ?? new Map() });
  const its: ItsConfig = {
    base,
    enabled,
    dtEntries,
    deviceTable,
    collections,
    vpes,
    redistributors,
    virtual: gicv4,
  };
  return platformFor(rid, [its], []);
};

export const readV2mSetup = (
  r: Reader,
  raw: Json,
  path: string,
  rid: number | undefined,
): ArmPlatform | undefined => {
  const s = r.object(raw, path, { required: ['gicv2m'] });
  const p = member(path, 'gicv2m');
  const o =
    s &&
    get(s, 'gicv2m', (v) =>
      r.object(v, p, {
        required: ['frame_base', 'msi_setspi_ns', 'first_intid', 'num_spis'],
        optional: ['smmu'],
      }),
    );
  if (o === undefined) return undefined;
  const at = (k: string) => member(p, k);
  const base = get(o, 'frame_base', (v) => r.hex(v, at('frame_base')));
  if (base !== undefined && (base & 0xfffn) !== 0n) r.problem(at('frame_base'), 'must be 4 KiB aligned');
  const setspi = get(o, 'msi_setspi_ns', (v) => r.hex(v, at('msi_setspi_ns')));
  if (base !== undefined && setspi !== undefined && setspi !== base + MSI_SETSPI_NS)
    r.problem(at('msi_setspi_ns'), `must equal frame_base + 0x40 = 0x${(base + MSI_SETSPI_NS).toString(16)}`);
  const first = get(o, 'first_intid', (v) => r.int(v, at('first_intid'), 32, 1019));
  const n = get(o, 'num_spis', (v) => r.int(v, at('num_spis'), 0, 988));
  // QEMU gicv2m_realize: the frame's SPIs end below INTID 1020.
  if (first !== undefined && n !== undefined && first + n > 1020)
    r.problem(at('num_spis'), `first_intid + num_spis must not exceed 1020 (got ${first + n})`);
  get(o, 'smmu', (v) => r.text(v, at('smmu')));
  if (base === undefined || first === undefined || n === undefined || rid === undefined) return undefined;
  return platformFor(rid, [], [{ base, firstSpi: first, numSpis: n }]);
};
