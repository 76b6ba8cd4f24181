import { listCounterexamples } from '../../counterexamples/store.ts';
import { expected, loadGateData } from '../../properties/gate-data.ts';
import { lazy } from '../../properties/lazy.ts';
import type { Expected } from '../../spec/verdicts.ts';
import { type ReportData, reportData } from './data.ts';

/** Test support for the report layer (not a test file itself). */

/** A stored counterexample's report data and its recorded verdict. */
export interface StoredReport {
  readonly data: ReportData;
  readonly verdict: Expected;
}

/**
 * Every stored counterexample by file, its report built on first use inside a test (properties/lazy.ts):
 * listing the files runs no model code.
 */
export const storedReports = (): { file: string; load: () => StoredReport }[] => {
  const gate = lazy(() => loadGateData());
  return listCounterexamples().map((f) => ({
    file: f,
    load: lazy(() => {
      const data = gate();
      const c = data.counterexamples.get(f);
      if (c === undefined) throw new Error(`${f}: not loaded`);
      const design = data.designs.get(c.design);
      if (design === undefined) throw new Error(`${f}: no design ${c.design}`);
      return {
        data: reportData(design, c, `counterexamples/${f}`, data),
        verdict: expected(data, c.design, c.invariant),
      };
    }),
  }));
};

/**
 * A tiny well-formedness check for the XML and XHTML-style HTML we write: every element closed in
 * order, attributes quoted, `&` only in entities, no stray `<`. Returns the problems found and the
 * element names in document order.
 */
export const checkWellFormed = (doc: string): { errors: string[]; elements: string[] } => {
  const errors: string[] = [];
  const elements: string[] = [];
  const stack: string[] = [];
  const text = (s: string, at: number) => {
    for (const hit of s.matchAll(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g))
      errors.push(`bare & at ${at + hit.index}`);
    if (s.includes('>')) errors.push(`bare > at ${at + s.indexOf('>')}`);
  };
  let i = 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    if (lt < 0) {
      text(doc.slice(i), i);
      break;
    }
    text(doc.slice(i, lt), i);
    if (doc.startsWith('<!--', lt)) {
      const end = doc.indexOf('-->', lt);
      if (end < 0) errors.push(`unclosed comment at ${lt}`);
      i = end < 0 ? doc.length : end + 3;
      continue;
    }
    const gt = doc.indexOf('>', lt);
    if (gt < 0) {
      errors.push(`unclosed tag at ${lt}`);
      break;
    }
    const tag = doc.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('!DOCTYPE') || (tag.startsWith('?xml') && tag.endsWith('?'))) continue;
    const close = /^\/([A-Za-z][\w:-]*)\s*$/.exec(tag);
    if (close !== null) {
      const want = stack.pop();
      if (want !== close[1]) errors.push(`</${close[1]}> at ${lt} closes <${want ?? 'nothing'}>`);
      continue;
    }
    const open = /^([A-Za-z][\w:-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)$/.exec(tag);
    if (open === null) {
      errors.push(`malformed tag <${tag.slice(0, 60)}> at ${lt}`);
      continue;
    }
    const [, name = '', attrs = '', selfClose] = open;
    text(
      attrs.replaceAll(/="[^"]*"/g, (v) => v.slice(2, -1).replaceAll('>', '')),
      lt,
    );
    elements.push(name);
    if (selfClose !== '/') stack.push(name);
  }
  for (const name of stack) errors.push(`<${name}> never closed`);
  return { errors, elements };
};
