import { describe, expect, it } from 'vitest';
import { adaptiveNoiseMultiplier, nextAdaptiveClip } from './adaptive-clip.ts';

describe(nextAdaptiveClip.name, () => {
  it('follows C·exp(−η(b − γ)) (Andrew et al. 2021)', () => {
    const next = nextAdaptiveClip({
      clip: 2,
      unclippedFraction: 0.9,
      targetQuantile: 0.5,
      learningRate: 0.2,
    });
    expect(next).toBeCloseTo(2 * Math.exp(-0.2 * 0.4), 12);
  });

  it('shrinks when too many updates fit, grows when too few, holds at the quantile', () => {
    const args = { clip: 1, targetQuantile: 0.5, learningRate: 0.2 };
    expect(nextAdaptiveClip({ ...args, unclippedFraction: 1 })).toBeLessThan(1);
    expect(nextAdaptiveClip({ ...args, unclippedFraction: 0 })).toBeGreaterThan(1);
    expect(nextAdaptiveClip({ ...args, unclippedFraction: 0.5 })).toBe(1);
  });

  it('converges to the target quantile of a fixed set of norms', () => {
    const norms = Array.from({ length: 101 }, (_, i) => 0.5 + i * 0.01); // median 1.0
    let clip = 0.1;
    for (let round = 0; round < 300; round++) {
      const unclippedFraction = norms.filter((n) => n <= clip).length / norms.length;
      clip = nextAdaptiveClip({ clip, unclippedFraction, targetQuantile: 0.5, learningRate: 0.2 });
    }
    expect(clip).toBeGreaterThan(0.97);
    expect(clip).toBeLessThan(1.03);
  });

  it.each([
    [{ clip: 0, unclippedFraction: 0.5, targetQuantile: 0.5, learningRate: 0.2 }, 'clip'],
    [{ clip: 1, unclippedFraction: Number.NaN, targetQuantile: 0.5, learningRate: 0.2 }, 'unclippedFraction'],
    [{ clip: 1, unclippedFraction: 0.5, targetQuantile: 1.5, learningRate: 0.2 }, 'targetQuantile'],
    [{ clip: 1, unclippedFraction: 0.5, targetQuantile: 0.5, learningRate: -1 }, 'learningRate'],
  ])('refuses %o naming %s', (args, field) => {
    expect(() => nextAdaptiveClip(args)).toThrow(RangeError);
    expect(() => nextAdaptiveClip(args)).toThrow(field);
  });
});

describe(adaptiveNoiseMultiplier.name, () => {
  it('splits the budget so both queries together match multiplier z (Theorem 1)', () => {
    const zDelta = adaptiveNoiseMultiplier({ noiseMultiplier: 1, countNoiseStd: 10 });
    expect(zDelta).toBeCloseTo((1 - 1 / 400) ** -0.5, 12);
    // Composing Gaussians adds their ρ = 1/(2z²): the pair spends exactly what z alone would.
    expect(zDelta ** -2 + (2 * 10) ** -2).toBeCloseTo(1, 12);
  });

  it('refuses a count noise that would spend the whole budget, saying why', () => {
    expect(() => adaptiveNoiseMultiplier({ noiseMultiplier: 1, countNoiseStd: 0.5 })).toThrow(
      /countNoiseStd/,
    );
    expect(() => adaptiveNoiseMultiplier({ noiseMultiplier: 1, countNoiseStd: 0.4 })).toThrow(RangeError);
    expect(() => adaptiveNoiseMultiplier({ noiseMultiplier: 0, countNoiseStd: 4 })).toThrow(
      /noiseMultiplier/,
    );
  });
});
