/**
 * 64-bit structural fingerprints of the model's plain immutable data (State and everything in it):
 * a Merkle hash over objects, arrays, Maps, Sets, strings, numbers, bigints and booleans. Nothing
 * here knows the State's fields: a new kind of object in the kernel layer is fingerprinted like any
 * other. Object fields are combined independently of their order (two spreads of the same data are
 * one value); array, Map and Set entries in their order (insertion order can be behaviour, so two
 * Maps with the same entries in another order stay two states: sound, never merged).
 *
 * Fingerprints of objects are memoised by identity: States share every part a step did not touch,
 * so fingerprinting a successor costs only what changed. The memo is sound because the model never
 * mutates a value it has returned (model/platform/state.ts).
 *
 * Beside its fingerprint, every object gets a feature mask: the OR of `classify` over the object
 * itself and every field and value inside it. Symmetry reduction uses it to rewrite only the parts
 * of a state that hold a name it renames (symmetry.ts).
 */

/** A 64-bit fingerprint as two unsigned 32-bit halves, and the feature mask of the value. */
export interface Fingerprint {
  readonly hi: number;
  readonly lo: number;
  readonly mask: number;
}

/**
 * Feature bits. Called once on every object (`key` undefined), on every primitive element of an
 * array, Map or Set (`key` undefined), and on every field's value (`key` its name, the value of any
 * kind). An object's mask also holds the masks of everything inside it.
 */
export type Classifier = (key: string | undefined, v: unknown) => number;

// A murmur3-style mix over 32-bit words in two lanes with different seeds and constants. The
// hasher's state lives in these module variables: hashing allocates nothing but its result.
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const C3 = 0x85ebca6b;
const C4 = 0xc2b2ae35;
let A = 0;
let B = 0;
let N = 0;

const begin = (tag: number): void => {
  A = 0x9747b28c ^ tag;
  B = 0x5bd1e995 ^ Math.imul(tag, 0x27d4eb2d);
  N = 0;
};
const word = (w: number): void => {
  let k = Math.imul(w | 0, C1);
  k = (k << 15) | (k >>> 17);
  A ^= Math.imul(k, C2);
  A = (A << 13) | (A >>> 19);
  // Stryker disable next-line ArithmeticOperator: another mixing constant or sign is another hash of the same quality; fingerprints are only compared with each other
  A = (Math.imul(A, 5) + 0xe6546b64) | 0;
  let j = Math.imul((w ^ 0x3c6ef372) | 0, C3);
  j = (j << 17) | (j >>> 15);
  B ^= Math.imul(j, C4);
  B = (B << 11) | (B >>> 21);
  // Stryker disable next-line ArithmeticOperator: another mixing constant or sign is another hash of the same quality; fingerprints are only compared with each other
  B = (Math.imul(B, 9) + 0x7f4a7c15) | 0;
  // Stryker disable next-line UpdateOperator: N only has to differ between word counts, which counting down does as well
  N++;
};
const fmix = (h0: number): number => {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, C3);
  h ^= h >>> 13;
  h = Math.imul(h, C4);
  h ^= h >>> 16;
  return h >>> 0;
};
// The finished halves, read right after `finish`.
let HI = 0;
let LO = 0;
const finish = (): void => {
  const a = fmix(A ^ N);
  const b = fmix(B ^ Math.imul(N, 0x9e3779b1));
  HI = fmix(a ^ Math.imul(b, 0x2545f491));
  LO = fmix(b ^ Math.imul(a, 0x61c88647));
};

const T_UNDEFINED = 1;
const T_NULL = 2;
const T_BOOL = 3;
const T_INT = 4;
const T_FLOAT = 5;
const T_STRING = 6;
const T_BIGINT = 7;
const T_ARRAY = 8;
const T_MAP = 9;
const T_SET = 10;
const T_OBJECT = 11;

