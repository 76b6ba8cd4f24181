import { intersects, type Range } from '../../../model/kernel/interval.ts';
import { RESV_TYPE_STRING } from '../../../model/kernel/iommu/resv.ts';
import type { Pt } from '../../../model/kernel/iommufd/device.ts';
import {
  KERNEL_ICTX,
  KERNEL_TYPE1,
  type KernelOp,
  type KernelStep,
  kernelStep,
} from '../../../model/kernel/ops.ts';
import { containerOf } from '../../../model/kernel/vfio/type1.ts';
import { deviceOf, domainOf, groupOf } from '../../../model/platform/edit.ts';
import type { KernelEvent, State } from '../../../model/platform/state.ts';
import type { CaseResult } from '../contract.ts';
import { PROT_FLAGS } from './parse.ts';
import { setupSystem } from './setup.ts';
import type {
  DomainRef,
  HRange,
  Hv,
  KernelCase,
  KernelStepSpec,
  MappingSpec,
  PtRef,
  ResultCheck,
  StepArgs,
} from './types.ts';

/**
 * Runs a kernel case (conformance format sections 4 and 5): the system from `setup`, then every
 * step — each iteration of a repeated one — compared on `expect` and then on each `result` field
 * in file order; the case stops at the first difference. Ids introduced by steps are bound when
 * their step succeeds; a later step naming an id whose step failed gets -ENOENT, as the kernel
 * answers for an object id that does not exist.
 */

const U64 = 1n << 64n;
const at = (h: Hv, i: number): bigint => (h.base + BigInt(i) * h.stride) % U64;
const hx = (x: bigint): string => `0x${x.toString(16)}`;
const json = (x: unknown): string => JSON.stringify(x);
const protText = (prot: number): string =>
  Object.entries(PROT_FLAGS)
    .filter(([, bit]) => (prot & bit) !== 0)
    .map(([name]) => name)
    .join('|');

interface Run {
  readonly hwpts: Map<string, number>;
  readonly domains: Map<string, number>;
}

/** The domain id a case's name stands for, if bound. */
const resolveDomain = (s: State, r: DomainRef, names: Run): number | undefined => {
  if ('defaultOf' in r) {
    const d = groupOf(s, r.defaultOf).defaultDomain;
    return d < 0 ? undefined : d;
  }
  return names.hwpts.get(r.id) ?? names.domains.get(r.id);
};

/** A domain as the case names it: its step id, `default:<group>`, or the model's number. */
const domainName = (c: KernelCase, s: State, domain: number, names: Run): string => {
  for (const [k, v] of [...names.hwpts, ...names.domains]) if (v === domain) return k;
  const g = s.groups.find((x) => x.defaultDomain === domain);
  if (g !== undefined) return `default:${c.setup.groups[g.id]?.id ?? g.id}`;
  return `domain#${domain}`;
};

