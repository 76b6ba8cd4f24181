import { ULONG_MAX } from '../../../model/kernel/interval.ts';
import type { KernelOpName } from '../../../model/kernel/ops.ts';
import {
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  type ResvType,
} from '../../../model/platform/state.ts';
import type { Parsed, Problem } from '../contract.ts';
import type {
  DeviceSetup,
  DomainRef,
  HRange,
  Hv,
  KernelCase,
  KernelSetup,
  KernelStepSpec,
  MappingSpec,
  PtRef,
  ResultCheck,
  StepArgs,
} from './types.ts';

/**
 * The kernel-case parser (conformance format section 4): every member of `setup`, every op with
 * exactly its args, `expect`, every `result` field on the ops it may appear on, `repeat` with affine
 * values, and every name resolved. Problems carry JSON paths relative to the case (`.steps[2].args.pt`).
 */

type Json = Readonly<Record<string, unknown>>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const ID = /^[A-Za-z0-9_.-]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const U64 = 1n << 64n;

export const RESV_TYPES: readonly ResvType[] = ['DIRECT', 'DIRECT_RELAXABLE', 'RESERVED', 'MSI', 'SW_MSI'];
export const DOMAIN_TYPES = [
  'BLOCKED',
  'IDENTITY',
  'UNMANAGED',
  'DMA',
  'DMA_FQ',
  'SVA',
  'PLATFORM',
  'NESTED',
] as const;
export const COOKIES = ['NONE', 'DMA_IOVA', 'DMA_MSI', 'FAULT_HANDLER', 'SVA', 'IOMMUFD'] as const;
export const PROT_FLAGS: Readonly<Record<string, number>> = {
  READ: IOMMU_READ,
  WRITE: IOMMU_WRITE,
  CACHE: IOMMU_CACHE,
  NOEXEC: IOMMU_NOEXEC,
  MMIO: IOMMU_MMIO,
  PRIV: IOMMU_PRIV,
};
const HWPT_FLAGS = ['NEST_PARENT', 'DIRTY_TRACKING', 'PASID'] as const;
const PARAMS = ['iommufd.allow_unsafe_interrupts', 'vfio_iommu_type1.allow_unsafe_interrupts'] as const;
const list = (xs: readonly string[]): string => xs.map((x) => JSON.stringify(x)).join(', ');

/** The args of each op, by kind (section 4.3); `?` marks an optional arg. */
type ArgKind =
  | 'dev'
  | 'group'
  | 'ioas'
  | 'hwpt'
  | 'pt'
  | 'domain'
  | 'token'
  | 'hex'
  | 'hex-or-null'
  | 'new-id'
  | 'flags'
  | 'int'
  | 'ranges'
  | 'container';
const OPS: Readonly<Record<KernelOpName, Readonly<Record<string, ArgKind>>>> = {
  probe_device: { dev: 'dev' },
  iommu_get_group_resv_regions: { group: 'group' },
  iommu_device_claim_dma_owner: { dev: 'dev', owner: 'token' },
  iommu_group_claim_dma_owner: { group: 'group', owner: 'token' },
  iommu_paging_domain_alloc: { dev: 'dev', id: 'new-id' },
  iommu_attach_group: { domain: 'domain', group: 'group' },
  iommu_get_msi_cookie: { domain: 'domain', base: 'hex' },
  iommu_dma_prepare_msi: { dev: 'dev', doorbell: 'hex' },
  iommufd_device_bind: { dev: 'dev', 'ictx?': 'token' },
  iommufd_device_attach: { dev: 'dev', pt: 'pt' },
  iommufd_device_replace: { dev: 'dev', pt: 'pt' },
  iommufd_device_detach: { dev: 'dev' },
  hwpt_alloc: { dev: 'dev', ioas: 'ioas', id: 'new-id', 'flags?': 'flags' },
  hwpt_alloc_nested: { dev: 'dev', parent: 'hwpt', id: 'new-id' },
  ioas_map: { ioas: 'ioas', 'fixed_iova?': 'hex-or-null', length: 'hex' },
  ioas_unmap: { ioas: 'ioas', iova: 'hex', length: 'hex' },
  ioas_allow_iovas: { ioas: 'ioas', ranges: 'ranges' },
  ioas_iova_ranges: { ioas: 'ioas', num_iovas: 'int' },
  selftest_add_reserved: { ioas: 'ioas', start: 'hex', length: 'hex' },
  selftest_mock_domain: { ioas: 'ioas', dev: 'dev' },
  vfio_group_set_container: { group: 'group' },
  vfio_attach_group: { group: 'group' },
  vfio_detach_group: { group: 'group' },
  vfio_map_dma: { iova: 'hex', size: 'hex' },
  vfio_get_info_iova_ranges: { 'container?': 'container' },
  set_param: {},
};
export const KERNEL_OPS = Object.keys(OPS) as KernelOpName[];

