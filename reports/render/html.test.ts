import { describe, expect, it } from 'vitest';
import { loadGateData } from '../../properties/gate-data.ts';
import { renderHtml } from './html.ts';
import { renderSequenceSvg } from './svg.ts';
import { checkWellFormed, storedReports } from './testing.ts';
import { renderReports } from './write.ts';

const reports = storedReports();

describe('HTML reports (issue 5: "HTML checked by parsing it"; issue 8: HTML details)', () => {
  it('renders one report per stored counterexample file (the count comes from counterexamples/)', () => {
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.map((r) => r.file)).toEqual([...loadGateData().counterexamples.keys()]);
  });

  for (const { file, load } of reports) {
    it(`${file}: is well-formed, self-contained (inline SVG, no script, no URL in src/href), and its diagrams scale to the column and mark the violating hop`, () => {
      const { data, verdict } = load();
      const html = renderHtml(data, verdict);
      const { errors, elements } = checkWellFormed(html);
      expect(errors).toEqual([]);
      expect(elements[0]).toBe('html');
      expect(elements).toContain('body');
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\b(?:src|href)\s*=\s*"(?:https?:)?\/\//i);
      expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
      const svgs = [...html.matchAll(/<svg [^>]*>/g)].map((m) => m[0]);
      expect(svgs.length).toBeGreaterThan(0);
      for (const svg of svgs) {
        expect(svg).toMatch(/ width="100%"/);
        expect(svg).toMatch(/ viewBox="0 0 \d+ \d+"/);
        expect(svg).not.toMatch(/ height="/);
      }
      expect(html).toMatch(/<text [^>]*fill="#b00020" font-weight="bold">✗ /);
      expect(html).toContain('<span class="bad">');
    });
  }

  it('index.html: the matrix scrolls in its own box, columns have short labels with the invariant as tooltip, ✗ in colour', () => {
    const html = renderReports(loadGateData()).get('index.html') ?? '';
    expect(checkWellFormed(html).errors).toEqual([]);
    expect(html).toMatch(
      /<div class="scroll">\n<table><thead><tr><th>design<\/th><th><abbr title="msi-isolation">1<\/abbr><\/th>/,
    );
    expect(html).toMatch(/\.scroll \{ overflow-x: auto;/);
    expect(html).toMatch(/<a href="[a-z-]+\/[a-z0-9-]+\.html"><span class="bad">✗<\/span><\/a>/);
  });

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
      { from: 1, to: 0, label: 'fault', fail: true, violating: true },
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
  it('draws one box per participant and one arrow or loop per message; the violating one red, bold and labelled ✗', () => {
    const svg = renderSequenceSvg(dg);
    expect(svg.match(/<rect /g)?.length).toBe(2);
    expect(svg.match(/<line [^>]*y1="(\d+(\.\d)?)" [^>]*y2="\1"/g)?.length).toBe(2);
    expect(svg.match(/<path d="M[\d.]+,[\d.]+ h24/g)?.length).toBe(1);
    expect(svg).toMatch(/<line [^>]*stroke="#b00020" stroke-width="2.5"\/>/);
    expect(svg).toContain('font-weight="bold">✗ fault</text>');
    expect(svg.match(/font-weight="bold"/g)?.length).toBe(1);
  });
});
