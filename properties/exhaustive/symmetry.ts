import { LPI_BASE } from '../../model/platform/layout.ts';
import type { State } from '../../model/platform/state.ts';
import {
  type Classifier,
  type Fingerprint,
  Fingerprinter,
  IdentityMemo,
} from '../../model/types/fingerprint.ts';
import type { Scope } from './scope.ts';

/**
 * Symmetry reduction: renamings of a state that the model cannot tell apart. Each is a structural
 * rewrite of the plain State: objects, arrays and Maps are rebuilt only where a renamed value sits
 * (the fingerprinter's feature mask says where), so untouched parts keep their identity and their
 * memoised fingerprints. The search dedups a state by the least fingerprint over its renamings and
 * never steps a renamed state: the path it stores reaches the state it first saw.
 *
 * Soundness is checked, not assumed: symmetry.test.ts steps every state of a small scope and its
 * renamings with every op and requires the same canonical successors and the same invariant
 * verdicts. A kernel change that makes a renaming observable fails that test.
 */

/** State fields that record what the last step did (KernelEvent, state.ts) and nothing reads after it. */
const PER_STEP_RECORDS = ['events'] as const;

/** A renaming of a state's names that the model cannot observe. */
export type Renaming = (s: State) => State;

/** Feature bits (fingerprint.ts): where a userspace owner is named, where an IRQ number is held. */
const OWNER = 1;
const IRQ = 2;
const INDEX = 4;
const IRQ_FIELDS = new Set(['irq', 'nextIrq', 'lpi']);
/**
 * Fields that hold a device, group or domain index, or a list of them (model/platform/state.ts:
 * Irq.device, Group.devices, IGroup.attached; Device.group; Group.domain / defaultDomain /
 * blockingDomain, Domain.parent, IGroup.hwpt, Ioas.hwpts, Type1Container.domains), and Maps keyed
 * by group (IommufdCtx.igroups; Type1Container.groups, whose values are domains).
 */
const DEVICE_FIELDS = new Set(['device', 'devices', 'attached']);
const GROUP_FIELDS = new Set(['group']);
const DOMAIN_FIELDS = new Set([
  'domain',
  'parent',
  'defaultDomain',
  'blockingDomain',
  'hwpt',
  'hwpts',
  'domains',
]);
const GROUP_KEYED: Readonly<Record<string, { readonly values?: string }>> = {
  igroups: {},
  groups: { values: 'domain' },
};
/**
 * Names that embed an index (model/kernel/vfio/container.ts vfioGroupOwner, iommufd/io-pagetable.ts
 * devOwner and domainOwner): `vfio-group:1`, `dev:0`, `domain:3`.
 */
const INDEX_NAME = /^(vfio-group|dev|domain):(\d+)$/;
const NAME_KIND: Readonly<Record<string, 'group' | 'device' | 'domain'>> = {
  'vfio-group': 'group',
  dev: 'device',
  domain: 'domain',
};
const INDEX_FIELDS = new Set([
  ...DEVICE_FIELDS,
  ...GROUP_FIELDS,
  ...DOMAIN_FIELDS,
  ...Object.keys(GROUP_KEYED),
]);

const isUserspaceOwner = (v: unknown): boolean => {
  if (v === 'userspace:0' || v === 'userspace:1') return true;
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { kind?: unknown; index?: unknown };
  return o.kind === 'userspace' && (o.index === 0 || o.index === 1);
};

/** Per field name, the feature bit it carries (IRQ only when it holds a number). */
const FIELD_BITS = new Map<string, number>([
  ...[...IRQ_FIELDS].map((k) => [k, IRQ] as const),
  ...[...INDEX_FIELDS].map((k) => [k, INDEX] as const),
]);

const classify: Classifier = (key, v) => {
  const named = typeof v === 'string' && INDEX_NAME.test(v) ? INDEX : 0;
  // An object is looked at once, on its own; a field holding one only adds the field's name.
  if (key === undefined) return (isUserspaceOwner(v) ? OWNER : 0) | named;
  let m = (v === 'userspace:0' || v === 'userspace:1' ? OWNER : 0) | named;
  const b = FIELD_BITS.get(key);
  if (b !== undefined && (b !== IRQ || typeof v === 'number')) m |= b;
  return m;
};

/**
 * A structural rewrite of the parts of a state whose feature mask has `bit`: `leaf(key, v)` may
 * replace a primitive under field `key` (undefined for array elements and Map entries), `node(o)`
 * may replace an object before its fields are walked. Everything else is returned as it is.
 */
