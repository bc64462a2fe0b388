import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { formatPath, parseOrError } from './parse.ts';
import { allCases } from './test-samples.ts';

type Path = (string | number)[];

/** Every leaf of a sample (bytes count as a leaf) with its path. */
function leaves(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return [{ path, value }];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/** Values of every JSON-ish kind except null (nullable fields would rightly accept it). */
const replacement = fc.oneof(
  fc.string({ maxLength: 8 }).map((s) => `~${s}`),
  fc.double(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.constant(undefined),
);

const cases = allCases();
/** Cases with at least one field to mutate (an empty request object has none). */
const withFields = cases.filter((c) => leaves(c.sample).length > 0 && leaves(c.sample)[0]!.path.length > 0);

describe('schema fuzzing', () => {
  it.each(cases)('$name: no input makes the decoder throw', ({ schema }) => {
    fc.assert(
      fc.property(
        fc.anything({ withTypedArray: true, withMap: true, withSet: true, withNullPrototype: true }),
        (raw) => {
          const res = parseOrError(schema, raw);
          if (!res.ok) {
            expect(res.error.code).toBe('invalid_payload');
            expect(res.error.message).toMatch(/^\S.*: .+/);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each(withFields)('$name: a wrongly-typed field is refused, naming its path', ({ schema, sample }) => {
    // A null leaf is a nullable field whose other type the sample does not show (0 is a valid EpochMs).
    const fields = leaves(sample).filter((f) => f.value !== null);
    fc.assert(
      fc.property(fc.constantFrom(...fields), replacement, ({ path, value }, bad) => {
        fc.pre(kind(bad) !== kind(value));
        const res = parseOrError(schema, setAt(sample, path, bad));
        expect(res.ok).toBe(false);
        if (!res.ok) expect(res.error.message).toContain(formatPath(path));
      }),
      { numRuns: 150 },
    );
  });

  it.each(withFields)('$name: random JSON-ish structures never throw', ({ schema, sample }) => {
    fc.assert(
      fc.property(fc.constantFrom(...leaves(sample)), fc.jsonValue(), ({ path }, bad) => {
        const res = parseOrError(schema, setAt(sample, path, bad));
        expect(typeof res.ok).toBe('boolean');
        if (!res.ok) expect(res.error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });
});
