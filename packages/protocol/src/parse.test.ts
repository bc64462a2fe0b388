import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { formatPath, parseOrError } from './parse.ts';

const Schema = z.object({ a: z.object({ b: z.array(z.int().min(1)) }), name: z.string() });

describe('parseOrError', () => {
  it('returns the parsed data on success', () => {
    expect(parseOrError(Schema, { a: { b: [1, 2] }, name: 'x' })).toEqual({
      ok: true,
      data: { a: { b: [1, 2] }, name: 'x' },
    });
  });

  it('names every failing field path in one readable message', () => {
    const res = parseOrError(Schema, { a: { b: [1, 0] }, name: 3 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('invalid_payload');
    expect(res.error.message).toContain('a.b[1]: Too small');
    expect(res.error.message).toContain('name: Invalid input: expected string, received number');
  });

  it('caps the number of listed issues', () => {
    const res = parseOrError(
      z.array(z.string()),
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(!res.ok && res.error.message).toMatch(/\(and 45 more\)$/);
  });

  it('turns a throwing proxy into an error result instead of an exception', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    const res = parseOrError(Schema, hostile);
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(!res.ok && res.error.message).toContain('boom');
  });

  it('spells out what a union or a record key expected', () => {
    const union = parseOrError(z.object({ a: z.union([z.string(), z.null()]) }), { a: 1 });
    expect(!union.ok && union.error.message).toBe(
      'a: matches no allowed form (Invalid input: expected string, received number | Invalid input: expected null, received number)',
    );
    const key = parseOrError(z.record(z.string().regex(/^[a-z]+$/, 'lower-case only'), z.number()), { A: 1 });
    expect(!key.ok && key.error.message).toBe('A: invalid key: lower-case only');
  });

  it('formats root, keys and indices', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['tasks', 'auc', 'positives', 3])).toBe('tasks.auc.positives[3]');
    expect(formatPath([0, 'x'])).toBe('[0].x');
  });
});
