import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockStats } from './block-stats.ts';
import { mergeFeatureStats, toNormalization, type FeatureStats } from './feature-stats.ts';

const statsOf = (rows: number[][]): FeatureStats => {
  const data = Float32Array.from(rows.flat());
  const view = { data, n: rows.length, width: 2, cols: 2, present: () => true };
  return { ehr: blockStats(view, ['a', 'b']), genomics: blockStats({ ...view, cols: 0 }, []) };
};

describe('mergeFeatureStats', () => {
  it('gives the same mean and std as pooling the sites’ rows', () => {
    const row = fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }));
    fc.assert(
      fc.property(
        fc.array(fc.array(row, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 5 }),
        (sites) => {
          const merged = toNormalization(mergeFeatureStats(sites.map(statsOf)).ehr);
          const pooled = toNormalization(statsOf(sites.flat()).ehr);
          merged.mean.forEach((m, i) => expect(m).toBeCloseTo(pooled.mean[i] ?? Number.NaN, 6));
          merged.std.forEach((s, i) => expect(s).toBeCloseTo(pooled.std[i] ?? Number.NaN, 6));
        },
      ),
    );
  });

  it('refuses statistics over different features', () => {
    const a = statsOf([[1, 2]]);
    const b: FeatureStats = { ...a, ehr: { ...a.ehr, names: ['a', 'c'] } };
    expect(() => mergeFeatureStats([a, b])).toThrow(
      "EHR statistics of site 2 have different features (first difference: 'c')",
    );
    expect(() => mergeFeatureStats([])).toThrow(RangeError);
  });
});

describe('blockStats and toNormalization', () => {
  it('skip missing and absent cells and never divide by a zero std', () => {
    const data = Float32Array.of(1, 9, 3, 9, 100, 100);
    const stats = blockStats(
      { data, n: 3, width: 2, cols: 2, present: (r) => r < 2, missing: (r, c) => r === 0 && c === 1 },
      ['x', 'y'],
    );
    expect(stats).toEqual({ names: ['x', 'y'], count: [2, 1], sum: [4, 9], sumSq: [10, 81] });
    expect(toNormalization(stats)).toEqual({ mean: [2, 9], std: [1, 1] });
  });
});
