import { describe, expect, it } from 'vitest';
import type { RoundPrivacyIns } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';

import { policyRefusal, roundCost } from './privacy-policy.ts';

const DP_ROUND: RoundPrivacyIns = {
  secureAggregation: false,
  selectedSites: 5,
  minSites: 3,
  dp: {
    clip: 1,
    noiseMultiplier: 1.2,
    accountedNoiseMultiplier: 1.2,
    sampleRate: 0.5,
    delta: 1e-5,
    pastRounds: [
      { round: 1, sampleRate: 0.5, noiseMultiplier: 1.2 },
      { round: 2, sampleRate: 0.5, noiseMultiplier: 1.2 },
    ],
  },
};

/** A round of 5 sites aggregated securely with threshold 4 (selection and minClients 5). */
const SECURE_ROUND: RoundPrivacyIns = {
  ...DP_ROUND,
  minSites: 5,
  secureAggregation: true,
  secAgg: {
    toleratedDropouts: 1,
    toleratedColluders: 0,
    graph: 'complete',
    threshold: 4,
    degree: 4,
    clip: 8,
    levelsLog2: 22,
    maxExamples: 1024,
    roster: [],
    layout: { length: 1, groups: [{ name: 'all', ranges: [{ offset: 0, length: 1 }] }] },
  },
};

const epsilonOf = (rounds: number) =>
  computeEpsilon({ steps: [{ sampleRate: 0.5, noiseMultiplier: 1.2, count: rounds }], delta: 1e-5 }).epsilon;

describe(roundCost.name, () => {
  it('is the accountant ε of the past rounds and this one, from the parameters alone', () => {
    const cost = roundCost({ privacy: DP_ROUND, roundNumber: 3, recorded: [] });
    expect(cost.epsilon).toBeCloseTo(epsilonOf(3), 12);
    expect(cost.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
  });

  it('counts a round the site recorded even when the coordinator leaves it out', () => {
    const forgetful = { ...DP_ROUND, dp: { ...DP_ROUND.dp!, pastRounds: [] } };
    const recorded = [
      { round: 1, sampleRate: 0.5, noiseMultiplier: 1.2 },
      { round: 2, sampleRate: 0.5, noiseMultiplier: 1.2 },
    ];
    expect(roundCost({ privacy: forgetful, roundNumber: 3, recorded }).epsilon).toBeCloseTo(epsilonOf(3), 12);
  });

  it('accounts the smaller z when the stated total exceeds the noise drawn', () => {
    const inflated = { ...DP_ROUND, dp: { ...DP_ROUND.dp!, pastRounds: [], accountedNoiseMultiplier: 50 } };
    const cost = roundCost({ privacy: inflated, roundNumber: 1, recorded: [] });
    expect(cost.epsilon).toBeCloseTo(epsilonOf(1), 12);
  });

  it('is null for a round that is not differentially private', () => {
    const { dp: _dp, ...plain } = DP_ROUND;
    expect(roundCost({ privacy: plain, roundNumber: 1, recorded: [] }).epsilon).toBeNull();
  });
});

describe(policyRefusal.name, () => {
  const cost = roundCost({ privacy: DP_ROUND, roundNumber: 3, recorded: [] });

  it('lets a round through that keeps every rule', () => {
    const policy = { maxEpsilon: cost.epsilon! + 0.01, minSites: 3, requireSecureAggregation: false };
    expect(policyRefusal({ policy, privacy: DP_ROUND, cost })).toBeUndefined();
  });

  it('refuses a round that would take the run past maxEpsilon, with the figures', () => {
    const refusal = policyRefusal({ policy: { maxEpsilon: cost.epsilon! - 0.01 }, privacy: DP_ROUND, cost });
    expect(refusal?.code).toBe('privacy_budget_exceeded');
    expect(refusal?.message).toContain(`ε = ${cost.epsilon!.toFixed(3)}`);
    expect(refusal?.message).toContain('maxEpsilon');
  });

  it('refuses a run that is not differentially private when maxEpsilon is set', () => {
    const { dp: _dp, ...plain } = DP_ROUND;
    const none = roundCost({ privacy: plain, roundNumber: 1, recorded: [] });
    expect(policyRefusal({ policy: { maxEpsilon: 10 }, privacy: plain, cost: none })).toMatchObject({
      code: 'privacy_budget_exceeded',
      message: expect.stringContaining('not differentially private') as unknown,
    });
  });

  it('refuses a round that is not securely aggregated when secure aggregation is required', () => {
    const refusal = policyRefusal({ policy: { requireSecureAggregation: true }, privacy: DP_ROUND, cost });
    expect(refusal?.code).toBe('secure_aggregation_required');
    expect(refusal?.message).toContain('its run has no secureAggregation option');
  });

  it('lets a securely aggregated round through, and holds its threshold to minSites', () => {
    const policy = { requireSecureAggregation: true, minSites: 4 };
    expect(policyRefusal({ policy, privacy: SECURE_ROUND, cost })).toBeUndefined();
    const refusal = policyRefusal({ policy: { ...policy, minSites: 5 }, privacy: SECURE_ROUND, cost });
    expect(refusal).toEqual({
      code: 'too_few_sites',
      message:
        "this site requires at least 5 sites per round (client.yaml privacy.minSites); the round's secure aggregation unmasks the sum of as few as 4 sites (its threshold)",
    });
  });

  it('still checks maxEpsilon after minSites passes', () => {
    const refusal = policyRefusal({
      policy: { minSites: 3, maxEpsilon: cost.epsilon! / 2 },
      privacy: DP_ROUND,
      cost,
    });
    expect(refusal?.code).toBe('privacy_budget_exceeded');
  });

  it('refuses a round the coordinator may aggregate with fewer sites than minSites', () => {
    const refusal = policyRefusal({ policy: { minSites: 4 }, privacy: DP_ROUND, cost });
    expect(refusal?.code).toBe('too_few_sites');
    expect(refusal?.message).toContain('as few as 3');
    const fewSelected = { ...DP_ROUND, selectedSites: 2, minSites: 2 };
    expect(policyRefusal({ policy: { minSites: 2 }, privacy: fewSelected, cost })).toBeUndefined();
    expect(policyRefusal({ policy: { minSites: 3 }, privacy: fewSelected, cost })?.code).toBe(
      'too_few_sites',
    );
  });

  it('refuses when an older coordinator states nothing about the round', () => {
    const none = roundCost({ privacy: undefined, roundNumber: 1, recorded: [] });
    expect(policyRefusal({ policy: { minSites: 2 }, privacy: undefined, cost: none })?.code).toBe(
      'too_few_sites',
    );
    expect(policyRefusal({ policy: {}, privacy: undefined, cost: none })).toBeUndefined();
  });
});
