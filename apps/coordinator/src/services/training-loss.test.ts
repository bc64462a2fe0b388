import { describe, expect, it } from 'vitest';
import { roundTrainingLoss } from './training-loss.ts';

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
