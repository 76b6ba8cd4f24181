import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every citation resolves for a reader of the repository (issue 13; docs/architecture.md#conventions,
 * rule 8): nothing in the designs, invariants, counterexamples, verdicts, code, tests, README,
 * generated reports or docs/ names a document that is not in the repository, and every
 * `docs/<page>.md#<anchor>` names a page and a heading that exist (GitHub heading slugs).
 */
const ROOT = new URL('..', import.meta.url).pathname;
// .mutation holds Stryker's git-ignored reports and sandboxes, which quote this machine's paths.
const SKIP = new Set(['node_modules', '.git', '.mutation', 'package-lock.json']);
const TEXT = new Set(['.ts', '.mjs', '.js', '.json', '.md', '.html', '.xml']);

// Built from pieces so that this file does not itself name what it forbids.
const dash = (...parts: string[]) => parts.join('-');
const OUTSIDE: readonly { what: string; re: RegExp }[] = [
  { what: 'the shared hardware notes', re: new RegExp(dash('hw', 'msi', 'facts')) },
  { what: 'the shared Linux notes', re: new RegExp(dash('linux', 'msi', 'facts')) },
  { what: 'the shared design document', re: new RegExp(`\\b${'DESIGN'}\\.md\\b`) },
  { what: 'a shared notes document', re: new RegExp(`\\bfact[ -]${'sheet'}s?\\b`, 'i') },
  { what: 'the shared folder', re: new RegExp(`\\.\\./${'shared'}\\b`) },
  { what: 'an absolute /work path', re: new RegExp(`(?:^|[\\s'"\`(])/${'work'}/`) },
  { what: 'the shared examples', re: new RegExp(`\\b${'examples'}/[\\w-]+\\.md`) },
  { what: 'the shared reference folder', re: new RegExp(`(?<!docs/)\\b${'reference'}/[\\w-]+\\.md`) },
  { what: 'a seed file path', re: new RegExp(`\\b${'seeds'}/\\d{3}_`) },
  { what: 'an invariant number of the shared notes', re: new RegExp(`\\b[Ii]${'nvariant'}s? \\d`) },
];

