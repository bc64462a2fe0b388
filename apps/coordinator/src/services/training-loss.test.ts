import { describe, expect, it } from 'vitest';
import { roundLossTerms, roundTrainingLoss } from './training-loss.ts';

const update = (numExamples: number, lossPerEpoch?: unknown) => ({
  num_examples: numExamples,
  payload: JSON.stringify({ sha256: 'x', lossPerEpoch }),
});

describe(roundTrainingLoss.name, () => {
  it('weights each site’s final-epoch loss by its examples', () => {
    // (30·0.4 + 10·0.8) / 40 = 0.5; earlier epochs do not count.
    expect(roundTrainingLoss([update(30, [0.9, 0.4]), update(10, [2, 1, 0.8])])).toBeCloseTo(0.5, 12);
  });

  it('leaves out sites that reported no usable loss, and is null when none did', () => {
    expect(roundTrainingLoss([update(30, [0.3]), update(10), update(5, [])])).toBeCloseTo(0.3, 12);
    expect(roundTrainingLoss([update(10), update(5, ['x'])])).toBeNull();
    expect(roundTrainingLoss([])).toBeNull();
  });
});

const withTerms = (numExamples: number, lossTerms: unknown) => ({
  num_examples: numExamples,
  payload: JSON.stringify({ sha256: 'x', lossPerEpoch: [1], lossTerms }),
});
const terms = (task: number, l2: number) => ({
  task,
  auxiliary: 0.1,
  alignment: 0,
  reconstruction: 0.02,
  l2,
  proximal: 0,
});

describe(roundLossTerms.name, () => {
  it('pools each term as the total is pooled, weighted by examples', () => {
    const pooled = roundLossTerms([withTerms(30, terms(0.4, 100)), withTerms(10, terms(0.8, 20))]);
    expect(pooled!.task).toBeCloseTo(0.5, 12);
    expect(pooled!.l2).toBeCloseTo(80, 12);
    expect(pooled!.auxiliary).toBeCloseTo(0.1, 12);
  });

  it('leaves out sites without valid terms, and is null when none sent them', () => {
    const pooled = roundLossTerms([
      withTerms(30, terms(0.3, 1)),
      update(10, [0.9]),
      withTerms(5, { ...terms(9, 9), l2: -1 }),
    ]);
    expect(pooled!.task).toBeCloseTo(0.3, 12);
    expect(roundLossTerms([update(10, [0.9])])).toBeNull();
    expect(roundLossTerms([])).toBeNull();
  });
});
