import { afterEach, describe, expect, it, vi } from 'vitest';
import { distributedSkellam, skellamRdp, sumWrapProbability } from './distributed-skellam.ts';
import { computeEpsilon } from './epsilon.ts';
import { skellam } from './skellam.ts';
import { chiSquareBound, mean, variance } from './testing/statistics.ts';

const ROUND = {
  clip: 3,
  noiseMultiplier: 1,
  scale: (2 ** 21 - 1) / 3,
  dimension: 350_000,
  noiseShares: 5,
  contributors: 5,
};
const DELTA = 1e-5;

function skellamEpsilon(args: Partial<typeof ROUND>, rounds = 1): number {
  const { accounting } = distributedSkellam({ ...ROUND, ...args });
  return computeEpsilon({ steps: [], skellam: [{ ...accounting, count: rounds }], delta: DELTA }).epsilon;
}

describe('distributed Skellam noise', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sums over the survivors to the variance the accountant is given (χ² bound), from the CSPRNG only', () => {
    // Math.random is never a source of privacy noise: any call fails the test.
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    const length = 20_000;
    const { siteMu, accounting } = distributedSkellam({ ...ROUND, dimension: length, contributors: 3 });
    const sum = new Float64Array(length);
    for (let site = 0; site < 3; site++) skellam(length, siteMu).forEach((x, i) => (sum[i]! += x));
    const df = length - 1;
    const statistic = (df * variance(sum)) / accounting.variance;
    // Two-sided: Wilson–Hilferty's upper 1e-6 quantile and its mirror below df (near-symmetric for large df).
    expect(statistic).toBeLessThan(chiSquareBound(df));
    expect(statistic).toBeGreaterThan(2 * df - chiSquareBound(df));
    expect(Math.abs(mean(sum))).toBeLessThan((5 * Math.sqrt(accounting.variance)) / Math.sqrt(length));
  });

  it('splits the variance (z·γ·C)² over the noise shares, and counts only the contributors', () => {
    const all = distributedSkellam(ROUND);
    const sumStd = ROUND.noiseMultiplier * ROUND.scale * ROUND.clip;
    expect(all.accounting.variance).toBeCloseTo(sumStd * sumStd, -2);
    expect(2 * all.siteMu * ROUND.noiseShares).toBeCloseTo(sumStd * sumStd, -2);
    const fewer = distributedSkellam({ ...ROUND, contributors: 3 });
    expect(fewer.accounting.variance / all.accounting.variance).toBeCloseTo(3 / 5, 12);
    // Rounding grows Δ2 by at most √d.
    expect(all.accounting.l2Sensitivity).toBeCloseTo(
      ROUND.scale * ROUND.clip + Math.sqrt(ROUND.dimension),
      6,
    );
  });

  it.each([
    ['clip', { clip: 0 }],
    ['noiseMultiplier', { noiseMultiplier: -1 }],
    ['scale', { scale: Number.NaN }],
    ['dimension', { dimension: 1.5 }],
    ['noiseShares', { noiseShares: 0 }],
    ['contributors', { contributors: 6 }],
  ])('refuses a bad %s, naming it', (field, bad) => {
    expect(() => distributedSkellam({ ...ROUND, ...bad })).toThrow(RangeError);
    expect(() => distributedSkellam({ ...ROUND, ...bad })).toThrow(field);
  });
});

describe('the Skellam accountant', () => {
  it('falls as z grows and rises as survivors drop out', () => {
    const byZ = [0.5, 1, 2, 4].map((z) => skellamEpsilon({ noiseMultiplier: z }));
    for (let i = 1; i < byZ.length; i++) expect(byZ[i]!).toBeLessThan(byZ[i - 1]!);
    expect(skellamEpsilon({ contributors: 3 })).toBeGreaterThan(skellamEpsilon({ contributors: 5 }));
    expect(skellamEpsilon({}, 5)).toBeGreaterThan(skellamEpsilon({}, 1));
  });

  it("reduces to the Gaussian's (q = 1) when quantisation is fine", () => {
    for (const z of [0.7, 1, 3]) {
      const gaussian = computeEpsilon({
        steps: [{ sampleRate: 1, noiseMultiplier: z, count: 5 }],
        delta: DELTA,
      }).epsilon;
      const fine = skellamEpsilon({ noiseMultiplier: z, scale: 2 ** 30 / ROUND.clip, dimension: 1000 }, 5);
      expect(fine).toBeGreaterThanOrEqual(gaussian);
      expect(fine / gaussian - 1).toBeLessThan(1e-3);
      // Coarse quantisation (Δ2 grown by √d, small variance) costs more than the Gaussian.
      const coarse = skellamEpsilon({ noiseMultiplier: z, scale: 10 / ROUND.clip }, 5);
      expect(coarse).toBeGreaterThan(gaussian * 1.5);
    }
  });

  it('adds the correction term to the Gaussian one at each order', () => {
    const step = { l1Sensitivity: 40, l2Sensitivity: 10, variance: 50 };
    const gaussianPart = (4 * 100) / (2 * 50);
    expect(skellamRdp(step, 4)).toBeCloseTo(gaussianPart + Math.min((7 * 100 + 240) / 10_000, 120 / 100), 12);
  });

  it.each([
    ['l1Sensitivity', { l1Sensitivity: 0 }],
    ['l2Sensitivity', { l2Sensitivity: -1 }],
    ['variance', { variance: Number.POSITIVE_INFINITY }],
    ['count', { count: 0.5 }],
  ])('refuses a step with a bad %s, naming it', (field, bad) => {
    const step = { l1Sensitivity: 1, l2Sensitivity: 1, variance: 1, count: 1, ...bad };
    expect(() => computeEpsilon({ steps: [], skellam: [step], delta: DELTA })).toThrow(field);
  });
});

describe(sumWrapProbability.name, () => {
  it('bounds the drawn tail from above', () => {
    const mu = 50;
    const room = 30;
    const draws = skellam(50_000, mu);
    const beyond = draws.filter((x) => Math.abs(x) >= room).length / draws.length;
    const bound = sumWrapProbability({ bound: 2 ** 31 - room, variance: 2 * mu, dimension: 1 });
    expect(bound).toBeLessThan(1);
    expect(beyond).toBeLessThanOrEqual(bound);
  });

  it('is negligible at the default 22 levels for 10 sites and z = 1, and certain without room', () => {
    const { accounting } = distributedSkellam({ ...ROUND, noiseShares: 10, contributors: 10 });
    const bound = 10 * (2 ** 21 - 1 + 1);
    expect(sumWrapProbability({ bound, variance: accounting.variance, dimension: 350_000 })).toBeLessThan(
      1e-100,
    );
    expect(sumWrapProbability({ bound: 2 ** 31, variance: 1, dimension: 1 })).toBe(1);
    // One standard deviation of room: some coordinate of many wraps almost surely.
    const crowded = sumWrapProbability({ bound: 2 ** 31 - 2 ** 21, variance: 2 ** 42, dimension: 350_000 });
    expect(crowded).toBe(1);
  });

  it('refuses a negative bound or a zero variance', () => {
    expect(() => sumWrapProbability({ bound: -1, variance: 1, dimension: 1 })).toThrow('bound');
    expect(() => sumWrapProbability({ bound: 0, variance: 0, dimension: 1 })).toThrow('variance');
  });
});