/** GitHub's heading anchor: the rendered text lower-cased, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');

/** Every anchor of a Markdown page, with GitHub's -1, -2 suffixes for repeated headings. */
const anchorsOf = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = fenced ? null : /^#{1,6} +(.*?) *#* *$/.exec(line);
    if (h === null || h[1] === undefined) continue;
    const base = slug(h[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
};

interface Problem {
  readonly file: string;
  readonly line: number;
  readonly problem: string;
}

/**
 * The citation problems of one file's text. `docs` maps a docs page name (`hardware.md`) to its
 * anchors; `exists` says whether a repository path exists (for paths named in docs pages).
 */
const citationProblems = (
  file: string,
  text: string,
  docs: ReadonlyMap<string, ReadonlySet<string>>,
  exists: (path: string) => boolean,
): Problem[] => {
  const problems: Problem[] = [];
  const inDocs = file.startsWith('docs/');
  const checkLink = (line: number, page: string, anchor: string | undefined, as: string) => {
    const anchors = docs.get(page);
    if (anchors === undefined) problems.push({ file, line, problem: `${as}: no page docs/${page}` });
    else if (anchor !== undefined && !anchors.has(anchor))
      problems.push({ file, line, problem: `${as}: docs/${page} has no heading #${anchor}` });
  };
  text.split('\n').forEach((content, i) => {
    const line = i + 1;
    for (const o of OUTSIDE) {
      const m = o.re.exec(content);
      if (m !== null) problems.push({ file, line, problem: `names ${o.what} (“${m[0].trim()}”)` });
    }
    for (const m of content.matchAll(/\bdocs\/([\w.-]+\.md)(?:#([\w-]+))?/g)) {
      checkLink(line, m[1] ?? '', m[2], m[0]);
    }
    if (!inDocs) return;
    // Inside docs/: relative Markdown links to a page and anchor, and repository paths in backticks.
    for (const m of content.matchAll(/\]\(([\w.-]+\.md)?(?:#([\w-]+))?\)/g)) {
      checkLink(line, m[1] ?? file.slice('docs/'.length), m[2], m[0]);
    }
    for (const m of content.matchAll(
      /`((?:model|spec|properties|reports|cli|counterexamples|bench)\/[\w./-]+)`/g,
    )) {
      const path = m[1] ?? '';
      if (!exists(path))
        problems.push({ file, line, problem: `names ${path}, which is not in the repository` });
    }
  });
  return problems;
};

const walk = (dir: string, out: string[]): string[] => {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (TEXT.has(extname(name))) out.push(relative(ROOT, path));
  }
  return out;
};

const docsPages = (): Map<string, Set<string>> =>
  new Map(
    readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => [f, anchorsOf(readFileSync(join(ROOT, 'docs', f), 'utf8'))]),
  );

const exists = (path: string): boolean => existsSync(join(ROOT, path));

/**
 * Pages another change is writing: a link to one is accepted while the page is absent from this
 * tree, and checked like any other once it exists. (spec/conformance/contract.ts cites the
 * conformance-case format page ahead of it.)
 */
const PENDING_PAGES = ['conformance-format.md'];
const withPending = (docs: Map<string, Set<string>>): Map<string, Set<string>> => {
  for (const page of PENDING_PAGES) if (!docs.has(page)) docs.set(page, new Set());
  return docs;
};

describe('citations resolve inside the repository (issue 13; docs/architecture.md#conventions, rule 8)', () => {
  const docs = docsPages();
  const files = walk(ROOT, []);
  const known = withPending(new Map(docs));

  it('the docs pages exist: architecture, hardware, linux-policy, invariants, seeds', () => {
    for (const page of ['architecture.md', 'hardware.md', 'linux-policy.md', 'invariants.md', 'seeds.md']) {
      expect(docs.has(page), `docs/${page}`).toBe(true);
    }
  });

  it('scans designs, invariants, counterexamples, verdicts, code, tests, README, reports and docs', () => {
    for (const prefix of [
      'spec/designs/',
      'spec/invariants/',
      'counterexamples/',
      'model/',
      'reports/',
      'docs/',
    ]) {
      expect(
        files.some((f) => f.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    for (const f of ['spec/verdicts.json', 'README.md', 'reports/index.md']) expect(files).toContain(f);
  });

  it('no file cites a document outside the repository, and every docs/ link names a page and heading that exist', () => {
    const problems = files.flatMap((f) =>
      citationProblems(f, readFileSync(join(ROOT, f), 'utf8'), known, exists),
    );
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.problem}`)).toEqual([]);
  });
});

describe('the citation check can fail (each kind of bad citation is reported)', () => {
  const docs = new Map([['hardware.md', new Set(['arm-gicv2m'])]]);
  const none = () => false;
  const problemsOf = (text: string, file = 'model/x.ts') => citationProblems(file, text, docs, none);

  it.each([
    ['a section of the shared hardware notes', `see ${dash('hw', 'msi', 'facts')} ${'§'}3.4`],
    ['the shared Linux notes', `(${dash('linux', 'msi', 'facts')} ${'§'}1.6)`],
    ['the design document', `('${'DESIGN'}.md, hardware layer')`],
    ['an invariant number of the shared notes', `(${'Invariant'} 18)`],
    ['the shared folder', `see ../${'shared'}/x`],
    ['an absolute path', ` /${'work'}/shared/seeds`],
    ['a missing docs page', `${'docs'}/nowhere.md#x`],
    ['a missing docs heading', 'docs/hardware.md#arm-gicv3-its'],
  ])('reports %s', (_what, text) => {
    expect(problemsOf(text)).toHaveLength(1);
  });

  it('accepts a primary source and an existing docs link', () => {
    expect(problemsOf('QEMU hw/intc/arm_gicv2m.c gicv2m_write; docs/hardware.md#arm-gicv2m')).toEqual([]);
  });

  it('checks relative links and repository paths inside docs pages', () => {
    expect(problemsOf('[x](hardware.md#nope) and `model/hw/none.ts`', `${'docs'}/a.md`)).toHaveLength(2);
    expect(problemsOf('[x](hardware.md#arm-gicv2m)', `${'docs'}/a.md`)).toEqual([]);
  });

  it('computes GitHub heading anchors, repeated headings included', () => {
    expect(slug('RISC-V delivery, step by step')).toBe('risc-v-delivery-step-by-step');
    expect(slug('RFC v2: irqbypass and the `hart`-restricted MSI table')).toBe(
      'rfc-v2-irqbypass-and-the-hart-restricted-msi-table',
    );
    expect([...anchorsOf('# A\n## Seed 000\n```\n# not a heading\n```\n## Seed 000\n')]).toEqual([
      'a',
      'seed-000',
      'seed-000-1',
    ]);
  });
});
