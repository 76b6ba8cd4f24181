import { describe, expect, it } from 'vitest';
import { renderHtml } from './html.ts';
import { renderSequenceSvg } from './svg.ts';
import { checkWellFormed, storedReports } from './testing.ts';

const reports = storedReports();

describe('HTML reports (issue: "HTML checked by parsing it")', () => {
  it('finds the stored counterexamples to check (counterexamples/<invariant>/<design>.json)', () => {
    expect(reports.length).toBeGreaterThanOrEqual(20);
  });

  for (const { file, data, verdict } of reports) {
    it(`${file}: is well-formed, self-contained (inline SVG, no script, no URL in src/href)`, () => {
      const html = renderHtml(data, verdict, { seed: 1, runs: 200, date: '2026-11-21' });
      const { errors, elements } = checkWellFormed(html);
      expect(errors).toEqual([]);
      expect(elements[0]).toBe('html');
      expect(elements).toContain('body');
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\b(?:src|href)\s*=\s*"(?:https?:)?\/\//i);
      expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    });
  }

  it('the tag-balance checker itself rejects an unclosed element, a crossed close and a bare & (self-test)', () => {
    expect(checkWellFormed('<p><b>x</p>').errors.length).toBeGreaterThan(0);
    expect(checkWellFormed('<p>a & b</p>').errors.length).toBeGreaterThan(0);
    expect(checkWellFormed('<p class=x>a</p>').errors.length).toBeGreaterThan(0);
    expect(checkWellFormed('<p class="x">a &amp; b<br/></p>').errors).toEqual([]);
  });
});

describe('SVG sequence diagram', () => {
  const dg = {
    participants: ['dev <a&b>', 'IOMMU'],
    messages: [
      { from: 0, to: 1, label: 'write "x" <y>' },
      { from: 1, to: 1, label: 'self & loop' },
      { from: 1, to: 0, label: 'fault', fail: true },
    ],
  };
  it('escapes every label and is well-formed XML', () => {
    const svg = renderSequenceSvg(dg);
    expect(checkWellFormed(svg).errors).toEqual([]);
    expect(svg).toContain('dev &lt;a&amp;b&gt;');
    expect(svg).toContain('write &quot;x&quot; &lt;y&gt;');
  });
  it('is deterministic: the same diagram gives the same bytes', () => {
    expect(renderSequenceSvg(dg)).toBe(renderSequenceSvg(dg));
  });
  it('draws one box per participant and one arrow or loop per message', () => {
    const svg = renderSequenceSvg(dg);
    expect(svg.match(/<rect /g)?.length).toBe(2);
    expect(svg.match(/<line [^>]*y1="(\d+(\.\d)?)" [^>]*y2="\1"/g)?.length).toBe(2);
    expect(svg.match(/<path d="M[\d.]+,[\d.]+ h24/g)?.length).toBe(1);
  });
});
