import type { FitIns, SkellamAccounting } from '@fedfuse/protocol';
import { MAX_WRAP_PROBABILITY, distributedSkellam, skellam, sumWrapProbability } from '@fedfuse/privacy';
import type { SiteUpdate } from '@fedfuse/secagg';
import { quantisationScale } from '@fedfuse/secagg';

/** This site's share of a securely aggregated DP round's noise, computed here from the instruction alone. */
export interface SecureDpNoise {
  /** μ of the Poisson(μ) − Poisson(μ) noise this site adds to each quantised weight. */
  siteMu: number;
  /** The round's accounting when only the threshold's worth of sites survive: the worst case a site cannot rule out. */
  worstCase: SkellamAccounting;
}

/**
 * The distributed-Skellam noise of a DP round under secure aggregation (undefined for any other round), or why
 * the site refuses it: a plan whose 32-bit sum could wrap with probability above MAX_WRAP_PROBABILITY.
 */
export function secureDpNoise(
  ins: Pick<FitIns, 'privacy'>,
): { ok: true; noise: SecureDpNoise } | { ok: false; message: string } | undefined {
  const dp = ins.privacy?.dp;
  const secAgg = ins.privacy?.secAgg;
  if (!dp || !secAgg) return undefined;
  const sites = secAgg.roster.length;
  const scale = quantisationScale(secAgg);
  const round = {
    clip: dp.clip,
    noiseMultiplier: dp.noiseMultiplier,
    scale,
    dimension: secAgg.layout.length,
    noiseShares: sites,
  };
  const all = distributedSkellam({ ...round, contributors: sites });
  // Each coordinate is within ±min(C, coordinate clip) before rounding, which adds at most 1.
  const bound = sites * (scale * Math.min(dp.clip, secAgg.clip) + 1);
  const wrap = sumWrapProbability({ bound, variance: all.accounting.variance, dimension: round.dimension });
  if (wrap > MAX_WRAP_PROBABILITY)
    return {
      ok: false,
      message: `the masked sum of ${sites} noised updates could wrap around 2^32 with probability up to ${wrap.toExponential(2)} (levelsLog2 ${secAgg.levelsLog2}), above ${MAX_WRAP_PROBABILITY}`,
    };
  const worstCase = distributedSkellam({ ...round, contributors: Math.min(secAgg.threshold, sites) });
  return { ok: true, noise: { siteMu: all.siteMu, worstCase: worstCase.accounting } };
}

/**
 * What a DP site hands secure aggregation: its clipped delta with equal weight (every group counts the plan's
 * maxExamples, as DP-FedAvg weighs every site 1) and its Skellam noise drawn from the CSPRNG.
 */
export function noisedUpdate(args: { delta: Float32Array; maxExamples: number; siteMu: number }): SiteUpdate {
  return {
    weights: args.delta,
    numExamples: args.maxExamples,
    noise: skellam(args.delta.length, args.siteMu),
  };
}
