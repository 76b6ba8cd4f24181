import type { Expected } from '../../spec/verdicts.ts';
import type { ReportData } from './data.ts';
import type { Block, Diagram, Doc, Inline, Text } from './doc.ts';
import { buildReport } from './report.ts';

/**
 * Markdown that GitHub and GitLab render: tables, ordered lists, footnotes and a ```mermaid block.
 * Literal text is escaped so that nothing from a data file is read as markup.
 */

/** Escapes Markdown punctuation; `_` only where it could open or close emphasis (not inside a word). */
const escapeText = (s: string, inTable: boolean): string => {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    if ('\\`*[]<>'.includes(ch) || (inTable && ch === '|')) out += `\\${ch}`;
    else if (ch === '_') {
      const word = /[A-Za-z0-9]/;
      out += word.test(s[i - 1] ?? ' ') && word.test(s[i + 1] ?? ' ') ? ch : '\\_';
    } else out += ch;
  }
  return out;
};

const codeSpan = (v: string, inTable: boolean): string => {
  const body = inTable ? v.replaceAll('|', '\\|') : v;
  const fence = v.includes('`') ? '``' : '`';
  const pad = fence.length > 1 || v.startsWith('`') || v.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
};

const inline = (text: Text, inTable = false): string =>
  text
    .map((i: Inline): string => {
      switch (i.t) {
        case 'text':
          return escapeText(i.v, inTable);
        case 'code':
          return codeSpan(i.v, inTable);
        case 'b':
          return `**${inline(i.v, inTable)}**`;
        case 'a':
          return `[${inline(i.v, inTable)}](${i.href})`;
        case 'cite':
          return `(${escapeText(i.v, inTable)})`;
        case 'note':
          return `[^${i.n}]`;
        case 'mark':
          return inline(i.v, inTable);
        case 'abbr':
          return escapeText(i.v, inTable);
        default: {
          const never: never = i;
          return never;
        }
      }
    })
    .join('');

/** Mermaid message text: no `;` `#` `<` `>` (statement separator, entity and HTML syntax in Mermaid). */
const mermaidText = (s: string): string =>
  s
    .replaceAll(';', ',')
    .replaceAll('#', 'no. ')
    .replaceAll('<', '‹')
    .replaceAll('>', '›')
    .replaceAll('`', '');

/** A Mermaid sequenceDiagram of a diagram; failed messages use the cross arrow `-x`. */
export const mermaid = (dg: Diagram): string => {
  const id = (i: number) => `P${i}`;
  const lines = ['sequenceDiagram'];
  dg.participants.forEach((p, i) => {
    lines.push(`  participant ${id(i)} as ${mermaidText(p)}`);
  });
  for (const msg of dg.messages) {
    const label = msg.violating && !msg.label.startsWith('✗') ? `✗ ${msg.label}` : msg.label;
    lines.push(`  ${id(msg.from)}${msg.fail ? '-x' : '->>'}${id(msg.to)}: ${mermaidText(label)}`);
  }
  return lines.join('\n');
};

const block = (bl: Block): string => {
  switch (bl.kind) {
    case 'h1':
      return `# ${inline(bl.text)}`;
    case 'h2':
      return `## ${inline(bl.text)}`;
    case 'p':
      return inline(bl.text);
    case 'table': {
      const row = (cells: readonly Text[]) => `| ${cells.map((c) => inline(c, true)).join(' | ')} |`;
      return [row(bl.head), `|${bl.head.map(() => '---').join('|')}|`, ...bl.rows.map(row)].join('\n');
    }
    case 'ol':
      return bl.items.map((it, i) => `${i + 1}. ${inline(it)}`).join('\n');
    case 'ul':
      return bl.items.map((it) => `- ${inline(it)}`).join('\n');
    case 'code':
      return `\`\`\`\n${bl.text}\n\`\`\``;
    case 'diagram':
      return `\`\`\`mermaid\n${mermaid(bl.diagram)}\n\`\`\``;
    case 'notes':
      return bl.items.map((it, i) => `[^${i + 1}]: ${inline(it)}`).join('\n');
    default: {
      const never: never = bl;
      return never;
    }
  }
};

/** A document as Markdown: blocks separated by one blank line, ending in a newline. */
export const docToMarkdown = (doc: Doc): string => `${doc.blocks.map(block).join('\n\n')}\n`;

/** The Markdown report of one counterexample (reports/<invariant>/<design>.md). */
export const renderMarkdown = (d: ReportData, verdict: Expected): string =>
  docToMarkdown(buildReport(d, verdict));
