import { describe, expect, it } from 'vitest';
import { discreteGaussian } from './discrete-gaussian.ts';
import { chiSquare, chiSquareBound, mean } from './testing/statistics.ts';

const N = 20_000;

/** The exact pmf of N_Z(0, σ²), normalised over |x| ≤ 40σ + 10 (the rest is below 1e-300). */
function discreteGaussianPmf(sigma: number): (x: number) => number {
  const reach = Math.ceil(40 * sigma) + 10;
  let total = 0;
  for (let x = -reach; x <= reach; x++) total += Math.exp(-(x * x) / (2 * sigma * sigma));
  return (x) => Math.exp(-(x * x) / (2 * sigma * sigma)) / total;
}

describe(discreteGaussian.name, () => {
  // 0.8 and 4.3 are not dyadic (σ² becomes a ratio of large bigints); 3 is; 0.8 has floor(σ) = 0.
  it.each([0.8, 3, 4.3])('matches the exact pmf by χ² for σ = %s', (sigma) => {
    const draws = discreteGaussian(N, sigma);
    const support: [number, number] = [-Math.ceil(8 * sigma), Math.ceil(8 * sigma)];
    const { statistic, df } = chiSquare(draws, discreteGaussianPmf(sigma), support);
    expect(statistic).toBeLessThan(chiSquareBound(df));
    expect(Math.abs(mean(draws))).toBeLessThan((5 * sigma) / Math.sqrt(N));
  });

  it('the χ² check has power: the same draws fail against a 15% wider pmf', () => {
    const draws = discreteGaussian(N, 3);
    const { statistic, df } = chiSquare(draws, discreteGaussianPmf(3 * 1.15), [-24, 24]);
    expect(statistic).toBeGreaterThan(chiSquareBound(df));
  });

  it('returns integers in an Int32Array, zeros for σ = 0', () => {
    const draws = discreteGaussian(1000, 1e6);
    expect(draws).toBeInstanceOf(Int32Array);
    expect(draws.some((x) => Math.abs(x) > 1000)).toBe(true);
    expect(discreteGaussian(4, 0)).toEqual(new Int32Array(4));
  });

  it.each([
    [-1, 1, 'length'],
    [1.5, 1, 'length'],
    [4, -2, 'sigma'],
    [4, Number.NaN, 'sigma'],
    [4, 2 ** 28, 'sigma'],
  ])('refuses length %s, σ %s naming %s', (length, sigma, field) => {
    expect(() => discreteGaussian(length, sigma)).toThrow(RangeError);
    expect(() => discreteGaussian(length, sigma)).toThrow(field);
  });
});
