import type { z } from 'zod';
import {
  type DeviceSpec,
  type FIRMWARE_REGIONS,
  type Op,
  OpSchema,
  SCENARIO_VERSION,
  ScenarioSchema,
  type Topology,
  TopologySchema,
} from '../../model/platform/scenario.ts';
import type { Box, Scope } from './scope.ts';

type Region = (typeof FIRMWARE_REGIONS)[number];

/** A field or op the scope cannot enumerate: the search refuses to run rather than skip it silently. */
export class EnumerationError extends Error {}

/**
 * Index fields of ops and how the topology bounds them. An unbounded integer field of an op that is
 * not named here has no finite domain: enumeration fails loudly, naming the op and the field.
 */
const INDEX_DOMAINS: Record<string, (t: Topology, op: Record<string, unknown>) => number> = {
  group: (t) => new Set(t.devices.map((d) => d.group)).size,
  device: (t) => t.devices.length,
  // The device's own vectors: the vector an op names is one of the device it names (ScenarioSchema
  // allows any; a vector past the device's count is refused by every op that takes one).
  vector: (t, op) => t.devices[op.device as number]?.vectors ?? 0,
  hart: (t) => t.harts,
  vcpu: (t) => t.harts,
  vm: (t) => t.vms,
};

type Values = Scope['values'];

/** The finite values of one op field, from its zod schema, the topology and the scope's domains. */
const fieldValues = (
  kind: string,
  field: string,
  schema: z.ZodType,
  t: Topology,
  values: Values,
  op: Record<string, unknown>,
): readonly unknown[] => {
  const def = schema.def as { type: string } & Record<string, unknown>;
  const loud = (why: string): never => {
    throw new EnumerationError(
      `op ${kind}, field ${field}: ${why}; add its domain to the scope (values.${field}) or to INDEX_DOMAINS in properties/exhaustive/enumerate.ts`,
    );
  };
  switch (def.type) {
    case 'literal':
      return (schema as z.ZodLiteral).values ? [...(schema as z.ZodLiteral).values] : loud('a literal');
    case 'enum':
      return (schema as z.ZodEnum).options;
    case 'boolean':
      return [false, true];
    case 'number': {
      const n = schema as z.ZodNumber;
      const index = INDEX_DOMAINS[field];
      if (index !== undefined) return Array.from({ length: index(t, op) }, (_, i) => i);
      const lo = n.minValue ?? Number.NEGATIVE_INFINITY;
      const hi = n.maxValue ?? Number.POSITIVE_INFINITY;
      if (!n.isInt || !Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo > 64)
        return loud(`a number without a small finite range (${lo}..${hi})`);
      return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    }
    case 'string': {
      const v = values[field];
      return v ?? loud('a string with no value domain in the scope');
    }
    case 'default':
    case 'optional': {
      const inner = (def as unknown as { innerType: z.ZodType }).innerType;
      const vs = fieldValues(kind, field, inner, t, values, op);
      return def.type === 'optional' ? [undefined, ...vs] : vs;
    }
    default:
      return loud(`a ${def.type} field`);
  }
};

/**
 * Every op of the Op schema over topology `t`: the cartesian product of each field's values, in the
 * schema's order of ops and fields, kept when ScenarioSchema accepts it for `t` (its own index rules).
 * Derived from the schema, so a new op or field is enumerated or refused, never missed.
 */
export const enumerateOps = (
  t: Topology,
  values: Values,
  schema: readonly { readonly shape: Record<string, z.ZodType> }[] = OpSchema.options,
): Op[] => {
  const out: Op[] = [];
  for (const option of schema) {
    const shape = option.shape;
    const kind = String((shape.op as z.ZodLiteral).value);
    const fields = Object.keys(shape);
    const product = (i: number, partial: Record<string, unknown>): void => {
      const field = fields[i];
      if (field === undefined) {
        out.push(partial as Op);
        return;
      }
      const schema = shape[field] as z.ZodType;
      for (const v of fieldValues(kind, field, schema, t, values, partial))
        product(i + 1, v === undefined ? partial : { ...partial, [field]: v });
    };
    product(0, {});
  }
  return out.filter(
    (op) =>
      ScenarioSchema.safeParse({ version: SCENARIO_VERSION, design: 'enumerate', topology: t, ops: [op] })
        .success,
  );
};

/** The op kinds the Op schema defines. */
export const opKinds = (): string[] =>
  OpSchema.options.map((o) => String((o.shape.op as z.ZodLiteral).value));

/** A topology's size: every quantity added up, so a topology smaller in any one is lighter. */
export const topologyWeight = (t: Topology): number =>
  t.harts +
  t.vms +
  t.devices.length +
  new Set(t.devices.map((d) => d.group)).size +
  t.devices.reduce((n, d) => n + d.vectors + d.resv.length, 0);