/** The result fields (section 4.5), their value kind and the ops they may appear on. */
type ResultKind =
  | 'hex'
  | 'int'
  | 'mappings'
  | 'ranges'
  | 'range'
  | 'regions'
  | 'strings'
  | 'bool'
  | 'group-domain'
  | 'string'
  | 'cookie'
  | 'domain-type';
const RESULTS: Readonly<
  Record<string, { kind: ResultKind; ops: 'any' | 'dev' | 'dev-or-group' | readonly KernelOpName[] }>
> = {
  msi_address: { kind: 'hex', ops: ['iommu_dma_prepare_msi'] },
  msi_iova: { kind: 'hex', ops: ['iommu_dma_prepare_msi'] },
  msi_shift: { kind: 'int', ops: ['iommu_dma_prepare_msi'] },
  new_mappings: { kind: 'mappings', ops: 'any' },
  mappings_installed_before_attach: { kind: 'mappings', ops: ['iommufd_device_attach'] },
  mappings_installed_before_switch: { kind: 'mappings', ops: ['iommufd_device_replace'] },
  still_mapped: { kind: 'mappings', ops: 'any' },
  msi_address_unchanged: { kind: 'hex', ops: 'dev' },
  ranges: { kind: 'ranges', ops: ['ioas_iova_ranges', 'vfio_get_info_iova_ranges'] },
  ranges_filled: { kind: 'ranges', ops: ['ioas_iova_ranges'] },
  num_iovas: { kind: 'int', ops: ['ioas_iova_ranges'] },
  out_iova_alignment: { kind: 'hex', ops: ['ioas_iova_ranges'] },
  nr_iovas: { kind: 'int', ops: ['vfio_get_info_iova_ranges'] },
  iova_within: { kind: 'range', ops: ['ioas_map'] },
  iova_range_must_not_intersect: { kind: 'range', ops: ['ioas_map'] },
  iova_alignment: { kind: 'hex', ops: ['ioas_map'] },
  regions: { kind: 'regions', ops: ['iommu_get_group_resv_regions'] },
  sysfs_reserved_regions: { kind: 'strings', ops: ['iommu_get_group_resv_regions'] },
  require_direct: { kind: 'bool', ops: ['probe_device'] },
  default_domain_identity_mappings: { kind: 'ranges', ops: ['probe_device'] },
  not_mapped: { kind: 'ranges', ops: ['probe_device'] },
  group_domain: { kind: 'group-domain', ops: 'dev-or-group' },
  kernel_warning: { kind: 'string', ops: 'any' },
  domain_cookie: { kind: 'cookie', ops: ['vfio_attach_group'] },
  msi_cookie_base: { kind: 'hex', ops: ['vfio_attach_group'] },
  type: { kind: 'domain-type', ops: ['iommu_paging_domain_alloc'] },
  cookie: { kind: 'cookie', ops: ['iommu_paging_domain_alloc'] },
};

const SETUP_MEMBERS = [
  'page_size',
  'devices',
  'groups',
  'domain_geometry',
  'params',
  'ioas',
  'mock',
  'notes',
  'user_buffer_alignment',
];
const DEVICE_MEMBERS = [
  'id',
  'group',
  'resv_regions',
  'msi_isolated',
  'cache_coherent',
  'mock_device',
  'nesting_capable',
];

class Problems {
  readonly all: Problem[] = [];
  add(path: string, problem: string): undefined {
    this.all.push({ path, problem });
    return undefined;
  }
}

/** Names a case defines, as they become known. */
interface Names {
  readonly devices: ReadonlyMap<string, number>;
  readonly mockDevices: ReadonlySet<number>;
  readonly groups: ReadonlyMap<string, number>;
  readonly ioas: ReadonlyMap<string, number>;
  /** Ids introduced by earlier steps: hwpts and domains. */
  readonly hwpts: Set<string>;
  readonly domains: Set<string>;
}

const unknownMembers = (p: Problems, o: Json, allowed: readonly string[], path: string): void => {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) p.add(`${path}.${k}`, `unknown member; allowed: ${list(allowed)}`);
};

