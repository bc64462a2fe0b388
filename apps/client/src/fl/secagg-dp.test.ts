import type { FitIns, RoundDp, RoundPrivacyIns, RoundSecAgg } from '@fedfuse/protocol';
import { computeEpsilon, distributedSkellam } from '@fedfuse/privacy';
import { quantisationScale } from '@fedfuse/secagg';
import { describe, expect, it } from 'vitest';

import { policyRefusal, roundCost } from './privacy-policy.ts';
import { noisedUpdate, secureDpNoise } from './secagg-dp.ts';
import { secAggRoundOf } from './secagg-round.ts';

const DIMENSION = 1000;
const SEC_AGG: RoundSecAgg = {
  toleratedDropouts: 1,
  toleratedColluders: 0,
  graph: 'complete',
  threshold: 4,
  degree: 4,
  clip: 3,
  levelsLog2: 22,
  maxExamples: 1024,
  roster: [0, 1, 2, 3, 4].map((k) => ({ siteId: `s${k}`, signingKey: 'A'.repeat(43) + '=' })),
  layout: { length: DIMENSION, groups: [{ name: 'all', ranges: [{ offset: 0, length: DIMENSION }] }] },
};
const DP: RoundDp = {
  clip: 3,
  noiseMultiplier: 1,
  accountedNoiseMultiplier: 1,
  sampleRate: 1,
  delta: 1e-5,
  pastRounds: [],
};

function privacy(secAgg: RoundSecAgg = SEC_AGG, dp: RoundDp = DP): RoundPrivacyIns {
  return { secureAggregation: true, secAgg, selectedSites: 5, minSites: 5, dp };
}

describe(secureDpNoise.name, () => {
  it("splits the noise over the roster and accounts, as the worst case, only the threshold's share", () => {
    const result = secureDpNoise({ privacy: privacy() });
    if (!result?.ok) throw new Error('expected noise');
    const scale = quantisationScale(SEC_AGG);
    const expected = distributedSkellam({
      clip: 3,
      noiseMultiplier: 1,
      scale,
      dimension: DIMENSION,
      noiseShares: 5,
      contributors: 4,
    });
    expect(result.noise).toEqual({ siteMu: expected.siteMu, worstCase: expected.accounting });
    expect(2 * result.noise.siteMu * 5).toBeCloseTo((scale * 3) ** 2, -3);
  });

  it('is undefined for a round without DP or without secure aggregation', () => {
    expect(secureDpNoise({ privacy: { ...privacy(), dp: undefined } })).toBeUndefined();
    expect(secureDpNoise({ privacy: undefined })).toBeUndefined();
  });

  it('refuses (and the site will not join) a plan whose noised sum could wrap around 2^32', () => {
    const tight = { ...SEC_AGG, levelsLog2: 29 };
    const refused = secureDpNoise({ privacy: privacy(tight) });
    expect(refused?.ok).toBe(false);
    expect(refused?.ok === false && refused.message).toMatch(
      /could wrap around 2\^32 with probability up to/,
    );
    const ins = {
      runId: '00000000-0000-4000-8000-000000000001',
      roundId: '00000000-0000-4000-8000-000000000002',
      model: { modelHash: 'bb'.repeat(32) },
      privacy: privacy(tight),
    } as unknown as FitIns;
    const joined = secAggRoundOf(ins, 's0');
    expect(!joined.ok && joined.message).toMatch(
      /^secure aggregation with DP: the masked sum of 5 noised updates/,
    );
  });
});

describe('the site policy under secure aggregation with DP', () => {
  it("computes ε itself as distributed Skellam at the threshold's survivors, above the all-survive ε", () => {
    const cost = roundCost({ privacy: privacy(), roundNumber: 1, recorded: [] });
    const worst = secureDpNoise({ privacy: privacy() });
    if (!worst?.ok) throw new Error('expected noise');
    expect(cost.rounds).toEqual([
      { round: 1, sampleRate: 1, noiseMultiplier: 1, skellam: worst.noise.worstCase },
    ]);
    const gaussian = computeEpsilon({
      steps: [{ sampleRate: 1, noiseMultiplier: 1, count: 1 }],
      delta: 1e-5,
    });
    // 4 of 5 shares of the noise: about the Gaussian's at z·√(4/5).
    expect(cost.epsilon!).toBeGreaterThan(gaussian.epsilon);
    const refusal = policyRefusal({ policy: { maxEpsilon: gaussian.epsilon }, privacy: privacy(), cost });
    expect(refusal?.code).toBe('privacy_budget_exceeded');
  });

  it('ignores a sampling rate the coordinator claims: no amplification under secure aggregation', () => {
    const claimed = roundCost({
      privacy: privacy(SEC_AGG, { ...DP, sampleRate: 0.01 }),
      roundNumber: 1,
      recorded: [],
    });
    const honest = roundCost({ privacy: privacy(), roundNumber: 1, recorded: [] });
    expect(claimed.epsilon).toBe(honest.epsilon);
  });
});

describe(noisedUpdate.name, () => {
  it('weighs the site as every other (maxExamples) and draws integer noise of the share μ', () => {
    const delta = new Float32Array(20_000);
    const update = noisedUpdate({ delta, maxExamples: 1024, siteMu: 5000 });
    expect(update.numExamples).toBe(1024);
    expect(update.groupExamples).toBeUndefined();
    const noise = update.noise!;
    expect(noise).toHaveLength(delta.length);
    let sumSquares = 0;
    for (const x of noise) sumSquares += x * x;
    // Variance 2μ = 10 000: the sample variance of 20 000 draws is within 5 standard errors (≈ 1%).
    expect(Math.abs(sumSquares / noise.length / 10_000 - 1)).toBeLessThan(0.05);
  });
});