const make = (mask: number): Fingerprint => ({ hi: HI, lo: LO, mask });
const constant = (tag: number, w?: number): Fingerprint => {
  begin(tag);
  if (w !== undefined) word(w);
  finish();
  return make(0);
};
const FALSE = constant(T_BOOL, 0);
const TRUE = constant(T_BOOL, 1);
const UNDEF = constant(T_UNDEFINED);
const NULL = constant(T_NULL);
const EMPTY_ARRAY = constant(T_ARRAY, 0);
const EMPTY_MAP = constant(T_MAP, 0);
const EMPTY_SET = constant(T_SET, 0);

const strings = new Map<string, Fingerprint>();
const stringFp = (s: string): Fingerprint => {
  const known = strings.get(s);
  // Stryker disable next-line ConditionalExpression: a cache of a pure function; a miss recomputes the same fingerprint
  if (known !== undefined) return known;
  begin(T_STRING);
  word(s.length);
  // Stryker disable next-line EqualityOperator: a word past the end is a NaN char code, hashed as 0 for every string of that length
  for (let i = 0; i < s.length; i += 2) word(s.charCodeAt(i) | ((s.charCodeAt(i + 1) || 0) << 16));
  finish();
  const f = make(0);
  // Strings in states are few and short (owner keys, enum values); the bound keeps a pathological
  // model from growing this cache without limit.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound of a cache; any bound gives the same fingerprints
  if (strings.size < 1 << 16) strings.set(s, f);
  return f;
};

const f64 = new Float64Array(1);
const f64w = new Int32Array(f64.buffer);
const ints = new Map<number, Fingerprint>();
const numberFp = (x: number): Fingerprint => {
  const small = Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff;
  if (small) {
    const known = ints.get(x);
    // Stryker disable next-line ConditionalExpression: a cache of a pure function; a miss recomputes the same fingerprint
    if (known !== undefined) return known;
    begin(T_INT);
    word(x);
  } else {
    f64[0] = x;
    begin(T_FLOAT);
    word(f64w[0] ?? 0);
    word(f64w[1] ?? 0);
  }
  finish();
  const f = make(0);
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: the bound of a cache; any bound gives the same fingerprints
  if (small && ints.size < 1 << 16) ints.set(x, f);
  return f;
};

const TWO_53 = 2n ** 53n;
const bigints = new Map<bigint, Fingerprint>();
const bigintFp = (x: bigint): Fingerprint => {
  // Addresses and page numbers: below 2^53 a bigint is hashed from its Number, with no cache.
  // Stryker disable next-line BlockStatement: a speed-up; without it such a bigint takes the general path below, which hashes the same words (sign 0, then its 32-bit limbs)
  if (x >= 0n && x < TWO_53) {
    const n = Number(x);
    begin(T_BIGINT);
    word(0);
    word(n >>> 0);
    // Stryker disable next-line ConditionalExpression: hashing a zero high word for small values too is as injective
    if (n >= 0x100000000) word(Math.floor(n / 0x100000000));
    finish();
    return make(0);
  }
  const known = bigints.get(x);
  // Stryker disable next-line ConditionalExpression: a cache of a pure function; a miss recomputes the same fingerprint
  if (known !== undefined) return known;
  let v = x < 0n ? -x : x;
  // Stryker disable next-line ArrayDeclaration: a leading junk element hashes as a constant 0 word before the limbs, as injective; only negatives (sign word 1) and values of 2^53 and more (a longer word count than the fast path's) come here
  const words: number[] = [];
  do {
    words.push(Number(v & 0xffffffffn));
    v >>= 32n;
  } while (v > 0n);
  begin(T_BIGINT);
  word(x < 0n ? 1 : 0);
  for (const w of words) word(w);
  finish();
  const f = make(0);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound of a cache; any bound gives the same fingerprints
  if (bigints.size < 1 << 18) bigints.set(x, f);
  return f;
};

/** The fingerprint of a sequence of fingerprints (array elements, Map entries), with their masks. */
const list = (tag: number, fs: readonly Fingerprint[], mask0: number): Fingerprint => {
  let mask = mask0;
  begin(tag);
  word(fs.length);
  for (const f of fs) {
    word(f.hi);
    word(f.lo);
    mask |= f.mask;
  }
  finish();
  return make(mask);
};