/** hex (2.), or with `affine` an affine value {base, stride} (4.7). */
const hex = (p: Problems, v: unknown, path: string, affine: boolean): Hv | undefined => {
  if (typeof v === 'string') {
    if (!HEX.test(v)) return p.add(path, 'expected hex: "0x" followed by hex digits');
    const n = BigInt(v);
    if (n >= U64) return p.add(path, 'hex value beyond 64 bits');
    return { base: n, stride: 0n };
  }
  if (isObject(v) && 'base' in v && 'stride' in v) {
    if (!affine) return p.add(path, 'an affine value is only allowed in a step with "repeat"');
    unknownMembers(p, v, ['base', 'stride'], path);
    const b = hex(p, v.base, `${path}.base`, false);
    const s = hex(p, v.stride, `${path}.stride`, false);
    return b === undefined || s === undefined ? undefined : { base: b.base, stride: s.base };
  }
  return p.add(path, affine ? 'expected hex or {"base": hex, "stride": hex}' : 'expected hex');
};
const plainHex = (p: Problems, v: unknown, path: string): bigint | undefined => hex(p, v, path, false)?.base;

const int = (p: Problems, v: unknown, path: string, min = 0): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= min ? v : p.add(path, `expected an integer ≥ ${min}`);
const bool = (p: Problems, v: unknown, path: string): boolean | undefined =>
  typeof v === 'boolean' ? v : p.add(path, 'expected true or false');
const id = (p: Problems, v: unknown, path: string): string | undefined =>
  typeof v === 'string' && ID.test(v) ? v : p.add(path, 'expected an id ([A-Za-z0-9_.-]+)');
const oneOf = <T extends string>(
  p: Problems,
  v: unknown,
  allowed: readonly T[],
  path: string,
): T | undefined =>
  typeof v === 'string' && (allowed as readonly string[]).includes(v)
    ? (v as T)
    : p.add(path, `expected one of ${list(allowed)}`);
const array = (p: Problems, v: unknown, path: string): readonly unknown[] | undefined =>
  Array.isArray(v) ? v : p.add(path, 'expected an array');
const object = (p: Problems, v: unknown, path: string): Json | undefined =>
  isObject(v) ? v : p.add(path, 'expected an object');

/** range: [start, last], two hex, start ≤ last. */
const range = (p: Problems, v: unknown, path: string, affine: boolean): HRange | undefined => {
  if (!Array.isArray(v) || v.length !== 2) return p.add(path, 'expected a range [start, last] of two hex');
  const start = hex(p, v[0], `${path}[0]`, affine);
  const last = hex(p, v[1], `${path}[1]`, affine);
  if (start === undefined || last === undefined) return undefined;
  if (start.base > last.base) return p.add(path, 'start must not exceed last');
  return { start, last };
};

/** A `|`-joined set of names from `allowed`. */
const flagSet = <T extends string>(
  p: Problems,
  v: unknown,
  allowed: readonly T[],
  path: string,
): T[] | undefined => {
  if (typeof v !== 'string' || v === '') return p.add(path, `expected |-joined names of ${list(allowed)}`);
  const out: T[] = [];
  for (const f of v.split('|')) {
    if (!(allowed as readonly string[]).includes(f))
      return p.add(path, `unknown flag ${JSON.stringify(f)}; allowed: ${list(allowed)}`);
    out.push(f as T);
  }
  return out;
};

