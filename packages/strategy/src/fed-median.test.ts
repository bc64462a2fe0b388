import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fedMedian } from './fed-median.ts';
import type { ClientUpdate } from './types.ts';

const update = (weights: number[], numExamples = 1): ClientUpdate => ({
  weights: Float32Array.from(weights),
  numExamples,
});

function sortedMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe(fedMedian.name, () => {
  it('takes the middle value per coordinate, averaging the two middle ones for an even count', () => {
    // Prepare
    const odd = [update([1, -3], 100), update([5, 9]), update([3, 0])];
    const even = [update([1]), update([2]), update([3]), update([10])];
    // Execute / Assert: numExamples plays no part
    expect(Array.from(fedMedian(odd))).toEqual([3, 0]);
    expect(fedMedian(even)[0]).toBeCloseTo(2.5, 6);
  });

  it('agrees with sorting, for small and large numbers of updates', () => {
    const columnsArbitrary = fc.integer({ min: 1, max: 60 }).chain((n) =>
      fc.array(fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { minLength: n, maxLength: n }), {
        minLength: 1,
        maxLength: 3,
      }),
    );
    fc.assert(
      fc.property(columnsArbitrary, (columns) => {
        const updates = columns[0]!.map((_, k) => update(columns.map((column) => column[k]!)));
        const result = fedMedian(updates);
        // `+ 0` folds −0 into +0: which of two equal zeros ends up in the middle is arbitrary.
        columns.forEach((column, i) => expect(result[i]! + 0).toBe(Math.fround(sortedMedian(column)) + 0));
      }),
    );
  });

  it('ignores a minority of extreme values', () => {
    const updates = [update([1]), update([1.1]), update([0.9]), update([1e9]), update([-1e9])];
    expect(fedMedian(updates)[0]).toBeCloseTo(1, 6);
  });

  it('rejects bad input with a message naming the problem', () => {
    expect(() => fedMedian([])).toThrow(/fedMedian: the updates list is empty/);
    expect(() => fedMedian([update([1]), update([1, 2])])).toThrow(/mismatched lengths/);
    expect(() => fedMedian([update([1], -2)])).toThrow(/numExamples must be/);
    expect(() => fedMedian([update([1, Number.NaN])])).toThrow(/update 0 has NaN at index 1/);
  });
});
