import { describe, expect, it } from 'vitest';
import { opText } from './hops.ts';
import { renderMarkdown } from './markdown.ts';
import { storedReports } from './testing.ts';

const reports = storedReports();

describe('Markdown reports of every stored counterexample (reports/<invariant>/<design>.md)', () => {
  for (const { file, load } of reports) {
    it(`${file}: has the title, a mermaid block, the replay command, every op and the witness address`, () => {
      const { data, verdict } = load();
      const md = renderMarkdown(data, verdict);
      expect(md.startsWith(`# ✗ ${data.invariant.id} — ${data.design.id}\n`)).toBe(true);
      expect(md).toContain('```mermaid\nsequenceDiagram\n');
      expect(md).toContain(`npx msispec replay counterexamples/${file}`);
      for (const op of data.counterexample.scenario.ops) expect(md).toContain(opText(op, data.topology));
      const w = data.witness;
      // Window addresses on x86 are named addresses (never DMA-translated), everything else an IOVA.
      if (w.kind === 'write')
        expect([`IOVA \`${w.addr}\``, `address \`${w.addr}\``].some((t) => md.includes(t))).toBe(true);
      if (w.kind === 'delivery') expect(md).toContain(`\`${w.msg.addr}\``);
      expect(md).toContain(`Found with seed \`${data.counterexample.found.seed}\``);
      expect(md).not.toContain('undefined');
      expect(md).not.toContain('[object Object]');
    });
  }

  it('traces the DC window a VMM supplied and its loss on a replace (riscv-userspace-msi-addr; seed 000, 20250922235651.GG1391379@nvidia.com)', () => {
    const r = reports.find((x) => x.file === 'domain-switch-continuity/riscv-userspace-msi-addr.json');
    if (r === undefined) throw new Error('no stored counterexample for the window design');
    const { data, verdict } = r.load();
    const md = renderMarkdown(data, verdict);
    expect(md).toMatch(/DC of 00:01\.0: `msi_addr_\*` decode the userspace window `0x[0-9a-f]+`\+`0x10000`/);
    expect(md).toContain('DC of 00:01.0: `msi_addr_*` back on the host IMSIC layout');
  });

  it('says "new" and names the recorded verdict for a counterexample with status new (counterexamples/schema.ts status)', () => {
    const first = reports[0]?.load();
    if (first === undefined) throw new Error('no stored counterexample');
    const data = { ...first.data, counterexample: { ...first.data.counterexample, status: 'new' as const } };
    const md = renderMarkdown(data, { verdict: 'holds' });
    expect(md).toContain('**new**');
    expect(md).toContain('records holds');
  });

  it('says the sources do not say when a design lists no remedy (spec/designs/schema.ts remedies)', () => {
    const first = reports[0]?.load();
    if (first === undefined) throw new Error('no stored counterexample');
    const data = { ...first.data, design: { ...first.data.design, remedies: [] } };
    expect(renderMarkdown(data, first.verdict)).toContain("The design's sources do not say what would make");
  });

  it('escapes Markdown in data text and shows Message-IDs as code (design sources)', () => {
    const first = reports[0]?.load();
    if (first === undefined) throw new Error('no stored counterexample');
    const design = { ...first.data.design, sources: [{ ref: 'a *b* <1@x.org>', says: '[link](x) _y_' }] };
    const md = renderMarkdown({ ...first.data, design }, first.verdict);
    expect(md).toContain('a \\*b\\* `<1@x.org>` — \\[link\\](x) \\_y\\_');
  });
});
