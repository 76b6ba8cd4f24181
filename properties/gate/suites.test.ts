import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DESIGN_IDS } from '../../spec/designs/schema.ts';

describe('the gate suites cover the catalogue (issue 4: spec/verdicts covers 18 designs × 13 invariants)', () => {
  it('every design id appears in exactly one gate suite file', () => {
    const dir = new URL('.', import.meta.url).pathname;
    const text = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'suites.test.ts')
      .map((f) => readFileSync(`${dir}${f}`, 'utf8'))
      .join('\n');
    for (const id of DESIGN_IDS) expect(text.split(`'${id}'`).length - 1, id).toBe(1);
  });
});
