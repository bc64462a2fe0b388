import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trimmedMean } from './trimmed-mean.ts';
import type { ClientUpdate } from './types.ts';

const update = (weights: number[], numExamples = 1): ClientUpdate => ({
  weights: Float32Array.from(weights),
  numExamples,
});

const columnsArbitrary = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.array(fc.array(fc.float({ min: -1e4, max: 1e4, noNaN: true }), { minLength: n, maxLength: n }), {
    minLength: 1,
    maxLength: 3,
  }),
);

const toUpdates = (columns: number[][]) =>
  columns[0]!.map((_, k) =>
    update(
      columns.map((column) => column[k]!),
      k + 1,
    ),
  );

function sortedTrimmedMean(column: number[], beta: number): number {
  const cut = Math.floor(beta * column.length);
  const kept = [...column].sort((a, b) => a - b).slice(cut, column.length - cut);
  return kept.reduce((sum, value) => sum + value, 0) / kept.length;
}

describe(trimmedMean.name, () => {
  it('drops floor(beta·N) values from each end and averages the rest without weights', () => {
    // Prepare: N = 5, beta = 0.2 → cut 1 from each end
    const updates = [update([4, 0], 50), update([100, 1]), update([1, -7]), update([3, 2]), update([2, 3])];
    // Execute
    const result = trimmedMean(updates, 0.2);
    // Assert: mean(2, 3, 4) and mean(0, 1, 2)
    expect(result[0]).toBeCloseTo(3, 6);
    expect(result[1]).toBeCloseTo(1, 6);
  });

  it('is the plain mean for beta = 0', () => {
    fc.assert(
      fc.property(columnsArbitrary, (columns) => {
        const result = trimmedMean(toUpdates(columns), 0);
        columns.forEach((column, i) => {
          const mean = column.reduce((sum, value) => sum + Math.fround(value), 0) / column.length;
          expect(result[i]).toBeCloseTo(mean, 2);
        });
      }),
    );
  });

  it('agrees with sorting and slicing for any beta', () => {
    fc.assert(
      fc.property(columnsArbitrary, fc.double({ min: 0, max: 0.49, noNaN: true }), (columns, beta) => {
        const result = trimmedMean(toUpdates(columns), beta);
        columns.forEach((column, i) => {
          expect(result[i]).toBeCloseTo(sortedTrimmedMean(column.map(Math.fround), beta), 2);
        });
      }),
    );
  });

  it('rejects beta outside [0, 0.5) and bad updates', () => {
    const updates = [update([1]), update([2])];
    expect(() => trimmedMean(updates, 0.5)).toThrow(/beta must be in \[0, 0.5\), got 0.5/);
    expect(() => trimmedMean(updates, -0.1)).toThrow(/beta must be in/);
    expect(() => trimmedMean(updates, Number.NaN)).toThrow(/beta must be in/);
    expect(() => trimmedMean([], 0.1)).toThrow(/trimmedMean: the updates list is empty/);
    expect(() => trimmedMean([update([1]), update([1, 2])], 0.1)).toThrow(/mismatched lengths/);
  });
});
