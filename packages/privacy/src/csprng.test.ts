import { afterEach, describe, expect, it, vi } from 'vitest';
import { discreteGaussian } from './discrete-gaussian.ts';
import { addGaussianNoise, gaussianNoise } from './gaussian-noise.ts';
import { skellam } from './skellam.ts';

describe('noise sources', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never call Math.random: every sampler works while it throws', () => {
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random is not a CSPRNG');
    });
    // Enough draws to refill the 4096-word pool several times.
    expect(gaussianNoise(10_000, 1).every(Number.isFinite)).toBe(true);
    addGaussianNoise(new Float32Array(10), 1);
    expect(discreteGaussian(2_000, 2.5).some((x) => x !== 0)).toBe(true);
    expect(skellam(2_000, 30).some((x) => x !== 0)).toBe(true);
    expect(skellam(2_000, 0.7).some((x) => x !== 0)).toBe(true);
    expect(random).not.toHaveBeenCalled();
  });
});
