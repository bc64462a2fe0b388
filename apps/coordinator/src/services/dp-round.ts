import type { AccountedRound, DpConfig, RoundPrivacy } from '@fedfuse/protocol';
import { DP_MECHANISM } from '@fedfuse/protocol';
import type { GaussianSteps, SkellamSteps } from '@fedfuse/privacy';
import {
  adaptiveNoiseMultiplier,
  computeEpsilon,
  dpFedAvgNoiseStd,
  gaussianNoise,
  nextAdaptiveClip,
} from '@fedfuse/privacy';

/** δ when the run leaves it out: 1/n^1.1 for n approved sites, below the 1/n that would let one site leak. */
export function defaultDelta(approvedSites: number): number {
  return 1 / Math.max(2, approvedSites) ** 1.1;
}

/** A committed DP round, as the next round's plan reads it. */
export interface CommittedPrivacy {
  number: number;
  privacy: RoundPrivacy;
}

/**
 * A new DP round's parameters: the clip the last committed round chose (adaptive) or the configured one, the
 * run's δ (fixed by its first round), q = selected / approved sites, and the run's past rounds for the sites'
 * own accountants. With adaptive clipping the update's noise is z_Δ > z, so z stays the total (Andrew et al.).
 */
export function planRoundPrivacy(args: {
  dp: DpConfig;
  selected: number;
  approved: number;
  past: readonly CommittedPrivacy[];
}): RoundPrivacy {
  const { dp, past } = args;
  const last = past.at(-1)?.privacy;
  const noiseMultiplier = dp.adaptive
    ? adaptiveNoiseMultiplier({
        noiseMultiplier: dp.noiseMultiplier,
        countNoiseStd: dp.adaptive.countNoiseStd,
      })
    : dp.noiseMultiplier;
  return {
    mechanism: DP_MECHANISM,
    clip: last?.nextClip ?? dp.clip,
    noiseMultiplier,
    accountedNoiseMultiplier: dp.noiseMultiplier,
    sampleRate: Math.min(1, args.selected / Math.max(args.approved, args.selected)),
    delta: past[0]?.privacy.delta ?? dp.delta ?? defaultDelta(args.approved),
    pastRounds: past.map(accounted),
    contributors: [],
    unclippedFraction: null,
    nextClip: null,
    epsilon: null,
  };
}

function accounted({ number, privacy }: CommittedPrivacy): AccountedRound {
  return {
    round: number,
    sampleRate: privacy.sampleRate,
    noiseMultiplier: privacy.accountedNoiseMultiplier,
    ...(privacy.skellam ? { skellam: privacy.skellam } : {}),
  };
}

/**
 * The accountant's steps for a list of rounds: equal (q, z) rounds folded into one entry; a distributed-Skellam
 * round is a Skellam step (its own sensitivities and variance), never a Gaussian one.
 */
export function accountantSteps(rounds: readonly Omit<AccountedRound, 'round'>[]): {
  steps: GaussianSteps[];
  skellam: SkellamSteps[];
} {
  const steps = new Map<string, GaussianSteps>();
  const skellam = new Map<string, SkellamSteps>();
  for (const { sampleRate, noiseMultiplier, skellam: distributed } of rounds) {
    if (distributed) {
      const key = `${distributed.l1Sensitivity} ${distributed.l2Sensitivity} ${distributed.variance}`;
      const step = skellam.get(key);
      if (step) step.count += 1;
      else skellam.set(key, { ...distributed, count: 1 });
      continue;
    }
    const key = `${sampleRate} ${noiseMultiplier}`;
    const step = steps.get(key);
    if (step) step.count += 1;
    else steps.set(key, { sampleRate, noiseMultiplier, count: 1 });
  }
  return { steps: [...steps.values()], skellam: [...skellam.values()] };
}

/**
 * The round's privacy once its updates are in: who was averaged, the noisy unclipped fraction and the next
 * clip (adaptive clipping), and the run's ε after this round.
 */
export function settleRoundPrivacy(args: {
  privacy: RoundPrivacy;
  dp: DpConfig;
  number: number;
  contributors: readonly string[];
  clipped: readonly boolean[];
}): RoundPrivacy {
  const { privacy, dp } = args;
  const m = args.contributors.length;
  let unclippedFraction: number | null = null;
  let nextClip = privacy.clip;
  if (dp.adaptive && m > 0) {
    const unclipped = args.clipped.filter((c) => !c).length;
    unclippedFraction = (unclipped + gaussianNoise(1, dp.adaptive.countNoiseStd)[0]!) / m;
    nextClip = nextAdaptiveClip({
      clip: privacy.clip,
      unclippedFraction,
      targetQuantile: dp.adaptive.targetQuantile,
      learningRate: dp.adaptive.learningRate,
    });
  }
  const rounds = [...privacy.pastRounds, accounted({ number: args.number, privacy })];
  const { epsilon } = computeEpsilon({ ...accountantSteps(rounds), delta: privacy.delta });
  return { ...privacy, contributors: [...args.contributors], unclippedFraction, nextClip, epsilon };
}

/**
 * A distributed-Skellam round once unmasked: the survivors are its contributors, and its accounting counts
 * only their noise (`skellam` for that many contributors), whatever the plan assumed.
 */
export function settleSecureRoundPrivacy(args: {
  privacy: RoundPrivacy;
  number: number;
  survivors: readonly string[];
  skellam: NonNullable<RoundPrivacy['skellam']>;
}): RoundPrivacy {
  const privacy = { ...args.privacy, skellam: args.skellam };
  const rounds = [...privacy.pastRounds, accounted({ number: args.number, privacy })];
  const { epsilon } = computeEpsilon({ ...accountantSteps(rounds), delta: privacy.delta });
  return { ...privacy, contributors: [...args.survivors], nextClip: privacy.clip, epsilon };
}

/**
 * DP-FedAvg's noisy mean, fed one clipped delta at a time (memory O(model)): the uniform mean of the m deltas
 * (each weighs 1, whatever its examples: example weights would let one large site move the mean by more
 * than S/m) plus Gaussian noise of σ = z·S/m per weight, from a CSPRNG.
 */
export class DpFedAvgSum {
  private readonly sum: Float64Array;
  private count = 0;

  constructor(readonly length: number) {
    this.sum = new Float64Array(length);
  }

  add(delta: Float32Array): void {
    if (delta.length !== this.length)
      throw new Error(`DP-FedAvg: a delta has ${delta.length} weights, expected ${this.length}`);
    for (let i = 0; i < delta.length; i++) this.sum[i]! += delta[i]!;
    this.count += 1;
  }

  /** `base` moved by the noisy mean delta. */
  noisyMean(args: { base: Float32Array; clip: number; noiseMultiplier: number }): Float32Array {
    if (this.count === 0) throw new Error('DP-FedAvg: no update to average');
    if (args.base.length !== this.length)
      throw new Error(`DP-FedAvg: the base has ${args.base.length} weights, expected ${this.length}`);
    const sigma = dpFedAvgNoiseStd({
      clip: args.clip,
      noiseMultiplier: args.noiseMultiplier,
      sites: this.count,
    });
    const noise = gaussianNoise(this.length, sigma);
    const out = new Float32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = args.base[i]! + this.sum[i]! / this.count + noise[i]!;
    return out;
  }
}