const rewrite = (
  fpr: Fingerprinter,
  bit: number,
  leaf: (key: string | undefined, v: unknown) => unknown,
  node: (o: Record<string, unknown>) => Record<string, unknown>,
  memo: { get(k: object): unknown; set(k: object, v: unknown): void },
): ((s: State) => State) => {
  const walk = (key: string | undefined, v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return leaf(key, v);
    // A list of indices under a renamed field (a group's `devices`), or a Map keyed by group, is
    // renamed element by element: its own mask cannot say so, the field name does.
    const keyed = v instanceof Map && key !== undefined ? GROUP_KEYED[key] : undefined;
    const list =
      keyed !== undefined ||
      (Array.isArray(v) && key !== undefined && INDEX_FIELDS.has(key) && typeof v[0] === 'number');
    if (!list && (fpr.value(v).mask & bit) === 0) return v;
    const known = list ? undefined : memo.get(v);
    if (known !== undefined) return known;
    let out: unknown = v;
    if (Array.isArray(v)) {
      const xs = v.map((x) => walk(list ? key : undefined, x));
      if (xs.some((x, i) => x !== v[i])) out = xs;
    } else if (v instanceof Map) {
      let changed = false;
      const m = new Map();
      for (const [k, x] of v) {
        const k2 = keyed !== undefined ? leaf('group', k) : walk(undefined, k);
        const x2 = keyed?.values !== undefined ? walk(keyed.values, x) : walk(undefined, x);
        changed ||= k2 !== k || x2 !== x;
        m.set(k2, x2);
      }
      if (changed) out = m;
    } else if (v instanceof Set) {
      const before = [...v];
      const xs = before.map((x) => walk(undefined, x));
      if (xs.some((x, i) => x !== before[i])) out = new Set(xs);
    } else {
      const o = node(v as Record<string, unknown>);
      let changed = o !== v;
      const r: Record<string, unknown> = {};
      for (const k in o) {
        const x = walk(k, o[k]);
        changed ||= x !== o[k];
        r[k] = x;
      }
      if (changed) out = r;
    }
    if (!list) memo.set(v, out);
    return out;
  };
  return (s) => {
    // The top level by hand: a State is new every step (fingerprinting it here would be wasted),
    // and its `last` is the path, not the state.
    const r: Record<string, unknown> = {};
    let changed = false;
    for (const k in s) {
      if (k === 'last') continue;
      const v = (s as unknown as Record<string, unknown>)[k];
      const x = walk(k, v);
      changed ||= x !== v;
      r[k] = x;
    }
    return changed ? (r as unknown as State) : s;
  };
};

/** Two interchangeable groups, their devices and their boot domains. */
interface Transposition {
  readonly groups: readonly [number, number];
  readonly devices: readonly [number, number];
  readonly domains: readonly [number, number];
}

/**
 * Pairs of groups the model cannot tell apart at boot: one device each, the devices alike in all
 * but their identity (vectors, reserved regions, MSI tables — compared by fingerprint), each group
 * on its own boot domain. Reserved regions placed by device index (firmware direct regions,
 * layout.ts directRegionPage) make two devices unlike, so they are never swapped.
 */
const groupSwaps = (root: State): Transposition[] => {
  const fpr = new Fingerprinter();
  const body = (i: number) => {
    const d = root.devices[i];
    if (d === undefined) return '';
    const { index: _i, bdf: _b, rid: _r, group: _g, ...rest } = d;
    const f = fpr.value(rest);
    return `${f.hi}:${f.lo}`;
  };
  const single = root.groups.filter((g) => g.devices.length === 1);
  const out: Transposition[] = [];
  for (const [i, a] of single.entries())
    for (const b of single.slice(i + 1)) {
      const da = a.devices[0] as number;
      const db = b.devices[0] as number;
      if (body(da) === body(db) && a.domain !== b.domain)
        out.push({ groups: [a.id, b.id], devices: [da, db], domains: [a.domain, b.domain] });
    }
  return out;
};

/**
 * How the search reduces states of one topology: `canonical(s)` is the least fingerprint of `s`
 * over its renamings. The renamings a scope enables:
 * - `irqs`: Linux IRQ numbers renamed densely from the first the platform hands out, in their
 *   order — `irq` fields, `nextIrq`, and the ITS LPI each number was given (LPI_BASE + irq,
 *   model/kernel/irq/alloc.ts). Numbers are compared only with each other and the next to hand out.
 * - `groups`: two groups of one device each, alike but for their identity, swapped (groupSwaps).
 * - `owners`: VFIO userspace owners 0 and 1 swapped, in their keys (state.ts ownerKey) and their
 *   `{ kind: 'userspace', index }` records. VMs are not interchangeable: a VM's index chooses its
 *   guest interrupt file (model/platform/layout.ts vmGuestFile).
 */
