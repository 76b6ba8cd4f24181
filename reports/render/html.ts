import type { Expected } from '../../spec/verdicts.ts';
import type { ReportData } from './data.ts';
import type { Block, Doc, Inline, Text } from './doc.ts';
import { buildReport } from './report.ts';
import { escapeXml, renderSequenceSvg } from './svg.ts';

/**
 * A self-contained HTML document: inline CSS, the diagram as inline SVG, no scripts, no network.
 * Written well-formed (every element closed, attributes quoted, text escaped) so it also parses
 * as XML.
 */

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #1b1f24; }
h1 { font-size: 1.6em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; background: #f6f8fa; border-radius: 4px; }
code { padding: .1em .3em; }
pre { padding: .8em; overflow-x: auto; }
cite { font-style: normal; color: #57606a; }
.diagram { margin: 1em 0; }
.diagram svg { display: block; width: 100%; height: auto; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll td, .scroll th { white-space: nowrap; }
abbr { text-decoration: none; }
.good { color: #1a7f37; }
.bad { color: #cf222e; font-weight: 600; }
.warn { color: #9a6700; font-weight: 600; }
.notes { font-size: .9em; color: #57606a; }
`.trim();

const inline = (text: Text): string =>
  text
    .map((i: Inline): string => {
      switch (i.t) {
        case 'text':
          return escapeXml(i.v);
        case 'code':
          return `<code>${escapeXml(i.v)}</code>`;
        case 'b':
          return `<strong>${inline(i.v)}</strong>`;
        case 'a':
          return `<a href="${escapeXml(i.href)}">${inline(i.v)}</a>`;
        case 'cite':
          return `<cite>(${escapeXml(i.v)})</cite>`;
        case 'note':
          return `<sup><a href="#note-${i.n}">[${i.n}]</a></sup>`;
        case 'mark':
          return `<span class="${i.tone}">${inline(i.v)}</span>`;
        case 'abbr':
          return `<abbr title="${escapeXml(i.title)}">${escapeXml(i.v)}</abbr>`;
        default: {
          const never: never = i;
          return never;
        }
      }
    })
    .join('');

const block = (bl: Block): string => {
  switch (bl.kind) {
    case 'h1':
      return `<h1>${inline(bl.text)}</h1>`;
    case 'h2':
      return `<h2>${inline(bl.text)}</h2>`;
    case 'p':
      return `<p>${inline(bl.text)}</p>`;
    case 'table': {
      const head = bl.head.every(
        (h) => h.length === 0 || (h.length === 1 && h[0]?.t === 'text' && h[0].v === ''),
      )
        ? ''
        : `<thead><tr>${bl.head.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead>`;
      const rows = bl.rows
        .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
        .join('\n');
      const table = `<table>${head}<tbody>\n${rows}\n</tbody></table>`;
      return bl.scroll === true ? `<div class="scroll">\n${table}\n</div>` : table;
    }
    case 'ol':
      return `<ol>\n${bl.items.map((it) => `<li>${inline(it)}</li>`).join('\n')}\n</ol>`;
    case 'ul':
      return `<ul>\n${bl.items.map((it) => `<li>${inline(it)}</li>`).join('\n')}\n</ul>`;
    case 'code':
      return `<pre><code>${escapeXml(bl.text)}</code></pre>`;
    case 'diagram':
      return `<div class="diagram">\n${renderSequenceSvg(bl.diagram)}\n</div>`;
    case 'notes':
      return `<ol class="notes">\n${bl.items.map((it, i) => `<li id="note-${i + 1}">${inline(it)}</li>`).join('\n')}\n</ol>`;
    default: {
      const never: never = bl;
      return never;
    }
  }
};

/** A document as a complete HTML page. */
export const docToHtml = (doc: Doc): string =>
  [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(doc.title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    ...doc.blocks.map(block),
    '</body>',
    '</html>',
    '',
  ].join('\n');

/** The HTML report of one counterexample (reports/<invariant>/<design>.html). */
export const renderHtml = (d: ReportData, verdict: Expected): string => docToHtml(buildReport(d, verdict));