const parseSetup = (
  p: Problems,
  raw: unknown,
): { setup: KernelSetup; names: Omit<Names, 'hwpts' | 'domains'> } | undefined => {
  const s = object(p, raw, '.setup');
  if (s === undefined) return undefined;
  unknownMembers(p, s, SETUP_MEMBERS, '.setup');
  let pageSize = 4096n;
  if (s.page_size !== undefined) {
    if (s.page_size === 4096 || s.page_size === 16384 || s.page_size === 65536)
      pageSize = BigInt(s.page_size);
    else p.add('.setup.page_size', 'expected one of 4096, 16384, 65536');
  }
  const mock = s.mock === undefined ? false : (bool(p, s.mock, '.setup.mock') ?? false);
  if (s.notes !== undefined && typeof s.notes !== 'string') p.add('.setup.notes', 'expected text');
  if (s.user_buffer_alignment !== undefined && typeof s.user_buffer_alignment !== 'string')
    p.add('.setup.user_buffer_alignment', 'expected text');
  const groups: { id: string; defaultType: 'dma' | 'identity' | 'blocked' }[] = [];
  const groupIndex = new Map<string, number>();
  for (const [i, g] of (s.groups === undefined
    ? []
    : (array(p, s.groups, '.setup.groups') ?? [])
  ).entries()) {
    const path = `.setup.groups[${i}]`;
    const o = object(p, g, path);
    if (o === undefined) continue;
    unknownMembers(p, o, ['id', 'default_domain'], path);
    const gid = id(p, o.id, `${path}.id`);
    const dd =
      o.default_domain === undefined
        ? 'DMA'
        : oneOf(p, o.default_domain, ['DMA', 'IDENTITY'] as const, `${path}.default_domain`);
    if (gid === undefined || dd === undefined) continue;
    if (groupIndex.has(gid)) p.add(`${path}.id`, `duplicate group id ${JSON.stringify(gid)}`);
    else {
      groupIndex.set(gid, groups.length);
      groups.push({ id: gid, defaultType: dd === 'DMA' ? 'dma' : 'identity' });
    }
  }
  const devices: DeviceSetup[] = [];
  const deviceIndex = new Map<string, number>();
  const mockDevices = new Set<number>();
  const rawDevices =
    s.devices === undefined ? p.add('.setup.devices', 'required') : array(p, s.devices, '.setup.devices');
  for (const [i, d] of (rawDevices ?? []).entries()) {
    const path = `.setup.devices[${i}]`;
    const o = object(p, d, path);
    if (o === undefined) continue;
    unknownMembers(p, o, DEVICE_MEMBERS, path);
    const did = id(p, o.id, `${path}.id`);
    const gid = id(p, o.group, `${path}.group`);
    const resv: DeviceSetup['resv'][number][] = [];
    for (const [j, r] of (array(p, o.resv_regions, `${path}.resv_regions`) ?? []).entries()) {
      const rp = `${path}.resv_regions[${j}]`;
      const ro = object(p, r, rp);
      if (ro === undefined) continue;
      unknownMembers(p, ro, ['type', 'start', 'length'], rp);
      const type = oneOf(p, ro.type, RESV_TYPES, `${rp}.type`);
      const start = plainHex(p, ro.start, `${rp}.start`);
      const length = plainHex(p, ro.length, `${rp}.length`);
      if (length === 0n) p.add(`${rp}.length`, 'length must be > 0');
      if (type !== undefined && start !== undefined && length !== undefined && length > 0n) {
        if (start + length - 1n > ULONG_MAX) p.add(rp, 'region beyond the 64-bit address space');
        else resv.push({ type, start, length });
      }
    }
    const msiIsolated = bool(p, o.msi_isolated, `${path}.msi_isolated`);
    const cacheCoherent = bool(p, o.cache_coherent, `${path}.cache_coherent`);
    const isMock = o.mock_device === undefined ? false : bool(p, o.mock_device, `${path}.mock_device`);
    const nesting =
      o.nesting_capable === undefined ? false : bool(p, o.nesting_capable, `${path}.nesting_capable`);
    if (isMock === true && !mock) p.add(`${path}.mock_device`, 'a mock device needs "setup.mock": true');
    if (isMock === true && Array.isArray(o.resv_regions) && o.resv_regions.length > 0)
      p.add(
        `${path}.resv_regions`,
        'a mock device has no reserved regions (mock_ops has no get_resv_regions): must be []',
      );
    if (did === undefined || gid === undefined || msiIsolated === undefined || cacheCoherent === undefined)
      continue;
    if (isMock === undefined || nesting === undefined) continue;
    if (deviceIndex.has(did)) {
      p.add(`${path}.id`, `duplicate device id ${JSON.stringify(did)}`);
      continue;
    }
    let group = groupIndex.get(gid);
    if (group === undefined) {
      group = groups.length;
      groupIndex.set(gid, group);
      groups.push({ id: gid, defaultType: 'dma' });
    }
    deviceIndex.set(did, devices.length);
    if (isMock) mockDevices.add(devices.length);
    devices.push({ id: did, group, resv, msiIsolated, cacheCoherent, mock: isMock, nestingCapable: nesting });
  }
  // mock_ops.default_domain is the mock's blocking domain.
  for (const d of devices) {
    const g = groups[d.group];
    if (d.mock && g !== undefined) groups[d.group] = { ...g, defaultType: 'blocked' };
  }
  let geometry: KernelSetup['geometry'];
  if (s.domain_geometry !== undefined) {
    const g = object(p, s.domain_geometry, '.setup.domain_geometry');
    if (g !== undefined) {
      unknownMembers(p, g, ['aperture_start', 'aperture_end', 'min_page_size'], '.setup.domain_geometry');
      const start = plainHex(p, g.aperture_start, '.setup.domain_geometry.aperture_start');
      const last = plainHex(p, g.aperture_end, '.setup.domain_geometry.aperture_end');
      const pgsize = plainHex(p, g.min_page_size, '.setup.domain_geometry.min_page_size');
      if (pgsize !== undefined && (pgsize === 0n || (pgsize & (pgsize - 1n)) !== 0n))
        p.add('.setup.domain_geometry.min_page_size', 'expected a power of two');
      if (start !== undefined && last !== undefined && start > last)
        p.add('.setup.domain_geometry', 'aperture_start must not exceed aperture_end');
      if (start !== undefined && last !== undefined && pgsize !== undefined)
        geometry = { start, last, pgsize };
    }
  }
  const params = { iommufd: false, type1: false };
  if (s.params !== undefined) {
    const o = object(p, s.params, '.setup.params');
    if (o !== undefined) {
      unknownMembers(p, o, PARAMS, '.setup.params');
      const a = o[PARAMS[0]];
      const b = o[PARAMS[1]];
      if (a !== undefined) params.iommufd = bool(p, a, `.setup.params["${PARAMS[0]}"]`) ?? false;
      if (b !== undefined) params.type1 = bool(p, b, `.setup.params["${PARAMS[1]}"]`) ?? false;
    }
  }
  const ioas: { id: string; mappings: { iova: bigint; length: bigint }[] }[] = [];
  const ioasIndex = new Map<string, number>();
  for (const [i, a] of (s.ioas === undefined ? [] : (array(p, s.ioas, '.setup.ioas') ?? [])).entries()) {
    const path = `.setup.ioas[${i}]`;
    const o = object(p, a, path);
    if (o === undefined) continue;
    unknownMembers(p, o, ['id', 'mappings'], path);
    const aid = id(p, o.id, `${path}.id`);
    const mappings: { iova: bigint; length: bigint }[] = [];
    for (const [j, m] of (o.mappings === undefined
      ? []
      : (array(p, o.mappings, `${path}.mappings`) ?? [])
    ).entries()) {
      const mp = `${path}.mappings[${j}]`;
      const mo = object(p, m, mp);
      if (mo === undefined) continue;
      unknownMembers(p, mo, ['iova', 'length'], mp);
      const iova = plainHex(p, mo.iova, `${mp}.iova`);
      const length = plainHex(p, mo.length, `${mp}.length`);
      if (iova !== undefined && length !== undefined) mappings.push({ iova, length });
    }
    if (aid === undefined) continue;
    if (ioasIndex.has(aid) || groupIndex.has(aid) || deviceIndex.has(aid)) {
      p.add(`${path}.id`, `duplicate id ${JSON.stringify(aid)}`);
      continue;
    }
    ioasIndex.set(aid, ioas.length);
    ioas.push({ id: aid, mappings });
  }
  return {
    setup: { pageSize, devices, groups, ...(geometry === undefined ? {} : { geometry }), params, ioas, mock },
    names: { devices: deviceIndex, mockDevices, groups: groupIndex, ioas: ioasIndex },
  };
};