export class Symmetry {
  readonly fpr = new Fingerprinter(classify);
  private readonly swapMemo = new IdentityMemo<unknown>();
  private readonly groupMemos: IdentityMemo<unknown>[] = [];
  private readonly swap = rewrite(
    this.fpr,
    OWNER,
    (_key, v) => (v === 'userspace:0' ? 'userspace:1' : v === 'userspace:1' ? 'userspace:0' : v),
    (o) => (isUserspaceOwner(o) ? { ...o, index: 1 - (o.index as number) } : o),
    this.swapMemo,
  );
  /** Transpositions of interchangeable groups (see `groupSwaps`), each a renaming. */
  private readonly groupSwaps: readonly Renaming[];
  /** The first Linux IRQ number the platform hands out (the boot state's nextIrq). */
  private readonly irqBase: number;
  constructor(
    private readonly options: Scope['symmetry'],
    /** The boot state: its IRQ base, and which of its groups are interchangeable. */
    root: Pick<State, 'nextIrq'> & Partial<State>,
  ) {
    this.irqBase = root.nextIrq;
    this.groupSwaps =
      options.groups && root.groups !== undefined
        ? groupSwaps(root as State).map((p) => this.swapGroups(p))
        : [];
  }

  /**
   * `s` with two interchangeable groups swapped (their single devices and their boot domains with
   * them): every device, group and domain index renamed — in the fields of INDEX_FIELDS, the Maps
   * keyed by group, and names such as `vfio-group:1` — and the records moved to each other's place, keeping the place's own
   * identity (a device's index, bdf and requester id; a group's id and members; a domain's id).
   */
  private swapGroups(p: Transposition): Renaming {
    const pick = (t: readonly [number, number]) => (v: number) => (v === t[0] ? t[1] : v === t[1] ? t[0] : v);
    const dev = pick(p.devices);
    const grp = pick(p.groups);
    const dom = pick(p.domains);
    const rename = rewrite(
      this.fpr,
      INDEX,
      (key, v) => {
        if (typeof v === 'string') {
          const m = INDEX_NAME.exec(v);
          if (m === null) return v;
          const kind = NAME_KIND[m[1] ?? ''];
          const n = Number(m[2]);
          return `${m[1]}:${kind === 'group' ? grp(n) : kind === 'device' ? dev(n) : dom(n)}`;
        }
        if (typeof v !== 'number' || key === undefined) return v;
        if (DEVICE_FIELDS.has(key)) return dev(v);
        if (GROUP_FIELDS.has(key)) return grp(v);
        if (DOMAIN_FIELDS.has(key)) return dom(v);
        return v;
      },
      (o) => o,
      this.groupMemo(),
    );
    // The record a place takes: its image's (renamed) record with the place's own identity,
    // memoised on the pair so that states sharing records share the moved ones too.
    const moved = this.groupMemo() as IdentityMemo<Map<object, object>>;
    /** `xs` (renamed) with each place taking the record of its image, keeping `keep` from `own`. */
    const move = <T extends object>(
      xs: readonly T[],
      own: readonly T[],
      at: (i: number) => number,
      keep: readonly (keyof T)[],
    ): T[] =>
      xs.map((x, i) => {
        if (at(i) === i) return x;
        const from = xs[at(i)] as T;
        const mine = own[i] as T;
        let byOwn = moved.get(from);
        if (byOwn === undefined) {
          byOwn = new Map();
          moved.set(from, byOwn);
        }
        const known = byOwn.get(mine);
        if (known !== undefined) return known as T;
        const r = { ...from };
        for (const k of keep) r[k] = mine[k];
        byOwn.set(mine, r);
        return r;
      });
    return (s0) => {
      const s = rename(s0);
      return {
        ...s,
        // The boot configuration is the same for both: its devices are alike but for identity.
        topology: s0.topology,
        devices: move(s.devices, s0.devices, dev, ['index', 'bdf', 'rid', 'group']),
        groups: move(s.groups, s0.groups, grp, ['id', 'devices']),
        domains: move(s.domains, s0.domains, dom, ['id']),
      };
    };
  }

