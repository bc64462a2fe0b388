import { describe, expect, it } from 'vitest';
import type { DpConfig } from '@fedfuse/protocol';
import { computeEpsilon } from '@fedfuse/privacy';
import {
  DpFedAvgSum,
  accountantSteps,
  defaultDelta,
  planRoundPrivacy,
  settleRoundPrivacy,
} from './dp-round.ts';

const FIXED: DpConfig = { clip: 2, noiseMultiplier: 1.1 };
const ADAPTIVE: DpConfig = {
  clip: 2,
  noiseMultiplier: 1.1,
  adaptive: { targetQuantile: 0.5, learningRate: 0.2, countNoiseStd: 5 },
};

describe(DpFedAvgSum.name, () => {
  it('averages the deltas uniformly, whatever their example counts, and moves the base by that mean', () => {
    // Prepare: three deltas; noise std 1e-9 keeps the mean visible.
    const sum = new DpFedAvgSum(3);
    sum.add(Float32Array.of(3, 0, -3));
    sum.add(Float32Array.of(0, 6, 0));
    sum.add(Float32Array.of(0, 0, 0));
    // Execute
    const out = sum.noisyMean({ base: Float32Array.of(1, 1, 1), clip: 1e-9, noiseMultiplier: 1 });
    // Assert: base + (sum / 3)
    expect(out[0]).toBeCloseTo(2, 6);
    expect(out[1]).toBeCloseTo(3, 6);
    expect(out[2]).toBeCloseTo(0, 6);
  });

  it('adds noise of std z·S/m to the mean, measured on 200 000 coordinates', () => {
    const length = 200_000;
    const m = 4;
    const sum = new DpFedAvgSum(length);
    for (let k = 0; k < m; k++) sum.add(new Float32Array(length));
    const out = sum.noisyMean({ base: new Float32Array(length), clip: 3, noiseMultiplier: 2 });
    const expected = (2 * 3) / m;
    let mean = 0;
    for (const v of out) mean += v;
    mean /= length;
    let variance = 0;
    for (const v of out) variance += (v - mean) ** 2;
    const std = Math.sqrt(variance / (length - 1));
    // Standard errors: mean σ/√n ≈ 0.0034, std σ/√(2n) ≈ 0.0024; bounds are several of them.
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(std).toBeGreaterThan(expected * 0.99);
    expect(std).toBeLessThan(expected * 1.01);
  });

  it('refuses a delta of another length and a mean of nothing', () => {
    const sum = new DpFedAvgSum(2);
    expect(() => sum.add(new Float32Array(3))).toThrow('3 weights, expected 2');
    expect(() => sum.noisyMean({ base: new Float32Array(2), clip: 1, noiseMultiplier: 1 })).toThrow(
      'no update',
    );
  });
});

describe(planRoundPrivacy.name, () => {
  it('starts from the configured clip, q = selected / approved and δ = 1/n^1.1', () => {
    const plan = planRoundPrivacy({ dp: FIXED, selected: 5, approved: 10, past: [] });
    expect(plan).toMatchObject({
      clip: 2,
      noiseMultiplier: 1.1,
      accountedNoiseMultiplier: 1.1,
      sampleRate: 0.5,
    });
    expect(plan.delta).toBeCloseTo(1 / 10 ** 1.1, 12);
    expect(plan.pastRounds).toEqual([]);
    expect(plan.epsilon).toBeNull();
  });

  it('keeps the first round δ and takes the last committed round clip and history', () => {
    const first = settleRoundPrivacy({
      privacy: planRoundPrivacy({ dp: { ...FIXED, delta: 1e-5 }, selected: 3, approved: 3, past: [] }),
      dp: FIXED,
      number: 1,
      contributors: ['a', 'b', 'c'],
      clipped: [true, true, false],
    });
    const second = planRoundPrivacy({
      dp: FIXED,
      selected: 3,
      approved: 7,
      past: [{ number: 1, privacy: first }],
    });
    expect(second.delta).toBe(1e-5);
    expect(second.clip).toBe(first.nextClip);
    expect(second.pastRounds).toEqual([{ round: 1, sampleRate: 1, noiseMultiplier: 1.1 }]);
  });

  it('draws the update noise with z_Δ > z under adaptive clipping and accounts z', () => {
    const plan = planRoundPrivacy({ dp: ADAPTIVE, selected: 3, approved: 3, past: [] });
    // z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (Andrew et al., Theorem 1)
    expect(plan.noiseMultiplier).toBeCloseTo((1.1 ** -2 - 10 ** -2) ** -0.5, 9);
    expect(plan.accountedNoiseMultiplier).toBe(1.1);
  });

  it('states δ for one site below 1', () => {
    expect(defaultDelta(1)).toBeLessThan(1);
    expect(defaultDelta(100)).toBeCloseTo(100 ** -1.1, 12);
  });
});