/** A name of section 4.2, resolved. */
const ref = <T>(
  p: Problems,
  v: unknown,
  path: string,
  what: string,
  m: ReadonlyMap<string, T>,
): T | undefined => {
  const name = id(p, v, path);
  if (name === undefined) return undefined;
  const r = m.get(name);
  return r === undefined
    ? p.add(path, `unknown ${what} ${JSON.stringify(name)}; known: ${list([...m.keys()])}`)
    : r;
};

const domainRef = (p: Problems, v: unknown, path: string, n: Names): DomainRef | undefined => {
  if (typeof v === 'string' && v.startsWith('default:')) {
    const g = ref(p, v.slice('default:'.length), path, 'group', n.groups);
    return g === undefined ? undefined : { defaultOf: g };
  }
  const name = id(p, v, path);
  if (name === undefined) return undefined;
  if (!n.domains.has(name) && !n.hwpts.has(name))
    return p.add(
      path,
      `unknown domain ${JSON.stringify(name)}: expected an earlier iommu_paging_domain_alloc, hwpt_alloc or hwpt_alloc_nested id, or "default:<group>"`,
    );
  return { id: name };
};

const parseArgs = (
  p: Problems,
  op: KernelOpName,
  raw: unknown,
  path: string,
  n: Names,
  affine: boolean,
  newIds: Set<string>,
): StepArgs | undefined => {
  const o = object(p, raw, path);
  if (o === undefined) return undefined;
  if (op === 'set_param') {
    unknownMembers(p, o, PARAMS, path);
    if (Object.keys(o).length === 0) return p.add(path, `expected one or both of ${list(PARAMS)}`);
    const a = o[PARAMS[0]] === undefined ? undefined : bool(p, o[PARAMS[0]], `${path}["${PARAMS[0]}"]`);
    const b = o[PARAMS[1]] === undefined ? undefined : bool(p, o[PARAMS[1]], `${path}["${PARAMS[1]}"]`);
    return { op, ...(a === undefined ? {} : { iommufd: a }), ...(b === undefined ? {} : { type1: b }) };
  }
  const spec = OPS[op];
  const names = Object.keys(spec).map((k) => k.replace(/\?$/, ''));
  unknownMembers(p, o, names, path);
  const v: Record<string, unknown> = {};
  let bad = false;
  for (const [key, kind] of Object.entries(spec)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    const ap = `${path}.${name}`;
    const x = o[name];
    if (x === undefined) {
      if (!optional) {
        p.add(ap, 'required');
        bad = true;
      }
      continue;
    }
    let r: unknown;
    switch (kind) {
      case 'dev':
        r = ref(p, x, ap, 'device', n.devices);
        break;
      case 'group':
        r = ref(p, x, ap, 'group', n.groups);
        break;
      case 'ioas':
        r = ref(p, x, ap, 'IOAS', n.ioas);
        break;
      case 'hwpt': {
        const h = id(p, x, ap);
        r =
          h !== undefined && n.hwpts.has(h)
            ? h
            : h === undefined
              ? undefined
              : p.add(
                  ap,
                  `unknown hwpt ${JSON.stringify(h)}: expected the id of an earlier hwpt_alloc or hwpt_alloc_nested`,
                );
        break;
      }
      case 'pt': {
        const h = id(p, x, ap);
        const a = h === undefined ? undefined : n.ioas.get(h);
        r =
          h === undefined
            ? undefined
            : a !== undefined
              ? ({ ioas: a } satisfies PtRef)
              : n.hwpts.has(h)
                ? ({ hwpt: h } satisfies PtRef)
                : p.add(ap, `unknown pt ${JSON.stringify(h)}: expected an IOAS or an earlier hwpt id`);
        break;
      }
      case 'domain':
        r = domainRef(p, x, ap, n);
        break;
      case 'token':
        r = id(p, x, ap);
        break;
      case 'hex':
        r = hex(p, x, ap, affine);
        break;
      case 'hex-or-null':
        r = x === null ? null : hex(p, x, ap, affine);
        break;
      case 'new-id': {
        const h = id(p, x, ap);
        if (h !== undefined && (newIds.has(h) || n.ioas.has(h) || n.groups.has(h) || n.devices.has(h)))
          r = p.add(ap, `id ${JSON.stringify(h)} is already used in this case`);
        else {
          r = h;
          if (h !== undefined) newIds.add(h);
        }
        break;
      }
      case 'flags':
        r = flagSet(p, x, HWPT_FLAGS, ap);
        break;
      case 'int':
        r = int(p, x, ap);
        break;
      case 'container':
        r = oneOf(p, x, ['type1', 'iommufd-compat'] as const, ap);
        break;
      case 'ranges': {
        const out: { start: Hv; last: Hv }[] = [];
        for (const [i, e] of (array(p, x, ap) ?? []).entries()) {
          const ep = `${ap}[${i}]`;
          const eo = object(p, e, ep);
          if (eo === undefined) continue;
          unknownMembers(p, eo, ['start', 'last'], ep);
          const start = hex(p, eo.start, `${ep}.start`, affine);
          const last = hex(p, eo.last, `${ep}.last`, affine);
          if (start !== undefined && last !== undefined) out.push({ start, last });
        }
        r = out;
        break;
      }
      default: {
        const never: never = kind;
        throw new Error(`unknown arg kind ${String(never)}`);
      }
    }
    if (r === undefined) bad = true;
    else v[name] = r;
  }
  if (bad) return undefined;
  if (op === 'hwpt_alloc') v.flags = v.flags ?? [];
  if (op === 'ioas_map') v.fixedIova = v.fixed_iova === undefined ? null : v.fixed_iova;
  if (op === 'ioas_iova_ranges') v.numIovas = v.num_iovas;
  if (op === 'vfio_get_info_iova_ranges') v.container = v.container ?? 'type1';
  delete v.fixed_iova;
  delete v.num_iovas;
  return { op, ...v } as StepArgs;
};

