import { describe, expect, it } from 'vitest';
import { FedMedianStrategy, FedTrimmedAvgStrategy, KrumStrategy } from './robust-strategies.ts';
import type { FitResult } from './strategy.ts';

// Four honest sites near 1 and one attacker at 1000 claiming many examples.
const results: FitResult[] = [1, 1.1, 0.9, 1.05, 1000].map((value, i) => ({
  clientId: `site-${i}`,
  weights: Float32Array.from([value]),
  numExamples: i === 4 ? 1_000_000 : 10,
}));

describe('robust strategies', () => {
  it('FedMedian ignores the attacker and its example count', () => {
    expect(new FedMedianStrategy().aggregateFit(1, results, []).weights?.[0]).toBeCloseTo(1.05, 6);
  });

  it('FedTrimmedAvg cuts floor(0.2·5) = 1 value from each end by default', () => {
    // kept: 1, 1.05, 1.1
    expect(new FedTrimmedAvgStrategy().aggregateFit(1, results, []).weights?.[0]).toBeCloseTo(1.05, 6);
    expect(() => new FedTrimmedAvgStrategy({ beta: 0.5 })).toThrow(/beta must be in \[0, 0.5\)/);
  });

  it('Krum returns an honest update', () => {
    const weights = new KrumStrategy({ numMalicious: 1 }).aggregateFit(1, results, []).weights;
    expect([1, 1.1, 0.9, 1.05].map(Math.fround)).toContain(weights?.[0]);
  });
});
