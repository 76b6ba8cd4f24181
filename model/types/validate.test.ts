import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { firstIssue, parseWith } from './validate.ts';

/** Bad input gets one clear error naming the JSON path and the allowed values (the project's input rule, README). */
describe('parseWith / firstIssue', () => {
  const schema = z.object({
    a: z.array(z.object({ b: z.enum(['x', 'y']) })),
    n: z.number().max(3).optional(),
    big: z.literal(5n).optional(),
    u: z.union([z.string(), z.number()]).optional(),
  });
  it('accepts valid input as its value', () => {
    expect(parseWith(schema, { a: [{ b: 'x' }] })).toEqual({ ok: true, value: { a: [{ b: 'x' }] } });
  });
  it('names the path with .field and [index], and the allowed enum values as JSON', () => {
    const r = parseWith(schema, { a: [{ b: 'x' }, { b: 'z' }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.path).toBe('$.a[1].b');
    expect(r.error.allowed).toEqual(['"x"', '"y"']);
    expect(r.error.message).toMatch(/x.*y/);
  });
  it('bigint allowed values are rendered as their decimal string', () => {
    const r = parseWith(schema, { a: [], big: 6n });
    expect(r.ok ? undefined : r.error).toEqual({
      path: '$.big',
      message: expect.any(String),
      allowed: ['"5"'],
    });
  });
  it('other issues carry the path and message only; the root is $', () => {
    const n = parseWith(schema, { a: [], n: 4 });
    expect(n.ok ? undefined : n.error).toEqual({ path: '$.n', message: expect.stringMatching(/3/) });
    const u = parseWith(schema, { a: [], u: true });
    expect(u.ok ? undefined : u.error).toEqual({ path: '$.u', message: expect.any(String) });
    const root = parseWith(schema, 7);
    expect(root.ok ? undefined : root.error).toEqual({ path: '$', message: expect.any(String) });
  });
  it('number allowed values are rendered as JSON numbers, only bigints become strings', () => {
    const r = parseWith(z.object({ v: z.literal(3) }), { v: 4 });
    expect(r.ok ? undefined : r.error).toEqual({ path: '$.v', message: expect.any(String), allowed: ['3'] });
  });
  it('an error without issues is reported at the root as invalid input', () => {
    expect(firstIssue(new z.ZodError([]))).toEqual({ path: '$', message: 'invalid input' });
  });
});
