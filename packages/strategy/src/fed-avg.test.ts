import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fedAvg } from './fed-avg.ts';
import type { ClientUpdate } from './types.ts';
import { SCALAR_BLOCK_SIZE } from './weighted-average.ts';

const update = (weights: number[], numExamples = 1): ClientUpdate => ({
  weights: Float32Array.from(weights),
  numExamples,
});

/** Straightforward Σ n·w / Σ n in Float64, to compare the blocked kernel against. */
function naiveFedAvg(updates: readonly ClientUpdate[]): number[] {
  const total = updates.reduce((sum, u) => sum + u.numExamples, 0);
  return Array.from(
    updates[0]!.weights,
    (_, i) => updates.reduce((sum, u) => sum + u.numExamples * u.weights[i]!, 0) / total,
  );
}

const updatesArbitrary = (length: number) =>
  fc.array(
    fc.record({
      weights: fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }), {
        minLength: length,
        maxLength: length,
      }),
      numExamples: fc.integer({ min: 1, max: 10_000 }),
    }),
    { minLength: 1, maxLength: 12 },
  );

describe(fedAvg.name, () => {
  it('weights each update by its number of examples', () => {
    // Prepare
    const updates = [update([1, 2, -4], 1), update([3, 4, 8], 3)];
    // Execute
    const result = fedAvg(updates);
    // Assert: (1·1 + 3·3)/4, (1·2 + 3·4)/4, (1·−4 + 3·8)/4
    expect(result).toBeInstanceOf(Float32Array);
    expect(result[0]).toBeCloseTo(2.5, 6);
    expect(result[1]).toBeCloseTo(3.5, 6);
    expect(result[2]).toBeCloseTo(5, 6);
  });

  it('matches the naive average across block boundaries and the four-update unrolling', () => {
    const length = 2 * SCALAR_BLOCK_SIZE + 7;
    const updates = [1, 2, 3, 4, 5, 6, 7].map((k) => ({
      weights: Float32Array.from({ length }, (_, i) => Math.sin(i * k) * k),
      numExamples: k * 10,
    }));
    const result = fedAvg(updates);
    const expected = naiveFedAvg(updates);
    const boundaries = [SCALAR_BLOCK_SIZE, 2 * SCALAR_BLOCK_SIZE].flatMap((b) => [b - 1, b]);
    for (const i of [0, ...boundaries, length - 1]) {
      expect(result[i]).toBeCloseTo(expected[i]!, 5);
    }
    expect(result.every((value, i) => Math.abs(value - expected[i]!) < 1e-4)).toBe(true);
  });

  it('returns the update itself when all updates are identical', () => {
    fc.assert(
      fc.property(updatesArbitrary(9), fc.integer({ min: 1, max: 8 }), (updates, copies) => {
        const first = updates[0]!;
        const same = Array.from({ length: copies }, (_, k) => update(first.weights, k + 1));
        // `+ 0` folds −0 into +0: a Float64 sum starting at +0 cannot reproduce the sign of zero.
        const plain = (values: ArrayLike<number>) => Array.from(values, (value) => value + 0);
        expect(plain(fedAvg(same))).toEqual(plain(Float32Array.from(first.weights)));
      }),
    );
  });

  it('does not depend on the order of the updates', () => {
    const withPermutation = updatesArbitrary(5).chain((raw) =>
      fc.tuple(fc.constant(raw), fc.shuffledSubarray(raw, { minLength: raw.length, maxLength: raw.length })),
    );
    fc.assert(
      fc.property(withPermutation, ([raw, permuted]) => {
        const a = fedAvg(raw.map((u) => update(u.weights, u.numExamples)));
        const b = fedAvg(permuted.map((u) => update(u.weights, u.numExamples)));
        a.forEach((value, i) => expect(value).toBeCloseTo(b[i]!, 3));
      }),
    );
  });

  it('stays within the range of the inputs and agrees with the naive average', () => {
    fc.assert(
      fc.property(updatesArbitrary(4), (raw) => {
        const updates = raw.map((u) => update(u.weights, u.numExamples));
        const result = fedAvg(updates);
        const expected = naiveFedAvg(updates);
        result.forEach((value, i) => {
          const column = updates.map((u) => u.weights[i]!);
          expect(value).toBeGreaterThanOrEqual(Math.min(...column));
          expect(value).toBeLessThanOrEqual(Math.max(...column));
          expect(value).toBeCloseTo(expected[i]!, 3);
        });
      }),
    );
  });

  it('rejects an empty list, mismatched lengths and negative example counts', () => {
    expect(() => fedAvg([])).toThrow(/updates list is empty/);
    expect(() => fedAvg([update([1, 2]), update([1])])).toThrow(/update 1 has 1 weights.*mismatched lengths/);
    expect(() => fedAvg([update([1], 2), update([1], -1)])).toThrow(
      /update 1 numExamples must be .* >= 0, got -1/,
    );
    expect(() => fedAvg([update([1], Number.NaN)])).toThrow(/numExamples must be a finite number/);
  });

  it('refuses to average when no update has any example, unless it may keep the current weights', () => {
    expect(() => fedAvg([update([1], 0), update([2], 0)])).toThrow(/example counts sum to 0/);
    const current = Float32Array.from([7]);
    expect(Array.from(fedAvg([update([1], 0)], { current }))).toEqual([7]);
  });

  it('rejects current weights of the wrong length', () => {
    expect(() => fedAvg([update([1, 2])], { current: new Float32Array(3) })).toThrow(/current has 3 weights/);
  });

  it('writes into a given output buffer, and refuses one that is an update', () => {
    const out = new Float32Array(2);
    const updates = [update([1, 2], 1), update([3, 4], 1)];
    expect(fedAvg(updates, { out })).toBe(out);
    expect(Array.from(out)).toEqual([2, 3]);
    expect(() => fedAvg(updates, { out: updates[0]!.weights })).toThrow(
      /out must not be an update's weights/,
    );
    expect(() => fedAvg(updates, { out: new Float32Array(3) })).toThrow(/out has 3 floats/);
  });
});