const mappingSpec = (
  p: Problems,
  v: unknown,
  path: string,
  n: Names,
  affine: boolean,
  hasDev: boolean,
): MappingSpec | undefined => {
  const o = object(p, v, path);
  if (o === undefined) return undefined;
  unknownMembers(p, o, ['domain', 'iova', 'phys', 'size', 'prot'], path);
  const domain = o.domain === undefined ? undefined : domainRef(p, o.domain, `${path}.domain`, n);
  if (o.domain === undefined && !hasDev) return p.add(`${path}.domain`, 'required on an op without "dev"');
  const iova = hex(p, o.iova, `${path}.iova`, affine);
  const phys = hex(p, o.phys, `${path}.phys`, affine);
  const size = o.size === undefined ? undefined : hex(p, o.size, `${path}.size`, affine);
  const prot = o.prot === undefined ? undefined : flagSet(p, o.prot, Object.keys(PROT_FLAGS), `${path}.prot`);
  if (iova === undefined || phys === undefined || (o.size !== undefined && size === undefined))
    return undefined;
  if (o.domain !== undefined && domain === undefined) return undefined;
  if (o.prot !== undefined && prot === undefined) return undefined;
  return {
    ...(domain === undefined ? {} : { domain }),
    iova,
    phys,
    ...(size === undefined ? {} : { size }),
    ...(prot === undefined ? {} : { prot: prot.reduce((m, f) => m | (PROT_FLAGS[f] ?? 0), 0) }),
  };
};