const bdfOf = (i: number): string => `00:${(i + 1).toString(16).padStart(2, '0')}.0`;
type Spec = { vectors: number; resv: Region[] };
const specKey = (d: Spec): string => `${d.vectors}/${d.resv.join('+')}`;

/**
 * The canonical member of a topology's isomorphism class (devices and groups renamed): groups
 * sorted by their sorted device specs, devices listed group by group, bdfs and group numbers by
 * position (as the random generator numbers them).
 */
export const canonicalTopology = (t: Topology): Topology => {
  const groups = new Map<number, Spec[]>();
  for (const d of t.devices) groups.set(d.group, [...(groups.get(d.group) ?? []), d]);
  const sorted = [...groups.values()]
    .map((g) => [...g].sort((a, b) => specKey(a).localeCompare(specKey(b))))
    .sort((a, b) => b.length - a.length || a.map(specKey).join().localeCompare(b.map(specKey).join()));
  const devices: DeviceSpec[] = sorted.flatMap((g, gi) =>
    g.map((d) => ({ bdf: '', group: gi, vectors: d.vectors, resv: [...d.resv] })),
  );
  return { harts: t.harts, devices: devices.map((d, i) => ({ ...d, bdf: bdfOf(i) })), vms: t.vms };
};

/** Every topology of one box (all of them, or one per isomorphism class), each valid under TopologySchema. */
const boxTopologies = (b: Box, canonical: boolean): Topology[] => {
  const specs: Spec[] = [];
  for (let v = b.vectors[0]; v <= b.vectors[1]; v++)
    for (const r of b.resv) specs.push({ vectors: v, resv: r });
  const out: Topology[] = [];
  const seen = new Set<string>();
  for (let n = b.devices[0]; n <= b.devices[1]; n++) {
    // Group labels as restricted growth strings: group i+1 appears only after group i.
    const labels = (prefix: number[]): number[][] =>
      prefix.length === n
        ? [prefix]
        : Array.from({ length: Math.max(-1, ...prefix) + 2 }, (_, g) => labels([...prefix, g])).flat();
    const choices = (k: number): Spec[][] =>
      k === 0 ? [[]] : choices(k - 1).flatMap((c) => specs.map((s) => [...c, s]));
    for (const groups of labels([])) {
      const count = new Set(groups).size;
      if (b.groups !== undefined && (count < b.groups[0] || count > b.groups[1])) continue;
      for (const ds of choices(n)) {
        for (let h = b.harts[0]; h <= b.harts[1]; h++) {
          for (let vms = b.vms[0]; vms <= b.vms[1]; vms++) {
            const raw: Topology = {
              harts: h,
              vms,
              devices: ds.map((d, i) => ({
                bdf: bdfOf(i),
                group: groups[i] ?? 0,
                vectors: d.vectors,
                resv: [...d.resv],
              })),
            };
            const t = canonical ? canonicalTopology(raw) : raw;
            const key = JSON.stringify(t);
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(TopologySchema.parse(t));
          }
        }
      }
    }
  }
  return out;
};

export interface ScopedTopology {
  readonly topology: Topology;
  /** The deepest box containing this topology. */
  readonly depth: number;
  /**
   * Value domains of its ops: per field, the union over the boxes containing it. A topology in
   * two boxes is searched to the deeper depth with the union of their values, a superset of both.
   */
  readonly values: Values;
  readonly weight: number;
  /** Position in the scope's order (lightest first), the unit of sharding. */
  readonly index: number;
}

/** Every topology of the scope, lightest first (ties by their JSON), each with its op depth and values. */
export const scopeTopologies = (scope: Scope): ScopedTopology[] => {
  const found = new Map<string, { topology: Topology; depth: number; values: Record<string, string[]> }>();
  for (const b of scope.boxes) {
    const values = { ...scope.values, ...b.values };
    for (const t of boxTopologies(b, scope.symmetry.topologies)) {
      const key = JSON.stringify(t);
      const known = found.get(key) ?? { topology: t, depth: 0, values: {} };
      const merged: Record<string, string[]> = { ...known.values };
      for (const [field, vs] of Object.entries(values))
        merged[field] = [...new Set([...(merged[field] ?? []), ...vs])];
      found.set(key, { topology: t, depth: Math.max(known.depth, b.depth), values: merged });
    }
  }
  return [...found.entries()]
    .map(([key, v]) => ({ key, ...v, weight: topologyWeight(v.topology) }))
    .sort((a, b) => a.weight - b.weight || a.key.localeCompare(b.key))
    .map(({ topology, depth, values, weight }, index) => ({ topology, depth, values, weight, index }));
};

/** A shard `k/n` of a scope: the topologies whose index is k-1 modulo n (round robin over sizes). */
export interface Shard {
  readonly k: number;
  readonly n: number;
}
export const inShard = (t: ScopedTopology, shard: Shard): boolean => t.index % shard.n === shard.k - 1;
