import { describe, expect, it } from 'vitest';
import { FedAdam } from './fed-adam.ts';
import { FedAvgM } from './fed-avg-m.ts';
import { FedOptStrategy } from './fed-opt-strategy.ts';
import type { ClientInfo, FitResult } from './strategy.ts';
import type { ParameterLayout } from './types.ts';

const clients: ClientInfo[] = [
  { id: 'a', available: true },
  { id: 'b', available: true },
];
const fit = (clientId: string, weights: number[], groupExamples?: Record<string, number>): FitResult => ({
  clientId,
  weights: Float32Array.from(weights),
  numExamples: 10,
  ...(groupExamples === undefined ? {} : { groupExamples }),
});

describe(FedOptStrategy.name, () => {
  it('feeds the FedAvg aggregate to the optimizer with the round number', () => {
    // Round 1 from x = 1; the sites average to 1.5, so this is FedAdam's first hand-computed step
    const strategy = new FedOptStrategy({ optimizer: new FedAdam() });
    strategy.configureFit(1, Float32Array.from([1]), clients);
    const { weights } = strategy.aggregateFit(1, [fit('a', [1]), fit('b', [2])], []);
    expect(weights?.[0]).toBeCloseTo(1.074246, 6);
  });

  it('applies momentum across rounds (FedAvgM)', () => {
    // μ 0.9: round 1 x 1 → aggregate 1.5 → 1.5; round 2 x 2 → aggregate 1.75 → 2.2 (see the optimizer tests)
    const strategy = new FedOptStrategy({ optimizer: new FedAvgM({ serverMomentum: 0.9 }) });
    strategy.configureFit(1, Float32Array.from([1]), clients);
    expect(strategy.aggregateFit(1, [fit('a', [1.5]), fit('b', [1.5])], []).weights?.[0]).toBeCloseTo(1.5, 6);
    strategy.configureFit(2, Float32Array.from([2]), clients);
    expect(strategy.aggregateFit(2, [fit('a', [1.5]), fit('b', [2])], []).weights?.[0]).toBeCloseTo(2.2, 6);
  });

  it('freezes groups no site trained, so momentum does not drift them', () => {
    const layout: ParameterLayout = [
      { name: 'ehr', offset: 0, length: 1, group: 'ehr' },
      { name: 'imaging', offset: 1, length: 1, group: 'imaging' },
    ];
    const strategy = new FedOptStrategy({ optimizer: new FedAvgM({ serverMomentum: 0.9 }), layout });
    strategy.configureFit(1, Float32Array.from([0, 0]), clients);
    const round1 = strategy.aggregateFit(1, [fit('a', [1, 1]), fit('b', [1, 1])], []).weights!;
    strategy.configureFit(2, round1, clients);
    const noImaging = [fit('a', [2, 1], { imaging: 0 }), fit('b', [2, 1], { imaging: 0 })];
    const round2 = strategy.aggregateFit(2, noImaging, []).weights!;
    expect(round2[1]).toBe(round1[1]);
    expect(round2[0]).not.toBe(round1[0]);
  });

  it('needs configureFit to have recorded the base weights of the round', () => {
    const strategy = new FedOptStrategy({ optimizer: new FedAdam() });
    expect(() => strategy.aggregateFit(1, [fit('a', [1])], [])).toThrow(
      /call configureFit for this round first/,
    );
  });
});