  /** `s` with its IRQ numbers renamed densely (the same object when they already are). */
  normaliseIrqs(s: State): State {
    const base = this.irqBase;
    const live = [...new Set(s.irqs.map((q) => q.irq))].sort((a, b) => a - b);
    if (s.nextIrq === base + live.length && live.every((n, i) => n === base + i)) return s;
    const to = new Map(live.map((n, i) => [n, base + i]));
    const irq = (n: number) => to.get(n) ?? n;
    return rewrite(
      this.fpr,
      IRQ,
      (key, v) => {
        if (typeof v !== 'number') return v;
        if (key === 'irq') return irq(v);
        if (key === 'nextIrq') return base + live.length;
        if (key === 'lpi') return LPI_BASE + irq(v - LPI_BASE);
        return v;
      },
      (o) => o,
      new Map<object, unknown>(),
    )(s);
  }

  /** A rewrite memo that `scratch` scopes like the fingerprints. */
  private groupMemo(): IdentityMemo<unknown> {
    const m = new IdentityMemo<unknown>();
    this.groupMemos.push(m);
    return m;
  }

  /**
   * Runs `f` (a successor's canonical fingerprint) with what it memoises forgotten afterwards: a
   * successor that turns out seen is dropped, and one that is new is derived again, as new
   * objects, when its turn comes. What `f` reads of states looked at outside `scratch` stays.
   */
  scratch<T>(f: () => T): T {
    const memos = [this.fpr.memo, this.swapMemo, ...this.groupMemos];
    const run = (i: number): T => {
      const m = memos[i];
      return m === undefined ? f() : m.scratch(() => run(i + 1));
    };
    return run(0);
  }

  /** `s` with its first two interchangeable groups swapped (itself when it has none). */
  swapFirstGroups(s: State): State {
    const swap = this.groupSwaps[0];
    return swap === undefined ? s : swap(s);
  }

  /** `s` with userspace owners 0 and 1 swapped. */
  swapOwners(s: State): State {
    return this.swap(s);
  }

  /**
   * Which userspace owner a state names first, in the order of its own structure (fields in
   * their order, arrays and Maps in theirs), or undefined when it names none. Swapping the owners
   * swaps the answer, so "rename so that owner 0 comes first" is a canonical form: one rewrite at
   * most and one fingerprint, instead of the least over both.
   */
  private firstOwner(v: unknown): number | undefined {
    if (v === 'userspace:0') return 0;
    if (v === 'userspace:1') return 1;
    if (typeof v !== 'object' || v === null || (this.fpr.value(v).mask & OWNER) === 0) return undefined;
    if (isUserspaceOwner(v)) return (v as { index: number }).index;
    const items: Iterable<unknown> = Array.isArray(v)
      ? v
      : v instanceof Map
        ? [...v].flat()
        : v instanceof Set
          ? v
          : Object.values(v);
    for (const x of items) {
      const f = this.firstOwner(x);
      if (f !== undefined) return f;
    }
    return undefined;
  }

  /** The canonical fingerprint of `s`: the least over the group transpositions of `reduced`. */
  canonical(s: State): Fingerprint {
    let f = this.reduced(s);
    for (const swap of this.groupSwaps) {
      const g = this.reduced(swap(s));
      if (g.hi < f.hi || (g.hi === f.hi && g.lo < f.lo)) f = g;
    }
    return f;
  }

  /**
   * `s` without its per-step records: fields every step starts afresh (model/platform/step.ts) and
   * no invariant reads, so two states that differ only there have the same successors and verdicts.
   */
  dropRecords(s: State): State {
    if (!this.options.records) return s;
    let t = s;
    for (const k of PER_STEP_RECORDS) {
      const v = (t as unknown as Record<string, unknown>)[k];
      if (Array.isArray(v) && v.length > 0) t = { ...t, [k]: [] };
    }
    return t;
  }

  /** The fingerprint of `s` with its IRQ numbers normalised and its owners in canonical order. */
  private reduced(s: State): Fingerprint {
    let t = this.dropRecords(s);
    let f = this.fpr.state(t);
    if (this.options.irqs && (f.mask & IRQ) !== 0) {
      const n = this.normaliseIrqs(t);
      if (n !== t) {
        t = n;
        f = this.fpr.state(t);
      }
    }
    if (this.options.owners && (f.mask & OWNER) !== 0) {
      const { last: _path, ...rest } = t;
      if (this.firstOwner(rest) === 1) f = this.fpr.state(this.swap(t));
    }
    return f;
  }
}
