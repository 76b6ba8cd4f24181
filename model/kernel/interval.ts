/**
 * Inclusive IOVA intervals as the kernel's interval trees hold them ([start, last]), and the span
 * walk of lib/interval_tree.c (interval_tree_for_each_span): over [first, last], alternating holes
 * and used spans, where nodes that overlap or touch (last + 1 == start) form one used span.
 */
export interface Range {
  readonly start: bigint;
  readonly last: bigint;
}

/** ULONG_MAX on a 64-bit kernel: the top of the IOVA space iommufd manages. */
export const ULONG_MAX = (1n << 64n) - 1n;

export const intersects = (r: Range, start: bigint, last: bigint): boolean =>
  r.start <= last && start <= r.last;

/** The first node of `nodes` intersecting [start, last] (interval_tree_iter_first). */
export const firstIntersecting = <R extends Range>(
  nodes: readonly R[],
  start: bigint,
  last: bigint,
): R | undefined => nodes.find((n) => intersects(n, start, last));

export interface Span {
  readonly start: bigint;
  readonly last: bigint;
  readonly used: boolean;
}

/** interval_tree_for_each_span over `nodes` within [first, last]. */
export const spans = (nodes: readonly Range[], first: bigint, last: bigint): Span[] => {
  const sorted = nodes
    .filter((n) => intersects(n, first, last))
    .map(
      // Stryker disable next-line EqualityOperator: clipping with <= / >= gives the same bound when the node starts at first or ends at last
      (n) => ({ start: n.start < first ? first : n.start, last: n.last > last ? last : n.last }),
    )
    .sort(
      // Stryker disable next-line EqualityOperator,ConditionalExpression: only the sign < 0 orders distinct starts (V8's TimSort tests compare < 0 only), and nodes with equal starts merge into one span in either order
      (a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0),
    );
  const used: Range[] = [];
  for (const n of sorted) {
    const top = used[used.length - 1];
    if (top !== undefined && n.start <= top.last + 1n) {
      // Stryker disable next-line EqualityOperator: with n.last === top.last the span is rewritten to the same value
      if (n.last > top.last) used[used.length - 1] = { start: top.start, last: n.last };
    } else used.push(n);
  }
  const out: Span[] = [];
  let cursor = first;
  for (const u of used) {
    if (u.start > cursor) out.push({ start: cursor, last: u.start - 1n, used: false });
    out.push({ ...u, used: true });
    cursor = u.last + 1n;
  }
  if (cursor <= last) out.push({ start: cursor, last, used: false });
  return out;
};

/** The holes of `nodes` within [first, last], ascending. */
export const holes = (nodes: readonly Range[], first: bigint, last: bigint): Range[] =>
  spans(nodes, first, last)
    .filter((s) => !s.used)
    .map(({ start, last: l }) => ({ start, last: l }));

/** roundup_pow_of_two for a positive bigint. */
export const roundupPowOfTwo = (x: bigint): bigint => {
  let p = 1n;
  while (p < x) p <<= 1n;
  return p;
};

/** 1 << __ffs(x): the lowest set bit of a non-zero value. */
export const lowestBit = (x: bigint): bigint => x & -x;

/** ALIGN(x, a) for a power-of-two a (rounds up). */
export const alignUp = (x: bigint, a: bigint): bigint => (x + a - 1n) & ~(a - 1n);
