import { DELIVERY_MODES, type Outcome } from '../../../model/types/outcome.ts';
import type { CaseResult } from '../contract.ts';
import { get, type Json, member, type Reader } from '../read.ts';
import type { Arch } from './arch.ts';

/**
 * The `expected` member of a hardware vector (docs/conformance-format.md, section 3.3) and its
 * comparison with what the model found: `kind` first, then every other member in file order, except
 * the text members `reason` and `cause_name`.
 */

/** A compared value: a number (printed as hex or int, as the vector wrote it), a string, or absent. */
export type Val = { t: 'num'; v: bigint; hex: boolean } | { t: 'str'; v: string } | { t: 'none' };

const num = (v: bigint | number, hex: boolean): Val => ({ t: 'num', v: BigInt(v), hex });
const str = (v: string): Val => ({ t: 'str', v });
const NONE: Val = { t: 'none' };

const same = (a: Val, b: Val): boolean =>
  a.t === 'num'
    ? b.t === 'num' && a.v === b.v
    : a.t === 'str'
      ? b.t === 'str' && a.v === b.v
      : b.t === 'none';

/** Compact JSON in the format's types; a number is printed as the expected value was written (hex or int). */
const render = (v: Val, hex: boolean): string =>
  v.t === 'num'
    ? hex
      ? JSON.stringify(`0x${v.v.toString(16)}`)
      : v.v.toString()
    : v.t === 'str'
      ? JSON.stringify(v.v)
      : 'null';

export const KINDS = ['memory', 'interrupt', 'dropped', 'fault'] as const;
export type Kind = (typeof KINDS)[number];

/** `posted` is this project's addition for a VT-d IRTE with IM = 1 (the format names no posted outcome). */
export const CONTROLLERS = ['imsic', 'mrif', 'its-lpi', 'its-vlpi', 'gic-spi', 'lapic', 'posted'] as const;
type Controller = (typeof CONTROLLERS)[number];

/** Canonical target spellings (section 3.3). */
const TARGETS: Record<Exclude<Controller, 'mrif'>, { pattern: RegExp; example: string }> = {
  imsic: { pattern: /^group(0|[1-9]\d*)\.hart(0|[1-9]\d*)$/, example: 'group0.hart2' },
  'its-lpi': { pattern: /^redistributor(0|[1-9]\d*)$/, example: 'redistributor3' },
  'its-vlpi': { pattern: /^vpe(0|[1-9]\d*)@redistributor(0|[1-9]\d*)$/, example: 'vpe7@redistributor2' },
  'gic-spi': { pattern: /^distributor$/, example: 'distributor' },
  lapic: { pattern: /^apic0x([0-9a-f]{2}|[1-9a-f][0-9a-f]{2,})$/, example: 'apic0x07' },
  posted: { pattern: /^pd0x(0|[1-9a-f][0-9a-f]*)$/, example: 'pd0x12345640' },
};

/** One compared member: its path below `expected` and its value. */
interface Check {
  readonly name: string;
  readonly value: Val;
}

export interface Expected {
  readonly kind: Kind;
  readonly checks: readonly Check[];
}

/** Fault causes that are strings: AMD-Vi's (QEMU return codes) and the bus's decode error. */
export const STRING_CAUSES: Record<Arch, readonly string[]> = {
  'riscv-iommu': [],
  imsic: ['decode-error'],
  'gicv3-its': ['decode-error'],
  gicv2m: ['decode-error'],
  'vtd-ir': ['decode-error'],
  'amd-ir': ['target-abort', 'ir-error', 'io-page-fault', 'decode-error'],
  'x86-compat': ['decode-error'],
};

const numOrHex = (r: Reader, v: Json, path: string): Val | undefined => {
  if (typeof v === 'number') {
    const n = r.int(v, path, 0, Number.MAX_SAFE_INTEGER);
    return n === undefined ? undefined : num(n, false);
  }
  const h = r.hex(v, path);
  return h === undefined ? undefined : num(h, true);
};

