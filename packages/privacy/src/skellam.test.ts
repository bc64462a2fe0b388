import { describe, expect, it } from 'vitest';
import { poisson, skellam } from './skellam.ts';
import { chiSquare, chiSquareBound, mean, variance } from './testing/statistics.ts';

const N = 20_000;

function poissonPmf(mu: number): (k: number) => number {
  return (k) => {
    if (k < 0 || !Number.isInteger(k)) return 0;
    let logP = -mu + k * Math.log(mu);
    for (let i = 2; i <= k; i++) logP -= Math.log(i);
    return Math.exp(logP);
  };
}

describe(poisson.name, () => {
  // 3 takes the product-of-uniforms path, 40 and 900 Hörmann's PTRS.
  it.each([3, 40, 900])('matches the exact Poisson(%s) pmf by χ²', (mu) => {
    const draws = Float64Array.from({ length: N }, () => poisson(mu));
    const reach = Math.ceil(10 * Math.sqrt(mu) + 10);
    const { statistic, df } = chiSquare(draws, poissonPmf(mu), [
      Math.max(0, Math.floor(mu) - reach),
      Math.ceil(mu) + reach,
    ]);
    expect(statistic).toBeLessThan(chiSquareBound(df));
  });
});

describe(skellam.name, () => {
  it.each([0.5, 25, 1e6])('has mean 0 and variance 2μ for μ = %s', (mu) => {
    const draws = skellam(N, mu);
    const sd = Math.sqrt(2 * mu);
    expect(Math.abs(mean(draws))).toBeLessThan((5 * sd) / Math.sqrt(N));
    // The variance of a sample variance is σ⁴(2 + κ)/n with excess kurtosis κ = 1/(2μ) for Skellam.
    const varianceSe = Math.sqrt((2 + 1 / (2 * mu)) / N);
    expect(Math.abs(variance(draws) / (2 * mu) - 1)).toBeLessThan(5 * varianceSe);
  });

  it('gives zeros for μ = 0', () => {
    expect(skellam(3, 0)).toEqual(new Int32Array(3));
  });

  it.each([
    [-1, 1, 'length'],
    [4, -1, 'mu'],
    [4, Number.NaN, 'mu'],
    [4, 2 ** 49, 'mu'],
  ])('refuses length %s, μ %s naming %s', (length, mu, field) => {
    expect(() => skellam(length, mu)).toThrow(RangeError);
    expect(() => skellam(length, mu)).toThrow(field);
  });
});