const parseResult = (
  p: Problems,
  raw: unknown,
  path: string,
  op: KernelOpName,
  args: StepArgs,
  n: Names,
  affine: boolean,
): ResultCheck[] => {
  const o = object(p, raw, path);
  if (o === undefined) return [];
  const out: ResultCheck[] = [];
  const hasDev = 'dev' in args;
  for (const [field, v] of Object.entries(o)) {
    const fp = `${path}.${field}`;
    const spec = RESULTS[field];
    if (spec === undefined) {
      p.add(fp, `unknown result field; allowed: ${list(Object.keys(RESULTS))}`);
      continue;
    }
    const fits =
      spec.ops === 'any' ||
      (spec.ops === 'dev' && hasDev) ||
      (spec.ops === 'dev-or-group' && (hasDev || 'group' in args)) ||
      (Array.isArray(spec.ops) && spec.ops.includes(op));
    if (!fits) {
      const where =
        spec.ops === 'dev'
          ? 'ops with dev'
          : spec.ops === 'dev-or-group'
            ? 'ops with dev or group'
            : list(spec.ops as readonly string[]);
      p.add(fp, `not a result of ${op}; it may appear on ${where}`);
      continue;
    }
    if (
      (field === 'iova_within' || field === 'iova_range_must_not_intersect' || field === 'iova_alignment') &&
      args.op === 'ioas_map' &&
      args.fixedIova !== null
    ) {
      p.add(fp, 'only on an ioas_map with fixed_iova null');
      continue;
    }
    const check = ((): ResultCheck | undefined => {
      switch (spec.kind) {
        case 'hex': {
          const h = hex(p, v, fp, affine);
          return h === undefined ? undefined : ({ field, value: h } as ResultCheck);
        }
        case 'int': {
          const i = int(p, v, fp);
          return i === undefined ? undefined : ({ field, value: i } as ResultCheck);
        }
        case 'bool': {
          const b = bool(p, v, fp);
          return b === undefined ? undefined : { field: 'require_direct', value: b };
        }
        case 'mappings': {
          const xs = array(p, v, fp);
          if (xs === undefined) return undefined;
          const ms = xs.map((x, i) => mappingSpec(p, x, `${fp}[${i}]`, n, affine, hasDev));
          return ms.some((m) => m === undefined)
            ? undefined
            : ({ field, value: ms as MappingSpec[] } as ResultCheck);
        }
        case 'ranges': {
          const xs = array(p, v, fp);
          if (xs === undefined) return undefined;
          const rs = xs.map((x, i) => range(p, x, `${fp}[${i}]`, affine));
          return rs.some((r) => r === undefined)
            ? undefined
            : ({ field, value: rs as HRange[] } as ResultCheck);
        }
        case 'range': {
          const r = range(p, v, fp, affine);
          return r === undefined ? undefined : ({ field, value: r } as ResultCheck);
        }
        case 'regions': {
          const xs = array(p, v, fp);
          if (xs === undefined) return undefined;
          const rs = xs.map((x, i) => {
            const rp = `${fp}[${i}]`;
            const ro = object(p, x, rp);
            if (ro === undefined) return undefined;
            unknownMembers(p, ro, ['type', 'start', 'length'], rp);
            const type = oneOf(p, ro.type, RESV_TYPES, `${rp}.type`);
            const start = hex(p, ro.start, `${rp}.start`, affine);
            const length = hex(p, ro.length, `${rp}.length`, affine);
            return type === undefined || start === undefined || length === undefined
              ? undefined
              : { type, start, length };
          });
          return rs.some((r) => r === undefined)
            ? undefined
            : { field: 'regions', value: rs as { type: ResvType; start: Hv; length: Hv }[] };
        }
        case 'strings': {
          const xs = array(p, v, fp);
          if (xs === undefined) return undefined;
          if (xs.some((x) => typeof x !== 'string')) return p.add(fp, 'expected an array of strings');
          return { field: 'sysfs_reserved_regions', value: xs as string[] };
        }
        case 'group-domain': {
          if (v === 'BLOCKED' || v === 'DEFAULT') return { field: 'group_domain', value: v };
          const name = id(p, v, fp);
          if (name === undefined) return undefined;
          if (!n.hwpts.has(name) && !n.domains.has(name))
            return p.add(fp, 'expected "BLOCKED", "DEFAULT" or an earlier domain or hwpt id');
          return { field: 'group_domain', value: { id: name } };
        }
        case 'string':
          return typeof v === 'string'
            ? { field: 'kernel_warning', value: v }
            : p.add(fp, 'expected a string');
        case 'cookie': {
          const c = oneOf(p, v, COOKIES, fp);
          return c === undefined ? undefined : ({ field, value: c } as ResultCheck);
        }
        case 'domain-type': {
          const t = oneOf(p, v, DOMAIN_TYPES, fp);
          return t === undefined ? undefined : { field: 'type', value: t };
        }
        default: {
          const never: never = spec.kind;
          throw new Error(`unknown result kind ${String(never)}`);
        }
      }
    })();
    if (check !== undefined) out.push(check);
  }
  return out;
};