/**
 * A memo by object identity in two tiers: values set outside a scratch period are kept (a WeakMap,
 * for objects that later states share); values set during one (`scratch`) are dropped when it ends.
 * Adding to a WeakMap is costly (V8's ephemeron tables), so the objects of successor states a
 * search looks at once and drops are memoised only for the length of that look.
 */
export class IdentityMemo<V> {
  private readonly lasting = new WeakMap<object, V>();
  private passing: Map<object, V> | undefined;
  get(k: object): V | undefined {
    return this.lasting.get(k) ?? this.passing?.get(k);
  }
  set(k: object, v: V): void {
    if (this.passing !== undefined) this.passing.set(k, v);
    else this.lasting.set(k, v);
  }
  /** Runs `f` with what it memoises forgotten afterwards (what it reads of the lasting tier stays). */
  scratch<T>(f: () => T): T {
    const outer = this.passing;
    this.passing = outer ?? new Map();
    try {
      return f();
    } finally {
      this.passing = outer;
    }
  }
}

/** Fingerprints with one feature classifier; the memo is per instance. */
export class Fingerprinter {
  readonly memo = new IdentityMemo<Fingerprint>();
  constructor(private readonly classify: Classifier = () => 0) {}

  /** The fingerprint of any plain value. */
  value(v: unknown): Fingerprint {
    switch (typeof v) {
      case 'object': {
        if (v === null) return NULL;
        const known = this.memo.get(v);
        // Stryker disable next-line ConditionalExpression: a cache of a pure function; a miss recomputes the same fingerprint
        if (known !== undefined) return known;
        const f = this.object(v);
        this.memo.set(v, f);
        return f;
      }
      case 'string':
        return stringFp(v);
      case 'number':
        return numberFp(v);
      case 'bigint':
        return bigintFp(v);
      case 'boolean':
        return v ? TRUE : FALSE;
      case 'undefined':
        return UNDEF;
      default:
        throw new Error(`fingerprint: a ${typeof v} is not plain data`);
    }
  }

  /**
   * The fingerprint of a model State: every field but `last` (the op that led here and the state
   * before it, which are the path, not the state). Not memoised: a State object is new every step.
   */
  state(s: object): Fingerprint {
    return this.object(s, 'last');
  }

  private object(o: object, skip?: string): Fingerprint {
    const classify = this.classify;
    let mask = classify(undefined, o);
    if (Array.isArray(o)) {
      // Stryker disable next-line ConditionalExpression: a speed-up; list() of no elements with mask 0 is the same constant
      if (o.length === 0 && mask === 0) return EMPTY_ARRAY;
      const fs: Fingerprint[] = o.map((x) => this.value(x));
      for (const x of o) if (typeof x !== 'object' || x === null) mask |= classify(undefined, x);
      return list(T_ARRAY, fs, mask);
    }
    if (o instanceof Map || o instanceof Set) {
      // Stryker disable next-line ConditionalExpression: a speed-up; list() of no entries with mask 0 is the same constant
      if (o.size === 0 && mask === 0) return o instanceof Map ? EMPTY_MAP : EMPTY_SET;
      const fs: Fingerprint[] = [];
      if (o instanceof Map)
        for (const [k, v] of o) {
          fs.push(this.value(k), this.value(v));
          if (typeof k !== 'object' || k === null) mask |= classify(undefined, k);
          if (typeof v !== 'object' || v === null) mask |= classify(undefined, v);
        }
      else
        for (const x of o) {
          fs.push(this.value(x));
          if (typeof x !== 'object' || x === null) mask |= classify(undefined, x);
        }
      return list(o instanceof Map ? T_MAP : T_SET, fs, mask);
    }
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null)
      throw new Error(`fingerprint: not plain data (a ${proto?.constructor?.name ?? 'class'} instance)`);
    // Fields combine by addition of a mix of their name and value hashes: order-free, so
    // {a, b} = {b, a}. Each lane of the mix depends on both lanes of the name and of the value.
    let hi = 0;
    let lo = 0;
    let n = 0;
    for (const k in o) {
      if (k === skip) continue;
      const v = (o as Record<string, unknown>)[k];
      // exactOptionalPropertyTypes aside, a field holding undefined is the same as an absent one.
      if (v === undefined) continue;
      const kf = stringFp(k);
      const vf = this.value(v);
      mask |= vf.mask | classify(k, v);
      // Stryker disable next-line ArithmeticOperator: another sign is another hash of the same quality; fingerprints are only compared with each other
      const a = fmix((kf.hi + Math.imul(vf.hi, 0x85ebca6b)) ^ vf.lo);
      // Stryker disable next-line ArithmeticOperator: subtracting every field's mix is as order-free as adding it
      hi = (hi + a) | 0;
      // Stryker disable next-line ArithmeticOperator: another sign is another order-free hash of the same quality
      lo = (lo + fmix((kf.lo + Math.imul(vf.lo, 0xc2b2ae35)) ^ vf.hi ^ a)) | 0;
      // Stryker disable next-line UpdateOperator: n only has to differ between field counts, which counting down does as well
      n++;
    }
    begin(T_OBJECT);
    word(n);
    word(hi);
    word(lo);
    finish();
    return make(mask);
  }
}

