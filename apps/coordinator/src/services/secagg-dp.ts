import type { DpConfig, RoundPrivacy, RoundSecAgg, SkellamAccounting } from '@fedfuse/protocol';
import { DP_SECAGG_MECHANISM } from '@fedfuse/protocol';
import { MAX_WRAP_PROBABILITY, distributedSkellam, sumWrapProbability } from '@fedfuse/privacy';
import { quantisationScale } from '@fedfuse/secagg';

// DP-FedAvg under secure aggregation: the sites add the noise (docs/privacy.md, "with secure aggregation").

/** secagg's default levels; fewer when the noise needs the room. */
const MOST_LEVELS_LOG2 = 22;
/** Below this the rounding (≤ √d on Δ2) would dwarf a useful signal: refuse instead. */
const FEWEST_LEVELS_LOG2 = 8;

/**
 * The quantisation of a DP round's masked sum: coordinates clipped to ±C (an L2-clipped delta lies inside)
 * and the most levels (≤ 2²²) for which the sum of `sites` updates plus every site's noise stays inside the
 * 32-bit field with probability ≥ 1 − MAX_WRAP_PROBABILITY (sumWrapProbability), or why none does.
 */
export function dpQuantisation(args: {
  sites: number;
  clip: number;
  noiseMultiplier: number;
  dimension: number;
}): { ok: true; clip: number; levelsLog2: number } | { ok: false; message: string } {
  const { sites, clip } = args;
  for (let levelsLog2 = MOST_LEVELS_LOG2; levelsLog2 >= FEWEST_LEVELS_LOG2; levelsLog2--) {
    const scale = quantisationScale({ levelsLog2, clip });
    const { siteMu, accounting } = distributedSkellam({
      clip,
      noiseMultiplier: args.noiseMultiplier,
      scale,
      dimension: args.dimension,
      noiseShares: sites,
      contributors: sites,
    });
    const bound = sites * (scale * clip + 1);
    const wrap = sumWrapProbability({ bound, variance: accounting.variance, dimension: args.dimension });
    if (wrap <= MAX_WRAP_PROBABILITY && siteMu <= MAX_SITE_MU) return { ok: true, clip, levelsLog2 };
  }
  return {
    ok: false,
    message: `secureAggregation with privacy.dp: noise multiplier ${args.noiseMultiplier} over ${sites} sites does not fit the 32-bit masked sum at ${FEWEST_LEVELS_LOG2} or more quantisation levels (log2); lower the noise multiplier or the sites per round`,
  };
}

/** skellam()'s largest μ. */
const MAX_SITE_MU = 2 ** 48;

/**
 * The Skellam accounting of a round whose noise `selectedSites` sites share, when `contributors` of them are
 * in the unmasked sum (the threshold when planned: the fewest a round can commit with; the survivors after).
 */
export function roundSkellam(args: {
  dp: Pick<DpConfig, 'clip' | 'noiseMultiplier'>;
  secAgg: Pick<RoundSecAgg, 'clip' | 'levelsLog2' | 'layout'>;
  selectedSites: number;
  contributors: number;
}): SkellamAccounting {
  return distributedSkellam({
    clip: args.dp.clip,
    noiseMultiplier: args.dp.noiseMultiplier,
    scale: quantisationScale(args.secAgg),
    dimension: args.secAgg.layout.length,
    noiseShares: args.selectedSites,
    contributors: args.contributors,
  }).accounting;
}

/**
 * A planned DP round made a distributed-Skellam one: no amplification by sampling is claimed (q = 1), and the
 * accounting assumes the fewest survivors the secure aggregation commits with (its threshold) until it commits.
 */
export function secureRoundPrivacy(privacy: RoundPrivacy, secAgg: RoundSecAgg): RoundPrivacy {
  return {
    ...privacy,
    mechanism: DP_SECAGG_MECHANISM,
    sampleRate: 1,
    skellam: roundSkellam({
      dp: privacy,
      secAgg,
      selectedSites: secAgg.roster.length,
      contributors: secAgg.threshold,
    }),
  };
}