/** The kernel op a step's iteration `i` stands for, or undefined when it names an unbound id. */
const toOp = (s: State, a: StepArgs, i: number, names: Run): KernelOp | undefined => {
  const pt = (p: PtRef): Pt | undefined => {
    if ('ioas' in p) return { ioas: p.ioas };
    const h = names.hwpts.get(p.hwpt);
    return h === undefined ? undefined : { hwpt: h };
  };
  switch (a.op) {
    case 'iommu_paging_domain_alloc':
      return { op: a.op, dev: a.dev };
    case 'iommu_attach_group': {
      const domain = resolveDomain(s, a.domain, names);
      return domain === undefined ? undefined : { op: a.op, domain, group: a.group };
    }
    case 'iommu_get_msi_cookie': {
      const domain = resolveDomain(s, a.domain, names);
      return domain === undefined ? undefined : { op: a.op, domain, base: at(a.base, i) };
    }
    case 'iommu_dma_prepare_msi':
      return { op: a.op, dev: a.dev, doorbell: at(a.doorbell, i) };
    case 'iommufd_device_bind':
      return { op: a.op, dev: a.dev, ictx: a.ictx ?? KERNEL_ICTX };
    case 'iommufd_device_attach':
    case 'iommufd_device_replace': {
      const p = pt(a.pt);
      return p === undefined ? undefined : { op: a.op, dev: a.dev, pt: p };
    }
    case 'hwpt_alloc':
      return { op: a.op, dev: a.dev, ioas: a.ioas, flags: a.flags };
    case 'hwpt_alloc_nested': {
      const parent = names.hwpts.get(a.parent);
      return parent === undefined ? undefined : { op: a.op, dev: a.dev, parent };
    }
    case 'ioas_map':
      return {
        op: a.op,
        ioas: a.ioas,
        fixedIova: a.fixedIova === null ? null : at(a.fixedIova, i),
        length: at(a.length, i),
      };
    case 'ioas_unmap':
      return { op: a.op, ioas: a.ioas, iova: at(a.iova, i), length: at(a.length, i) };
    case 'ioas_allow_iovas':
      return {
        op: a.op,
        ioas: a.ioas,
        ranges: a.ranges.map((r) => ({ start: at(r.start, i), last: at(r.last, i) })),
      };
    case 'selftest_add_reserved':
      return { op: a.op, ioas: a.ioas, start: at(a.start, i), length: at(a.length, i) };
    case 'vfio_map_dma':
      return { op: a.op, iova: at(a.iova, i), size: at(a.size, i) };
    default:
      return a;
  }
};

type Diff = { readonly field: string; readonly expected: string; readonly got: string } | undefined;

interface Ctx {
  readonly c: KernelCase;
  readonly before: State;
  readonly r: KernelStep;
  readonly args: StepArgs;
  readonly i: number;
  readonly names: Run;
}

const mapEvents = (s: State): Extract<KernelEvent, { kind: 'map' }>[] =>
  s.events.filter((e): e is Extract<KernelEvent, { kind: 'map' }> => e.kind === 'map');

/** The domain a Mapping is in: the named one, else the one args.dev is attached to after the step. */
const mappingDomain = (x: Ctx, m: MappingSpec): number | undefined => {
  if (m.domain !== undefined) return resolveDomain(x.r.state, m.domain, x.names);
  if (!('dev' in x.args)) return undefined;
  const d = groupOf(x.r.state, deviceOf(x.r.state, x.args.dev).group).domain;
  return d < 0 ? undefined : d;
};

const renderMapping = (
  x: Ctx,
  m: { domain?: number; iova: bigint; phys: bigint | null; size: bigint; prot?: number },
) => ({
  ...(m.domain === undefined ? {} : { domain: domainName(x.c, x.r.state, m.domain, x.names) }),
  iova: hx(m.iova),
  phys: m.phys === null ? null : hx(m.phys),
  size: hx(m.size),
  ...(m.prot === undefined ? {} : { prot: protText(m.prot) }),
});

const specOf = (x: Ctx, m: MappingSpec) => ({
  domain: mappingDomain(x, m),
  iova: at(m.iova, x.i),
  phys: at(m.phys, x.i),
  size: m.size === undefined ? x.before.pageSize : at(m.size, x.i),
  ...(m.prot === undefined ? {} : { prot: m.prot }),
});

const eventMatches = (e: Extract<KernelEvent, { kind: 'map' }>, m: ReturnType<typeof specOf>): boolean =>
  e.domain === m.domain &&
  e.iova === m.iova &&
  e.phys === m.phys &&
  e.size === m.size &&
  (m.prot === undefined || e.prot === m.prot);

const expectedMappings = (x: Ctx, ms: readonly MappingSpec[]) =>
  json(ms.map((m) => renderMapping(x, { ...specOf(x, m), domain: specOf(x, m).domain ?? -1 })));

const rangeJson = (rs: readonly Range[]): string => json(rs.map((r) => [hx(r.start), hx(r.last)]));
const hRanges = (rs: readonly HRange[], i: number): Range[] =>
  rs.map((r) => ({ start: at(r.start, i), last: at(r.last, i) }));