/**
 * TLC's optimistic estimate of the probability that two of `n` distinct states share a 64-bit
 * fingerprint, so that one of them was wrongly taken as seen: n(n-1)/2 / 2^64, assuming the
 * fingerprints are uniform.
 */
export const collisionProbability = (n: number): number => (n * (n - 1)) / 2 / 2 ** 64;

/**
 * A set of fingerprints in one open-addressed table of 32-bit halves (8 bytes a slot, at most half
 * full): memory is known in advance and lives outside the JavaScript heap.
 */
export class FingerprintSet {
  private slots: Uint32Array;
  private mask: number;
  size = 0;
  constructor(capacity = 1 << 12) {
    let c = 1 << 10;
    while (c < capacity * 2) c *= 2;
    this.slots = new Uint32Array(c * 2);
    this.mask = c - 1;
  }
  /** Bytes the table occupies now. */
  get bytes(): number {
    return this.slots.byteLength;
  }
  /** Adds (hi, lo); true when it was not there. The all-zero fingerprint is stored as (0, 1). */
  add(hi: number, lo0: number): boolean {
    const lo = hi === 0 && lo0 === 0 ? 1 : lo0;
    const slots = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = slots[2 * i] ?? 0;
      const b = slots[2 * i + 1] ?? 0;
      if (a === 0 && b === 0) break;
      if (a === hi && b === lo) return false;
      // Stryker disable next-line ArithmeticOperator: probing downwards, wrapping through the mask, finds the same entries
      i = (i + 1) & this.mask;
    }
    slots[2 * i] = hi;
    slots[2 * i + 1] = lo;
    this.size++;
    if (this.size * 2 > this.mask + 1) this.grow();
    return true;
  }
  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.size = 0;
    // Stryker disable next-line EqualityOperator: the slot past the end reads as empty (?? 0) and is skipped
    for (let i = 0; i < old.length; i += 2) {
      const hi = old[i] ?? 0;
      const lo = old[i + 1] ?? 0;
      if (hi !== 0 || lo !== 0) this.add(hi, lo);
    }
  }
}

/**
 * Deep equality of plain data, with the same notion of equal as the fingerprint (field order and
 * undefined fields ignored; array, Map and Set order kept). Shared parts compare by identity first,
 * so comparing two values built from the same pieces costs little.
 */
export const sameData = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameData(x, b[i]));
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    const bs = [...b];
    let i = 0;
    for (const [k, v] of a) {
      const e = bs[i++];
      if (e === undefined || !sameData(k, e[0]) || !sameData(v, e[1])) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    const bs = [...b];
    return [...a].every((x, i) => sameData(x, bs[i]));
  }
  if (Array.isArray(b) || b instanceof Map || b instanceof Set) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = (r: Record<string, unknown>) => Object.keys(r).filter((k) => r[k] !== undefined);
  const ka = keys(ra);
  if (ka.length !== keys(rb).length) return false;
  return ka.every((k) => sameData(ra[k], rb[k]));
};