const STEP_MEMBERS = ['op', 'repeat', 'args', 'expect', 'result'];
const EXPECT = /^-E[A-Z0-9]+$/;

/** Parses a kernel case (its members other than the common ones). */
export const parseKernelCase = (raw: Readonly<Record<string, unknown>>): Parsed<KernelCase> => {
  const p = new Problems();
  unknownMembers(p, raw, ['setup', 'steps'], '');
  if (raw.setup === undefined) p.add('.setup', 'required');
  const parsed = raw.setup === undefined ? undefined : parseSetup(p, raw.setup);
  const names: Names =
    parsed === undefined
      ? {
          devices: new Map(),
          mockDevices: new Set(),
          groups: new Map(),
          ioas: new Map(),
          hwpts: new Set(),
          domains: new Set(),
        }
      : { ...parsed.names, hwpts: new Set(), domains: new Set() };
  const mock = parsed?.setup.mock ?? false;
  const steps: KernelStepSpec[] = [];
  const rawSteps = raw.steps;
  if (!Array.isArray(rawSteps) || rawSteps.length === 0)
    p.add('.steps', 'expected a non-empty array of steps');
  const newIds = new Set<string>();
  for (const [k, st] of (Array.isArray(rawSteps) ? rawSteps : []).entries()) {
    const path = `.steps[${k}]`;
    const o = object(p, st, path);
    if (o === undefined) continue;
    unknownMembers(p, o, STEP_MEMBERS, path);
    const op = oneOf(p, o.op, KERNEL_OPS, `${path}.op`);
    const repeat = o.repeat === undefined ? 1 : int(p, o.repeat, `${path}.repeat`, 1);
    const affine = o.repeat !== undefined;
    if (op === undefined || repeat === undefined) continue;
    if (op.startsWith('selftest_') && !mock)
      p.add(`${path}.op`, `${op} needs "setup.mock": true (CONFIG_IOMMUFD_TEST)`);
    if (o.args === undefined) {
      p.add(`${path}.args`, 'required ({} when the op needs none)');
      continue;
    }
    const args = parseArgs(p, op, o.args, `${path}.args`, names, affine, newIds);
    if (args !== undefined && args.op === 'selftest_mock_domain' && !names.mockDevices.has(args.dev))
      p.add(`${path}.args.dev`, 'selftest_mock_domain takes a mock device ("mock_device": true)');
    if (args !== undefined && 'id' in args && repeat > 1)
      p.add(
        `${path}.repeat`,
        `a step introducing id ${JSON.stringify(args.id)} cannot repeat: ids are unique`,
      );
    const expect =
      typeof o.expect === 'string' && (o.expect === 'ok' || EXPECT.test(o.expect)) ? o.expect : undefined;
    if (expect === undefined)
      p.add(`${path}.expect`, 'expected "ok" or a negative errno name such as "-EINVAL"');
    const result =
      args === undefined || o.result === undefined
        ? []
        : parseResult(p, o.result, `${path}.result`, op, args, names, affine);
    if (args === undefined || expect === undefined) continue;
    if (args.op === 'hwpt_alloc' || args.op === 'hwpt_alloc_nested') names.hwpts.add(args.id);
    if (args.op === 'iommu_paging_domain_alloc') names.domains.add(args.id);
    steps.push({
      op,
      repeat,
      repeated: affine,
      args,
      expect: expect === 'ok' ? 'ok' : expect.slice(1),
      result,
    });
  }
  if (parsed !== undefined) {
    const named = new Set(steps.flatMap((s) => (s.args.op === 'selftest_mock_domain' ? [s.args.dev] : [])));
    const implicit = parsed.setup.devices.some((d, i) => d.mock && !named.has(i));
    if (implicit && parsed.setup.ioas.length === 0)
      p.add(
        '.setup.ioas',
        'a mock device no selftest_mock_domain step names is attached to the first IOAS at setup: one is required',
      );
  }
  if (p.all.length > 0 || parsed === undefined) return { ok: false, problems: p.all };
  return { ok: true, value: { setup: parsed.setup, steps } };
};
