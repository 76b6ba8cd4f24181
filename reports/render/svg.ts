import type { Diagram } from './doc.ts';

/**
 * A small self-drawn SVG sequence diagram: participant boxes along the top, dashed lifelines, and
 * one arrow per message, top to bottom. No fonts, scripts or external references; the same input
 * always gives the same bytes.
 */

/** What the diagram shows (reports/render/doc.ts Diagram). */
export type SequenceDiagram = Diagram;

/** Escapes text and attribute values for XML. */
export const escapeXml = (s: string): string =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const CHAR_W = 6.6; // average advance of a 12px sans-serif glyph
const BOX_H_LINE = 15;
const ROW_H = 34;
const MARGIN = 16;
const WRAP = 30;

/** Splits a label into lines of at most WRAP characters, at spaces where possible. */
const wrap = (s: string): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > WRAP) {
      lines.push(line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(line);
  return lines.length === 0 ? [''] : lines;
};

const n = (x: number): string => (Math.round(x * 10) / 10).toString();

export const renderSequenceSvg = (dg: SequenceDiagram): string => {
  const boxes = dg.participants.map(wrap);
  const widest = Math.max(...boxes.flat().map((l) => l.length), 8);
  const longestMsg = Math.max(
    0,
    ...dg.messages.filter((mm) => mm.from !== mm.to).map((mm) => mm.label.length),
  );
  const colW = Math.min(540, Math.max(150, widest * CHAR_W + 24, longestMsg * CHAR_W + 24));
  const boxW = Math.min(colW - 12, widest * CHAR_W + 20);
  const boxH = Math.max(...boxes.map((l) => l.length)) * BOX_H_LINE + 12;
  const selfW = Math.max(
    0,
    ...dg.messages.filter((mm) => mm.from === mm.to).map((mm) => mm.label.length * CHAR_W + 30),
  );
  const x = (i: number) => MARGIN + colW / 2 + i * colW;
  const width = Math.ceil(MARGIN * 2 + colW * dg.participants.length + Math.max(0, selfW - colW / 2));
  const top = MARGIN + boxH;
  const height = Math.ceil(top + 20 + dg.messages.length * ROW_H + MARGIN);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 ${width} ${height}" style="max-width: ${width}px" role="img" font-family="sans-serif" font-size="12">`,
  );
  out.push(
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker><marker id="arrow-bad" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b00020"/></marker></defs>',
  );
  boxes.forEach((lines, i) => {
    const cx = x(i);
    out.push(
      `<line x1="${n(cx)}" y1="${top}" x2="${n(cx)}" y2="${height - MARGIN}" stroke="#999" stroke-dasharray="4 4"/>`,
    );
    out.push(
      `<rect x="${n(cx - boxW / 2)}" y="${MARGIN}" width="${n(boxW)}" height="${boxH}" rx="4" fill="#f3f5f8" stroke="#556"/>`,
    );
    lines.forEach((l, k) => {
      const y = MARGIN + 6 + BOX_H_LINE * (k + 1) - 3 + (boxH - 12 - lines.length * BOX_H_LINE) / 2;
      out.push(`<text x="${n(cx)}" y="${n(y)}" text-anchor="middle">${escapeXml(l)}</text>`);
    });
  });
  dg.messages.forEach((msg, k) => {
    const y = top + 20 + k * ROW_H + ROW_H / 2;
    const bad = msg.fail === true || msg.violating === true;
    const colour = bad ? '#b00020' : '#333';
    const weight = msg.violating === true ? ' stroke-width="2.5"' : '';
    const marker = bad ? 'url(#arrow-bad)' : 'url(#arrow)';
    const label = msg.violating === true && !msg.label.startsWith('✗') ? `✗ ${msg.label}` : msg.label;
    const bold = msg.violating === true ? ' font-weight="bold"' : '';
    const x1 = x(msg.from);
    const x2 = x(msg.to);
    if (msg.from === msg.to) {
      out.push(
        `<path d="M${n(x1)},${n(y - 8)} h24 v14 h-22" fill="none" stroke="${colour}"${weight} marker-end="${marker}"/>`,
      );
      out.push(`<text x="${n(x1 + 30)}" y="${n(y + 2)}" fill="${colour}"${bold}>${escapeXml(label)}</text>`);
      return;
    }
    const end = x2 + (x2 > x1 ? -2 : 2);
    out.push(
      `<line x1="${n(x1)}" y1="${n(y)}" x2="${n(end)}" y2="${n(y)}" stroke="${colour}"${weight}${msg.fail === true ? '' : ` marker-end="${marker}"`}/>`,
    );
    if (msg.fail === true) {
      out.push(
        `<path d="M${n(end - 5)},${n(y - 5)} L${n(end + 5)},${n(y + 5)} M${n(end - 5)},${n(y + 5)} L${n(end + 5)},${n(y - 5)}" stroke="${colour}" stroke-width="2"/>`,
      );
    }
    out.push(
      `<text x="${n((x1 + x2) / 2)}" y="${n(y - 6)}" text-anchor="middle" fill="${colour}"${bold}>${escapeXml(label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
};
