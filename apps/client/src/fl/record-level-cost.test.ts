import { describe, expect, it } from 'vitest';
import type { FitConfig } from '@fedfuse/protocol';
import { dpSgdEpsilon } from '@fedfuse/model';

import { policyRefusal } from './privacy-policy.ts';
import { defaultRecordDelta, recordLevelCost } from './record-level-cost.ts';

const CONFIG: FitConfig = {
  epochs: 2,
  batchSize: 16,
  learningRate: 0.01,
  modalityKeepProb: 1,
  proximalMu: 0,
  seed: 1,
  dpSgd: { clip: 1, noiseMultiplier: 1.1, delta: 1e-5 },
};
const NO_DP = { epsilon: null, delta: null, rounds: [] };

describe(recordLevelCost.name, () => {
  it('is dpSgdEpsilon of the epochs trained in the run, from the site count and the public parameters', () => {
    const first = recordLevelCost({ config: CONFIG, roundNumber: 1, datasetSize: 200, recorded: undefined })!;
    expect(first.epochs).toBe(2);
    expect(first.epsilon).toBeCloseTo(
      dpSgdEpsilon({ batchSize: 16, datasetSize: 200, epochs: 2, noiseMultiplier: 1.1, delta: 1e-5 }).epsilon,
      9,
    );
    const recorded = { ...first, maxEpsilon: null, updatedAt: 0 };
    const third = recordLevelCost({ config: CONFIG, roundNumber: 3, datasetSize: 200, recorded })!;
    expect(third.rounds.map((r) => r.round)).toEqual([1, 3]);
    expect(third.epsilon).toBeCloseTo(
      dpSgdEpsilon({ batchSize: 16, datasetSize: 200, epochs: 4, noiseMultiplier: 1.1, delta: 1e-5 }).epsilon,
      9,
    );
  });

  it("counts a retried round once and keeps the δ recorded at the run's first round", () => {
    const noDelta = { ...CONFIG, dpSgd: { clip: 1, noiseMultiplier: 1.1 } };
    const first = recordLevelCost({
      config: noDelta,
      roundNumber: 1,
      datasetSize: 200,
      recorded: undefined,
    })!;
    expect(first.delta).toBeCloseTo(1 / 200 ** 1.1, 15);
    const recorded = { ...first, maxEpsilon: null, updatedAt: 0 };
    const retried = recordLevelCost({ config: noDelta, roundNumber: 1, datasetSize: 150, recorded })!;
    expect(retried.epochs).toBe(2);
    expect(retried.delta).toBe(first.delta);
    expect(defaultRecordDelta(1)).toBe(0.5);
  });

  it('is null for a round without DP-SGD', () => {
    const { dpSgd: _, ...plain } = CONFIG;
    expect(
      recordLevelCost({ config: plain, roundNumber: 1, datasetSize: 200, recorded: undefined }),
    ).toBeNull();
  });
});

describe('maxEpsilon with record-level DP-SGD', () => {
  const cost = recordLevelCost({ config: CONFIG, roundNumber: 1, datasetSize: 200, recorded: undefined })!;

  it('accepts a record-level round within maxEpsilon although the run has no client-level DP', () => {
    const policy = { maxEpsilon: cost.epsilon + 0.01 };
    expect(policyRefusal({ policy, privacy: undefined, cost: NO_DP, recordLevel: cost })).toBeUndefined();
  });

  it('refuses a record-level round past maxEpsilon, naming the per-patient ε and the rule', () => {
    const refusal = policyRefusal({
      policy: { maxEpsilon: cost.epsilon - 0.01 },
      privacy: undefined,
      cost: NO_DP,
      recordLevel: cost,
    });
    expect(refusal?.code).toBe('privacy_budget_exceeded');
    expect(refusal?.message).toMatch(/record-level DP-SGD .* ε = \d+\.\d{3} .*2 epochs.*maxEpsilon/);
  });

  it('still refuses a run with neither mechanism when maxEpsilon is set', () => {
    const refusal = policyRefusal({
      policy: { maxEpsilon: 5 },
      privacy: undefined,
      cost: NO_DP,
      recordLevel: null,
    });
    expect(refusal?.message).toMatch(/not differentially private/);
  });
});
