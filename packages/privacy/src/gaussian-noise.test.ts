import { describe, expect, it } from 'vitest';
import { addGaussianNoise, gaussianNoise } from './gaussian-noise.ts';
import { mean, variance } from './testing/statistics.ts';

const N = 40_000;
// Five standard errors: a correct sampler misses with probability ~6e-7 per check.
const K = 5;

describe(gaussianNoise.name, () => {
  it.each([1, 0.003, 250])('draws N(0, σ²) for σ = %s: mean, variance and the one-σ mass', (sigma) => {
    const draws = gaussianNoise(N, sigma);
    expect(draws).toHaveLength(N);
    expect(Math.abs(mean(draws))).toBeLessThan((K * sigma) / Math.sqrt(N));
    expect(Math.abs(variance(draws) / sigma ** 2 - 1)).toBeLessThan(K * Math.sqrt(2 / N));
    const inside = draws.filter((x) => Math.abs(x) <= sigma).length / N;
    const oneSigma = 0.6826894921370859;
    expect(Math.abs(inside - oneSigma)).toBeLessThan(K * Math.sqrt((oneSigma * (1 - oneSigma)) / N));
  });

  it('pairs are independent: the lag-1 correlation is near zero', () => {
    const draws = gaussianNoise(N, 1);
    let sum = 0;
    for (let i = 1; i < N; i++) sum += (draws[i] ?? 0) * (draws[i - 1] ?? 0);
    expect(Math.abs(sum / (N - 1))).toBeLessThan(K / Math.sqrt(N));
  });

  it('gives zeros for σ = 0 and handles odd lengths', () => {
    expect(gaussianNoise(3, 0)).toEqual(new Float64Array(3));
    expect(gaussianNoise(7, 1).every(Number.isFinite)).toBe(true);
  });

  it.each([
    [-1, 1, 'length'],
    [2.5, 1, 'length'],
    [4, -1, 'sigma'],
    [4, Number.NaN, 'sigma'],
    [4, Infinity, 'sigma'],
  ])('refuses length %s, σ %s naming %s', (length, sigma, field) => {
    expect(() => gaussianNoise(length, sigma)).toThrow(RangeError);
    expect(() => gaussianNoise(length, sigma)).toThrow(field);
  });
});

describe(addGaussianNoise.name, () => {
  it('adds independent noise to every element across chunk boundaries, float32 or float64', () => {
    const target = new Float32Array(N).fill(3);
    addGaussianNoise(target, 2);
    expect(Math.abs(mean(target) - 3)).toBeLessThan((K * 2) / Math.sqrt(N));
    expect(Math.abs(variance(target) / 4 - 1)).toBeLessThan(K * Math.sqrt(2 / N));
    const wide = new Float64Array(5);
    addGaussianNoise(wide, 1);
    expect(wide.every((x) => x !== 0)).toBe(true);
  });

  it('refuses a bad σ and leaves the target untouched', () => {
    const target = new Float32Array([1, 2]);
    expect(() => addGaussianNoise(target, -0.5)).toThrow(/sigma/);
    expect(Array.from(target)).toEqual([1, 2]);
  });
});
