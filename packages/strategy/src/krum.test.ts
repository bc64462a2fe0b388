import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { krum, krumScores } from './krum.ts';
import type { ClientUpdate } from './types.ts';

const update = (weights: number[], numExamples = 1): ClientUpdate => ({
  weights: Float32Array.from(weights),
  numExamples,
});

describe(krum.name, () => {
  // Four 1-D updates, f = 0 → each score sums the squared distances to the max(1, 4 − 0 − 2) = 2 nearest:
  // 0:   1, 6.25, 100   → 1 + 6.25      = 7.25
  // 1:   1, 2.25, 81    → 1 + 2.25      = 3.25
  // 2.5: 6.25, 2.25, 56.25 → 2.25 + 6.25 = 8.5
  // 10:  100, 81, 56.25 → 56.25 + 81    = 137.25
  const updates = [update([0], 1), update([1], 3), update([2.5], 1), update([10], 1)];

  it('scores each update by its nearest neighbours', () => {
    const scores = krumScores(updates, 0);
    [7.25, 3.25, 8.5, 137.25].forEach((expected, i) => expect(scores[i]).toBeCloseTo(expected, 6));
  });

  it('returns a copy of the lowest-score update for numToKeep 0 or 1', () => {
    for (const numToKeep of [0, 1]) {
      const result = krum(updates, { numMalicious: 0, numToKeep });
      expect(Array.from(result)).toEqual([1]);
      expect(result).not.toBe(updates[1]!.weights);
    }
  });

  it('averages the numToKeep best updates by examples (MultiKrum)', () => {
    // Best two: [1] with 3 examples and [0] with 1 → (3·1 + 1·0) / 4
    expect(krum(updates, { numMalicious: 0, numToKeep: 2 })[0]).toBeCloseTo(0.75, 6);
  });

  it('picks an honest update when a minority is far away', () => {
    const federation = fc.integer({ min: 0, max: 3 }).chain((f) =>
      fc.record({
        f: fc.constant(f),
        honest: fc.array(
          fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
          {
            minLength: 2 * f + 3 - f,
            maxLength: 2 * f + 6,
          },
        ),
        offset: fc.float({ min: 100, max: 1e4, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(federation, ({ f, honest, offset }) => {
        const malicious = Array.from({ length: f }, (_, k) => honest[0]!.map((v) => v + offset * (k + 1)));
        const all = [...malicious, ...honest].map((weights) => update(weights));
        const result = Array.from(krum(all, { numMalicious: f }));
        const honestRows = honest.map((weights) => Array.from(Float32Array.from(weights)));
        expect(honestRows).toContainEqual(result);
      }),
    );
  });

  it('rejects numMalicious too large, bad numToKeep and bad updates', () => {
    expect(() => krum(updates, { numMalicious: 1 })).toThrow(/numMalicious 1 is too large for 4 updates/);
    expect(() => krum(updates, { numMalicious: -1 })).toThrow(/numMalicious must be an integer >= 0/);
    expect(() => krum(updates, { numMalicious: 0, numToKeep: 5 })).toThrow(
      /numToKeep must be an integer in \[0, 4\]/,
    );
    expect(() => krum([], { numMalicious: 0 })).toThrow(/krum: the updates list is empty/);
    expect(() => krum([update([1]), update([1, 2])], { numMalicious: 0 })).toThrow(/mismatched lengths/);
  });
});