describe(settleRoundPrivacy.name, () => {
  it('reports the accountant ε over every committed round so far', () => {
    const privacy = planRoundPrivacy({ dp: { ...FIXED, delta: 1e-5 }, selected: 2, approved: 4, past: [] });
    const withHistory = { ...privacy, pastRounds: [{ round: 1, sampleRate: 0.5, noiseMultiplier: 1.1 }] };
    const settled = settleRoundPrivacy({
      privacy: withHistory,
      dp: FIXED,
      number: 2,
      contributors: ['a', 'b'],
      clipped: [true, true],
    });
    const expected = computeEpsilon({
      steps: [{ sampleRate: 0.5, noiseMultiplier: 1.1, count: 2 }],
      delta: 1e-5,
    });
    expect(settled.epsilon).toBeCloseTo(expected.epsilon, 12);
    expect(settled.contributors).toEqual(['a', 'b']);
    // A fixed clip stays.
    expect(settled.nextClip).toBe(2);
    expect(settled.unclippedFraction).toBeNull();
  });

  it('grows the clip when every update was clipped and shrinks it when none was', () => {
    const privacy = planRoundPrivacy({ dp: ADAPTIVE, selected: 200, approved: 200, past: [] });
    const sites = Array.from({ length: 200 }, (_, i) => `s${i}`);
    const settle = (clipped: boolean) =>
      settleRoundPrivacy({
        privacy,
        dp: ADAPTIVE,
        number: 1,
        contributors: sites,
        clipped: sites.map(() => clipped),
      });
    const allClipped = settle(true);
    const noneClipped = settle(false);
    // b̃ = 0 or 1, ± 5/200 of count noise (4σ = 0.1): C·exp(−0.2·(b̃ − 0.5)).
    expect(allClipped.nextClip!).toBeGreaterThan(2 * Math.exp(0.2 * 0.4));
    expect(allClipped.nextClip!).toBeLessThan(2 * Math.exp(0.2 * 0.6));
    expect(noneClipped.nextClip!).toBeGreaterThan(2 * Math.exp(-0.2 * 0.6));
    expect(noneClipped.nextClip!).toBeLessThan(2 * Math.exp(-0.2 * 0.4));
    expect(noneClipped.unclippedFraction!).toBeGreaterThan(0.9);
  });
});

describe(accountantSteps.name, () => {
  it('folds rounds of equal (q, z) into one step with their count', () => {
    const steps = accountantSteps([
      { sampleRate: 0.5, noiseMultiplier: 1 },
      { sampleRate: 1, noiseMultiplier: 1 },
      { sampleRate: 0.5, noiseMultiplier: 1 },
    ]);
    expect(steps).toEqual({
      steps: [
        { sampleRate: 0.5, noiseMultiplier: 1, count: 2 },
        { sampleRate: 1, noiseMultiplier: 1, count: 1 },
      ],
      skellam: [],
    });
  });

  it('counts a distributed-Skellam round as a Skellam step, never a Gaussian one', () => {
    const skellam = { l1Sensitivity: 9, l2Sensitivity: 3, variance: 40 };
    const { steps, skellam: distributed } = accountantSteps([
      { sampleRate: 1, noiseMultiplier: 1, skellam },
      { sampleRate: 1, noiseMultiplier: 1 },
      { sampleRate: 1, noiseMultiplier: 1, skellam },
    ]);
    expect(steps).toEqual([{ sampleRate: 1, noiseMultiplier: 1, count: 1 }]);
    expect(distributed).toEqual([{ ...skellam, count: 2 }]);
  });
});
