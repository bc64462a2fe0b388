import { describe, expect, it } from 'vitest';
import { l2Norm, screenByMedianNorm } from './norm-screen.ts';

describe(screenByMedianNorm.name, () => {
  it('excludes an update far above the median norm and keeps the honest spread', () => {
    const screen = screenByMedianNorm([1, 1.2, 0.9, 4.9, 1e30]);
    expect(screen.median).toBe(1.2);
    expect(screen.bound).toBeCloseTo(6, 10);
    expect(screen.excluded).toEqual([4]);
  });

  it('sets no bound with fewer than three updates: two sites have no majority', () => {
    expect(screenByMedianNorm([1, 1e30])).toEqual({ excluded: [] });
  });

  it('with fewer than three updates, bounds by an earlier round’s median when there is one', () => {
    const screen = screenByMedianNorm([1, 1e30], { earlierMedian: 2 });
    expect(screen).toEqual({ bound: 10, median: 2, excluded: [1] });
  });

  it('excludes non-finite norms whatever the count, and bounds nothing when the median is 0', () => {
    expect(screenByMedianNorm([1, Number.POSITIVE_INFINITY]).excluded).toEqual([1]);
    expect(screenByMedianNorm([0, 0, 3]).bound).toBeUndefined();
  });

  it('takes norms of 1e30-sized weights without overflow', () => {
    expect(l2Norm(new Float32Array([1e30, 1e30]))).toBeCloseTo(Math.SQRT2 * 1e30, -24);
  });
});