const sameRanges = (a: readonly Range[], b: readonly Range[]): boolean =>
  a.length === b.length && a.every((r, k) => r.start === b[k]?.start && r.last === b[k]?.last);
const sortRanges = (rs: readonly Range[]): Range[] =>
  [...rs].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));

/** The group a step's args name (args.group, else args.dev's group). */
const argGroup = (s: State, a: StepArgs): number | undefined =>
  'group' in a ? a.group : 'dev' in a ? deviceOf(s, a.dev).group : undefined;

/** Compares one result field; undefined when it matches. */
const check = (x: Ctx, f: ResultCheck): Diff => {
  const s = x.r.state;
  const diff = (expected: string, got: string): Diff =>
    expected === got ? undefined : { field: f.field, expected, got };
  const hexOr = (v: bigint | undefined): string => json(v === undefined ? null : hx(v));
  switch (f.field) {
    case 'msi_address':
      return diff(json(hx(at(f.value, x.i))), hexOr(x.r.out.msi?.addr));
    case 'msi_iova':
      return diff(json(hx(at(f.value, x.i))), hexOr(x.r.out.msi?.iova));
    case 'msi_shift':
      return diff(json(f.value), json(x.r.out.msi?.shift ?? null));
    case 'msi_address_unchanged': {
      if (!('dev' in x.args)) return undefined;
      const before = deviceOf(x.before, x.args.dev).msiAddr;
      const after = deviceOf(s, x.args.dev).msiAddr;
      const want = at(f.value, x.i);
      return before === after && after === want ? undefined : diff(json(hx(want)), hexOr(after));
    }
    case 'new_mappings': {
      const actual = mapEvents(s);
      const want = f.value.map((m) => specOf(x, m));
      const free = [...actual];
      const all = want.every((m) => {
        const k = free.findIndex((e) => eventMatches(e, m));
        if (k < 0) return false;
        free.splice(k, 1);
        return true;
      });
      if (all && free.length === 0) return undefined;
      return {
        field: f.field,
        expected: expectedMappings(x, f.value),
        got: json(actual.map((e) => renderMapping(x, e))),
      };
    }
    case 'mappings_installed_before_attach':
    case 'mappings_installed_before_switch': {
      const group = argGroup(s, x.args);
      const attachAt = (domain: number) =>
        s.events.findIndex((e) => e.kind === 'attach' && e.group === group && e.domain === domain);
      const early = s.events.flatMap((e, k) => {
        if (e.kind !== 'map') return [];
        const a = attachAt(e.domain);
        return a > k ? [e] : [];
      });
      const ok = f.value.every((m) => early.some((e) => eventMatches(e, specOf(x, m))));
      return ok
        ? undefined
        : {
            field: f.field,
            expected: expectedMappings(x, f.value),
            got: json(early.map((e) => renderMapping(x, e))),
          };
    }
    case 'still_mapped': {
      const got = f.value.map((m) => {
        const w = specOf(x, m);
        const d = w.domain === undefined ? undefined : s.domains[w.domain];
        const page = d?.pages.get(w.iova >> 12n);
        let present = d !== undefined;
        for (let off = 0n; present && off < w.size; off += 0x1000n) {
          const e = d?.pages.get((w.iova + off) >> 12n);
          present =
            e !== undefined && e.ppn === (w.phys + off) >> 12n && (w.prot === undefined || e.prot === w.prot);
        }
        return {
          present,
          actual: {
            ...w,
            phys: page === undefined ? null : (page.ppn << 12n) | (w.iova & 0xfffn),
            ...(page === undefined ? {} : { prot: page.prot }),
          },
        };
      });
      if (got.every((g) => g.present)) return undefined;
      return {
        field: f.field,
        expected: expectedMappings(x, f.value),
        got: json(got.map((g) => renderMapping(x, { ...g.actual, domain: g.actual.domain ?? -1 }))),
      };
    }
    case 'ranges': {
      const rs =
        x.r.out.iovaRanges?.ranges ??
        x.r.out.vfioRanges ??
        (x.args.op === 'vfio_get_info_iova_ranges' && x.r.errno === undefined ? [] : undefined);
      return diff(rangeJson(hRanges(f.value, x.i)), rs === undefined ? 'null' : rangeJson(rs));
    }
    case 'ranges_filled': {
      const rs = x.r.out.iovaRanges?.filled;
      return diff(rangeJson(hRanges(f.value, x.i)), rs === undefined ? 'null' : rangeJson(rs));
    }
    case 'num_iovas':
      return diff(json(f.value), json(x.r.out.iovaRanges?.numIovas ?? null));
    case 'out_iova_alignment':
      return diff(json(hx(at(f.value, x.i))), hexOr(x.r.out.iovaRanges?.alignment));
    case 'nr_iovas':
      // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE absent (an empty IOVA list) is reported as 0 ranges.
      return diff(json(f.value), json(x.r.errno === undefined ? (x.r.out.vfioRanges?.length ?? 0) : null));
    case 'iova_within':
    case 'iova_range_must_not_intersect': {
      const want = { start: at(f.value.start, x.i), last: at(f.value.last, x.i) };
      const iova = x.r.out.iova;
      const len = x.args.op === 'ioas_map' ? at(x.args.length, x.i) : 0n;
      const got =
        iova === undefined ? 'null' : rangeJson([{ start: iova, last: iova + len - 1n }]).slice(1, -1);
      const ok =
        iova !== undefined &&
        (f.field === 'iova_within'
          ? iova >= want.start && iova + len - 1n <= want.last
          : !intersects(want, iova, iova + len - 1n));
      return ok ? undefined : { field: f.field, expected: rangeJson([want]).slice(1, -1), got };
    }
    case 'iova_alignment': {
      const a = at(f.value, x.i);
      const iova = x.r.out.iova;
      return iova !== undefined && a !== 0n && iova % a === 0n
        ? undefined
        : { field: f.field, expected: json(hx(a)), got: hexOr(iova) };
    }
    case 'regions': {
      const got = (x.r.out.regions ?? []).map((r) => ({
        type: r.type,
        start: hx(r.start),
        length: hx(r.length),
      }));
      return diff(
        json(
          f.value.map((r) => ({ type: r.type, start: hx(at(r.start, x.i)), length: hx(at(r.length, x.i)) })),
        ),
        json(got),
      );
    }
    case 'sysfs_reserved_regions': {
      const pad = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;
      const got = (x.r.out.regions ?? []).map(
        (r) => `${pad(r.start)} ${pad(r.start + r.length - 1n)} ${RESV_TYPE_STRING[r.type]}`,
      );
      return diff(json(f.value), json(got));
    }
    case 'require_direct':
      return 'dev' in x.args ? diff(json(f.value), json(deviceOf(s, x.args.dev).requireDirect)) : undefined;
    case 'default_domain_identity_mappings': {
      const group = argGroup(s, x.args);
      const dd = group === undefined ? -1 : groupOf(s, group).defaultDomain;
      const got = sortRanges(
        mapEvents(s)
          .filter((e) => e.domain === dd && e.iova === e.phys)
          .map((e) => ({ start: e.iova, last: e.iova + e.size - 1n })),
      );
      const want = sortRanges(hRanges(f.value, x.i));
      return sameRanges(want, got)
        ? undefined
        : { field: f.field, expected: rangeJson(hRanges(f.value, x.i)), got: rangeJson(got) };
    }
    case 'not_mapped': {
      const group = argGroup(s, x.args);
      const dd = group === undefined ? undefined : s.domains[groupOf(s, group).defaultDomain];
      const want = hRanges(f.value, x.i);
      const hit = want.filter((r) =>
        [...(dd?.pages.keys() ?? [])].some((p) => intersects(r, p << 12n, (p << 12n) + 0xfffn)),
      );
      return hit.length === 0
        ? undefined
        : { field: f.field, expected: rangeJson(want), got: rangeJson(want.filter((r) => !hit.includes(r))) };
    }
    case 'group_domain': {
      const group = argGroup(s, x.args);
      if (group === undefined) return undefined;
      const g = groupOf(s, group);
      const d = s.domains[g.domain];
      const got =
        d === undefined
          ? null
          : g.domain === g.blockingDomain || d.type === 'BLOCKED'
            ? 'BLOCKED'
            : g.domain === g.defaultDomain
              ? 'DEFAULT'
              : domainName(x.c, s, g.domain, x.names);
      return diff(json(typeof f.value === 'string' ? f.value : f.value.id), json(got));
    }
    case 'kernel_warning': {
      const texts = s.events.flatMap((e) => (e.kind === 'warn' ? [e.text] : []));
      return texts.some((t) => t.includes(f.value))
        ? undefined
        : { field: f.field, expected: json(f.value), got: json(texts) };
    }
    case 'domain_cookie':
    case 'msi_cookie_base': {
      const group = argGroup(s, x.args);
      const d = group === undefined ? undefined : containerOf(s, KERNEL_TYPE1).groups.get(group);
      const cookie = d === undefined ? undefined : domainOf(s, d).cookie;
      if (f.field === 'domain_cookie') return diff(json(f.value), json(cookie?.type ?? null));
      const base = cookie?.type === 'DMA_MSI' ? cookie.base : undefined;
      return typeof f.value === 'string' ? undefined : diff(json(hx(at(f.value, x.i))), hexOr(base));
    }
    case 'type':
    case 'cookie': {
      const d = x.r.out.domain === undefined ? undefined : domainOf(s, x.r.out.domain);
      return diff(json(f.value), json((f.field === 'type' ? d?.type : d?.cookie.type) ?? null));
    }
    default: {
      const never: never = f;
      throw new Error(`unknown result field ${json(never)}`);
    }
  }
};