/** Reads `expected`; `path` is ".expected". */
export const readExpected = (r: Reader, raw: Json, path: string, arch: Arch): Expected | undefined => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return r.problem(path, 'expected an object');
  const obj = raw as Record<string, Json>;
  const kind =
    'kind' in obj
      ? r.oneOf(obj.kind, member(path, 'kind'), KINDS)
      : r.problem(member(path, 'kind'), 'missing required member');
  if (kind === undefined) return undefined;
  const checks: Check[] = [];
  const add = (name: string, value: Val | undefined) => {
    if (value !== undefined) checks.push({ name, value });
  };
  const at = (k: string) => member(path, k);
  switch (kind) {
    case 'memory': {
      r.object(obj, path, { required: ['kind', 'pa', 'data'], optional: ['interrupt_file_number'] });
      for (const k of Object.keys(obj)) {
        if (k === 'pa')
          add(
            k,
            get(obj, k, (v) => numOrHexOnly(r, v, at(k), 64)),
          );
        if (k === 'data')
          add(
            k,
            get(obj, k, (v) => numOrHexOnly(r, v, at(k), 32)),
          );
        if (k === 'interrupt_file_number')
          add(
            k,
            get(obj, k, (v) => intVal(r, v, at(k))),
          );
      }
      break;
    }
    case 'dropped':
      r.object(obj, path, { required: ['kind'], optional: ['reason'] });
      get(obj, 'reason', (v) => r.text(v, at('reason')));
      break;
    case 'fault': {
      const vtd = arch === 'vtd-ir';
      r.object(obj, path, { required: ['kind', 'cause'], optional: ['cause_name', 'cause_hex'] });
      get(obj, 'cause_name', (v) => r.text(v, at('cause_name')));
      let causeNum: bigint | undefined;
      for (const k of Object.keys(obj)) {
        if (k === 'cause') {
          const v = obj[k];
          if (typeof v === 'string')
            add(
              k,
              get(obj, k, (x) => strToken(r, x, at(k), STRING_CAUSES[arch])),
            );
          else if (arch === 'riscv-iommu' || vtd) {
            const n = r.int(v, at(k), 0, 0xffff);
            if (n !== undefined) {
              causeNum = BigInt(n);
              add(k, num(n, false));
            }
          } else r.problem(at(k), `expected one of ${STRING_CAUSES[arch].join(', ')} for ${arch}`);
        }
        if (k === 'cause_hex')
          add(
            k,
            get(obj, k, (v) => numOrHexOnly(r, v, at(k), 16)),
          );
      }
      const hex = 'cause_hex' in obj ? checks.find((c) => c.name === 'cause_hex')?.value : undefined;
      if (vtd && causeNum !== undefined && !('cause_hex' in obj))
        r.problem(at('cause_hex'), 'missing required member (vtd-ir faults give the reason in hex too)');
      if (causeNum !== undefined && hex?.t === 'num' && hex.v !== causeNum)
        r.problem(at('cause_hex'), `0x${hex.v.toString(16)} is not the cause ${causeNum}`);
      break;
    }
    case 'interrupt': {
      const controller =
        'controller' in obj
          ? r.oneOf(obj.controller, at('controller'), CONTROLLERS)
          : r.problem(at('controller'), 'missing required member');
      if (controller === undefined) return undefined;
      const members =
        controller === 'mrif'
          ? {
              required: ['kind', 'controller', 'mrif_address', 'identity'],
              optional: ['pending_bit', 'notice_msi'],
            }
          : controller === 'imsic'
            ? { required: ['kind', 'controller', 'target', 'file', 'identity'] }
            : controller === 'lapic'
              ? { required: ['kind', 'controller', 'target', 'identity'], optional: ['delivery_mode'] }
              : { required: ['kind', 'controller', 'target', 'identity'] };
      r.object(obj, path, members);
      for (const k of Object.keys(obj)) {
        const v = obj[k];
        if (k === 'controller') add(k, str(controller));
        if (k === 'target' && controller !== 'mrif') {
          const t = TARGETS[controller];
          const s = r.text(v, at(k));
          if (s !== undefined && !t.pattern.test(s))
            r.problem(
              at(k),
              `${JSON.stringify(s)} is not a canonical ${controller} target (e.g. ${t.example})`,
            );
          else if (s !== undefined) add(k, str(s));
        }
        if (k === 'file' && controller === 'imsic') {
          const f = r.text(v, at(k));
          if (f !== undefined && !/^(M|S|G([1-9]|[1-5]\d|6[0-3]))$/.test(f))
            r.problem(at(k), `file must be M, S or G1 … G63, got ${JSON.stringify(f)}`);
          else if (f !== undefined) add(k, str(f));
        }
        if (k === 'delivery_mode' && controller === 'lapic')
          add(
            k,
            get(obj, k, (x) => strOneOf(r, x, at(k), DELIVERY_MODES)),
          );
        if (k === 'identity')
          add(
            k,
            get(obj, k, (x) => numOrHex(r, x, at(k))),
          );
        if (k === 'mrif_address')
          add(
            k,
            get(obj, k, (x) => numOrHexOnly(r, x, at(k), 64)),
          );
        if (k === 'pending_bit') {
          const pb = r.object(v, at(k), { required: ['doubleword_address', 'bit'] });
          if (pb !== undefined)
            for (const j of Object.keys(pb)) {
              if (j === 'doubleword_address')
                add(
                  `${k}.${j}`,
                  get(pb, j, (x) => numOrHexOnly(r, x, member(at(k), j), 64)),
                );
              if (j === 'bit')
                add(
                  `${k}.${j}`,
                  get(pb, j, (x) => intVal(r, x, member(at(k), j), 63)),
                );
            }
        }
        if (k === 'notice_msi') {
          const n = r.object(v, at(k), { required: ['pa', 'data', 'endianness'] });
          if (n !== undefined)
            for (const j of Object.keys(n)) {
              if (j === 'pa')
                add(
                  `${k}.${j}`,
                  get(n, j, (x) => numOrHexOnly(r, x, member(at(k), j), 64)),
                );
              if (j === 'data')
                add(
                  `${k}.${j}`,
                  get(n, j, (x) => numOrHexOnly(r, x, member(at(k), j), 32)),
                );
              if (j === 'endianness')
                add(
                  `${k}.${j}`,
                  get(n, j, (x) => strOneOf(r, x, member(at(k), j), ['little', 'big'])),
                );
            }
        }
      }
      break;
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
  return { kind, checks };
};

const numOrHexOnly = (r: Reader, v: Json, path: string, bits: number): Val | undefined => {
  const h = r.hex(v, path, bits);
  return h === undefined ? undefined : num(h, true);
};
const intVal = (r: Reader, v: Json, path: string, max = Number.MAX_SAFE_INTEGER): Val | undefined => {
  const n = r.int(v, path, 0, max);
  return n === undefined ? undefined : num(n, false);
};
const strOneOf = (r: Reader, v: Json, path: string, allowed: readonly string[]): Val | undefined => {
  const s = r.oneOf(v, path, allowed);
  return s === undefined ? undefined : str(s);
};
const strToken = (r: Reader, v: Json, path: string, allowed: readonly string[]): Val | undefined => {
  if (allowed.length === 0) return r.problem(path, 'expected an integer cause');
  const t = r.token(v, path, allowed);
  return t === undefined ? undefined : str(t);
};

/** The model's interrupt target in the format's canonical spelling (section 3.3). */
const targetOf = (o: Extract<Outcome, { kind: 'interrupt' }>): Val => {
  const t = o.target;
  switch (o.controller) {
    case 'imsic': {
      const [g, h] = t.split('.');
      return str(`group${g}.hart${h}`);
    }
    case 'its-lpi':
      return str(t.replace(/^rd/, 'redistributor'));
    case 'its-vlpi':
      return str(t.replace(/@rd/, '@redistributor'));
    case 'gic-spi':
      return str('distributor');
    case 'lapic':
      return str(`apic0x${Number(t.replace(/^apic/, '')).toString(16).padStart(2, '0')}`);
    case 'posted':
      return str(`pd${t}`);
    case 'mrif':
      return NONE;
    default: {
      const never: never = o.controller;
      return never;
    }
  }
};

/** The model's fault cause as the format spells it for `arch`. */
const causeOf = (o: Extract<Outcome, { kind: 'fault' }>): Val => {
  switch (o.arch) {
    case 'bus':
      return str('decode-error');
    case 'riscv-iommu':
    case 'vtd':
      return num(o.code, false);
    case 'amd-vi':
      return str(
        o.cause === 'AMDVI_IR_TARGET_ABORT'
          ? 'target-abort'
          : o.cause === 'IO_PAGE_FAULT'
            ? 'io-page-fault'
            : 'ir-error',
      );
    case 'smmuv3':
      return str(o.cause);
    default: {
      const never: never = o.arch;
      return never;
    }
  }
};

/** What the model found for member `name` of `expected`. */
const found = (o: Outcome, name: string): Val => {
  switch (o.kind) {
    case 'memory':
      return name === 'pa'
        ? num(o.pa, true)
        : name === 'data'
          ? num(o.data, true)
          : o.msiFile === undefined
            ? NONE
            : num(o.msiFile, false);
    case 'interrupt': {
      const m = o.mrif;
      const byName: Record<string, () => Val> = {
        controller: () => str(o.controller),
        target: () => targetOf(o),
        file: () => (o.file === undefined ? NONE : str(o.file)),
        identity: () => num(o.identity, false),
        delivery_mode: () => (o.controller === 'lapic' ? str(o.deliveryMode ?? 'fixed') : NONE),
        mrif_address: () => (m === undefined ? NONE : num(m.address, true)),
        'pending_bit.doubleword_address': () => (m === undefined ? NONE : num(m.pendingDoubleword, true)),
        'pending_bit.bit': () => (m === undefined ? NONE : num(m.bit, false)),
        'notice_msi.pa': () => (m === undefined ? NONE : num(m.noticePa, true)),
        'notice_msi.data': () => (m === undefined ? NONE : num(m.noticeData, true)),
        'notice_msi.endianness': () => (m === undefined ? NONE : str(m.noticeByteOrder)),
      };
      return (byName[name] ?? (() => NONE))();
    }
    case 'fault':
      return name === 'cause' ? causeOf(o) : name === 'cause_hex' ? num(o.code, true) : NONE;
    case 'dropped':
    case 'register':
      return NONE;
    default: {
      const never: never = o;
      return never;
    }
  }
};

/** Compares the outcome with `expected`: kind first, then each member in file order. */
export const compare = (e: Expected, o: Outcome): CaseResult => {
  if (o.kind !== e.kind)
    return {
      status: 'FAIL',
      path: 'expected.kind',
      expected: JSON.stringify(e.kind),
      got: JSON.stringify(o.kind),
    };
  for (const c of e.checks) {
    const got = found(o, c.name);
    if (!same(c.value, got)) {
      const hex = c.value.t === 'num' && c.value.hex;
      return {
        status: 'FAIL',
        path: `expected.${c.name}`,
        expected: render(c.value, hex),
        got: render(got, hex),
      };
    }
  }
  return { status: 'PASS' };
};
