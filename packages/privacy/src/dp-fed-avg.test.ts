import { describe, expect, it } from 'vitest';
import { addGaussianNoise } from './gaussian-noise.ts';
import { dpFedAvgNoiseStd } from './dp-fed-avg.ts';
import { variance } from './testing/statistics.ts';

describe(dpFedAvgNoiseStd.name, () => {
  it('is z·C / n: one site moves the mean by at most C / n', () => {
    expect(dpFedAvgNoiseStd({ clip: 2, noiseMultiplier: 1.5, sites: 10 })).toBeCloseTo(0.3, 12);
    expect(dpFedAvgNoiseStd({ clip: 2, noiseMultiplier: 0, sites: 10 })).toBe(0);
  });

  it('noise of that σ on a mean has the stated spread', () => {
    const sigma = dpFedAvgNoiseStd({ clip: 1, noiseMultiplier: 1, sites: 4 });
    const mean = new Float64Array(40_000);
    addGaussianNoise(mean, sigma);
    expect(Math.abs(variance(mean) / sigma ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / mean.length));
  });

  it.each([
    [{ clip: 0, noiseMultiplier: 1, sites: 3 }, 'clip'],
    [{ clip: 1, noiseMultiplier: -1, sites: 3 }, 'noiseMultiplier'],
    [{ clip: 1, noiseMultiplier: 1, sites: 0 }, 'sites'],
    [{ clip: 1, noiseMultiplier: 1, sites: 2.5 }, 'sites'],
  ])('refuses %o naming %s', (args, field) => {
    expect(() => dpFedAvgNoiseStd(args)).toThrow(RangeError);
    expect(() => dpFedAvgNoiseStd(args)).toThrow(field);
  });
});
