import { describe, expect, it } from 'vitest';
import { pca2 } from './pca.ts';

describe('pca2', () => {
  it('finds the direction of largest spread and projects onto it', () => {
    // Points along (1, 1, 0), plus a small spread along (0, 0, 1) uncorrelated with it.
    const rows: number[][] = [];
    for (let i = -5; i <= 5; i++) rows.push([i + 3, i + 3, i % 2 === 0 ? 0.1 : -0.1]);
    const values = Float32Array.from(rows.flat());
    const { points, explainedVariance } = pca2(values, { n: rows.length, width: 3 });
    expect(points).toHaveLength(rows.length);
    // First component: ±√2·i around the mean.
    points.forEach(([a], k) => expect(Math.abs(a)).toBeCloseTo(Math.SQRT2 * Math.abs(k - 5), 3));
    expect(explainedVariance[0]).toBeGreaterThan(0.99);
    expect(explainedVariance[0] + explainedVariance[1]).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('returns orthogonal components on random data', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
    const n = 200;
    const width = 6;
    const values = Float32Array.from({ length: n * width }, (_, i) => random() * (1 + (i % width)));
    const { points } = pca2(values, { n, width });
    const dot = points.reduce((s, [a, b]) => s + a * b, 0);
    const norm = Math.sqrt(
      points.reduce((s, [a]) => s + a * a, 0) * points.reduce((s, [, b]) => s + b * b, 0),
    );
    expect(Math.abs(dot / norm)).toBeLessThan(1e-3);
  });
});
