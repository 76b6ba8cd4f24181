/**
 * A report as a small document tree, so that the Markdown and the HTML renderings carry exactly
 * the same content. Text from data files (designs, invariants, notes) enters as literal text;
 * text written in this folder may use `code` spans and **bold** through `m()`.
 */

export type Inline =
  | { readonly t: 'text'; readonly v: string }
  | { readonly t: 'code'; readonly v: string }
  | { readonly t: 'b'; readonly v: readonly Inline[] }
  | { readonly t: 'a'; readonly href: string; readonly v: readonly Inline[] }
  /** A citation of the rule or source a sentence comes from. */
  | { readonly t: 'cite'; readonly v: string }
  /** A reference to footnote `n` of the document's notes block. */
  | { readonly t: 'note'; readonly n: number }
  /** Text shown in colour where the format has colour (HTML): good (✓), bad (✗, FAILED), warn (⚠, unreviewed). */
  | { readonly t: 'mark'; readonly tone: Tone; readonly v: readonly Inline[] }
  /** A short label with its full text as a tooltip where the format has one (HTML `abbr`). */
  | { readonly t: 'abbr'; readonly v: string; readonly title: string };

export type Tone = 'good' | 'bad' | 'warn';

export type Text = readonly Inline[];

/**
 * A sequence diagram: participants by label; messages between them by index. `fail` ends a
 * message in a cross (the write goes no further); `violating` marks the hop where the invariant
 * breaks (drawn red and bold, labelled ✗).
 */
export interface Diagram {
  readonly participants: readonly string[];
  readonly messages: readonly {
    from: number;
    to: number;
    label: string;
    fail?: boolean;
    violating?: boolean;
  }[];
}

export type Block =
  | { readonly kind: 'h1' | 'h2'; readonly text: Text }
  | { readonly kind: 'p'; readonly text: Text }
  | {
      readonly kind: 'table';
      readonly head: readonly Text[];
      readonly rows: readonly (readonly Text[])[];
      /** A wide table: HTML scrolls it in its own box rather than widening the page. */
      readonly scroll?: boolean;
    }
  | { readonly kind: 'ol' | 'ul'; readonly items: readonly Text[] }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'diagram'; readonly diagram: Diagram }
  | { readonly kind: 'notes'; readonly items: readonly Text[] };

export interface Doc {
  readonly title: string;
  readonly blocks: readonly Block[];
}

/** Message-IDs in sources ("<2025…@nvidia.com>") become code spans, so neither renderer reads them as markup. */
const MESSAGE_ID = /<[^<>\s]+@[^<>\s]+>/g;

/** Literal text from data: nothing in it is markup. */
export const txt = (s: string): Inline[] => {
  const out: Inline[] = [];
  let last = 0;
  for (const hit of s.matchAll(MESSAGE_ID)) {
    const at = hit.index;
    if (at > last) out.push({ t: 'text', v: s.slice(last, at) });
    out.push({ t: 'code', v: hit[0] });
    last = at + hit[0].length;
  }
  if (last < s.length) out.push({ t: 'text', v: s.slice(last) });
  return out;
};

/** Text written in this folder: `code` spans and **bold** (bold may contain code spans). */
export const m = (s: string): Inline[] => {
  const out: Inline[] = [];
  const re = /\*\*(.+?)\*\*|`([^`]+)`/g;
  let last = 0;
  for (const hit of s.matchAll(re)) {
    if (hit.index > last) out.push({ t: 'text', v: s.slice(last, hit.index) });
    if (hit[1] !== undefined) out.push({ t: 'b', v: m(hit[1]) });
    else out.push({ t: 'code', v: hit[2] ?? '' });
    last = hit.index + hit[0].length;
  }
  if (last < s.length) out.push({ t: 'text', v: s.slice(last) });
  return out;
};

export const code = (v: string): Inline => ({ t: 'code', v });
export const b = (...v: Inline[]): Inline => ({ t: 'b', v });
export const a = (href: string, ...v: Inline[]): Inline => ({ t: 'a', href, v });
export const cite = (v: string): Inline => ({ t: 'cite', v });
export const mark = (tone: Tone, ...v: Inline[]): Inline => ({ t: 'mark', tone, v });

/** The plain text of inline content (diagram labels, titles). */
export const plain = (text: Text): string =>
  text
    .map((i) => {
      switch (i.t) {
        case 'text':
        case 'code':
        case 'cite':
          return i.v;
        case 'b':
        case 'a':
        case 'mark':
          return plain(i.v);
        case 'abbr':
          return i.v;
        case 'note':
          return `[${i.n}]`;
        default: {
          const never: never = i;
          return never;
        }
      }
    })
    .join('');