const runStep = (
  c: KernelCase,
  s0: State,
  step: KernelStepSpec,
  k: number,
  names: Run,
): { state: State } | { fail: CaseResult } => {
  let s = s0;
  for (let i = 0; i < step.repeat; i++) {
    const path = step.repeated ? `steps[${k}](i=${i})` : `steps[${k}]`;
    const op = toOp(s, step.args, i, names);
    const r: KernelStep =
      op === undefined ? { state: { ...s, events: [] }, errno: 'ENOENT', out: {} } : kernelStep(s, op);
    const got = r.errno === undefined ? 'ok' : r.errno;
    if (got !== step.expect)
      return {
        fail: {
          status: 'FAIL',
          path: `${path}.expect`,
          expected: json(step.expect === 'ok' ? 'ok' : `-${step.expect}`),
          got: json(got === 'ok' ? 'ok' : `-${got}`),
        },
      };
    if (r.errno === undefined && r.out.domain !== undefined && 'id' in step.args) {
      const a = step.args;
      (a.op === 'iommu_paging_domain_alloc' ? names.domains : names.hwpts).set(a.id, r.out.domain);
    }
    const x: Ctx = { c, before: s, r, args: step.args, i, names };
    for (const f of step.result) {
      const d = check(x, f);
      if (d !== undefined)
        return {
          fail: { status: 'FAIL', path: `${path}.result.${d.field}`, expected: d.expected, got: d.got },
        };
    }
    s = r.state;
  }
  return { state: s };
};

export const runKernelCase = (c: KernelCase): CaseResult => {
  const built = setupSystem(c);
  if ('errno' in built)
    return { status: 'FAIL', path: 'setup', expected: json('ok'), got: json(`-${built.errno}`) };
  let s = built.state;
  const names: Run = { hwpts: new Map(), domains: new Map() };
  for (const [k, step] of c.steps.entries()) {
    const r = runStep(c, s, step, k, names);
    if ('fail' in r) return r.fail;
    s = r.state;
  }
  return { status: 'PASS' };
};
