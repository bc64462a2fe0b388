import { describe, expect, it } from 'vitest';
import { weightedAverageInto } from './weighted-average.ts';

describe('weightedAverageInto', () => {
  it('leaves the output outside [start, end) untouched', () => {
    const weights = [Float32Array.from({ length: 10 }, (_, i) => i)];
    const out = new Float32Array(10).fill(-1);
    weightedAverageInto({ out, weights, coefficients: [1], start: 3, end: 6 });
    expect(Array.from(out)).toEqual([-1, -1, -1, 3, 4, 5, -1, -1, -1, -1]);
  });
});
