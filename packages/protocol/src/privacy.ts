import { z } from 'zod';

import { RoundSecAgg } from './secure-aggregation.ts';

/** The one differentially private mechanism a run offers: DP-FedAvg with Gaussian noise added by the coordinator. */
export const DP_MECHANISM = 'dp-fedavg-gaussian';

/**
 * DP-FedAvg under secure aggregation: each site adds its share of Skellam noise to its quantised update before
 * masking (Agarwal, Kairouz & Liu 2021), so the coordinator only ever unmasks the noised sum and adds none.
 */
export const DP_SECAGG_MECHANISM = 'dp-fedavg-distributed-skellam';

/** The client-level mechanisms a round can use. */
export const CLIENT_LEVEL_MECHANISMS = [DP_MECHANISM, DP_SECAGG_MECHANISM] as const;

/** What adaptive clipping defaults to (Andrew et al. 2021: the median norm, learning rate 0.2). */
export const ADAPTIVE_CLIP_DEFAULTS = { targetQuantile: 0.5, learningRate: 0.2 } as const;

/** Andrew et al. 2021's adaptive clipping: the clip follows a quantile of the sites' update norms. */
export const AdaptiveClipConfig = z.object({
  /** The fraction of sites whose update should fit under the clip unclipped. */
  targetQuantile: z.number().gt(0).lt(1).default(ADAPTIVE_CLIP_DEFAULTS.targetQuantile),
  /** η of the geometric update C ← C·exp(−η(b̃ − γ)). */
  learningRate: z.number().positive().max(10).default(ADAPTIVE_CLIP_DEFAULTS.learningRate),
  /** σ_b of the Gaussian noise on the count of unclipped updates; it costs privacy too (Theorem 1). */
  countNoiseStd: z.number().positive(),
});
export type AdaptiveClipConfig = z.output<typeof AdaptiveClipConfig>;

/** Client-level DP-FedAvg (McMahan et al. 2018): sites clip their delta to `clip`, the coordinator adds noise. */
export const DpConfig = z.object({
  /** S: the bound on the L2 norm of a site's whole delta (the first round's, with adaptive clipping). */
  clip: z.number().positive().max(1e6),
  /** z: the noise on the mean of m clipped updates has σ = z·S/m. */
  noiseMultiplier: z.number().positive().max(1000),
  adaptive: AdaptiveClipConfig.optional(),
  /** δ of the (ε, δ) guarantee; unset: 1/(approved sites)^1.1 when the run starts. */
  delta: z.number().gt(0).lt(1).optional(),
});
export type DpConfig = z.output<typeof DpConfig>;

/** Record-level DP-SGD at each site (Abadi et al. 2016), as a run option: every site trains with it. */
export const RecordLevelConfig = z.strictObject({
  /** C: the bound on the L2 norm of each patient's gradient. */
  clip: z.number().positive().max(1e6),
  /** z: the noise on the sum of a batch's clipped gradients has σ = z·C. */
  noiseMultiplier: z.number().positive().max(1000),
  /** δ of each site's per-patient (ε, δ); unset: 1/(the site's training patients)^1.1, fixed at its first round. */
  delta: z.number().gt(0).lt(1).optional(),
});
export type RecordLevelConfig = z.output<typeof RecordLevelConfig>;

/** The mechanism of record-level DP-SGD, as reports name it. */
export const DP_SGD_MECHANISM = 'dp-sgd-gaussian';

/** What a run's privacy guarantee is made of: client-level, record-level, or both (each accounted apart). */
export const PRIVACY_MECHANISMS = [
  DP_MECHANISM,
  DP_SECAGG_MECHANISM,
  DP_SGD_MECHANISM,
  `${DP_MECHANISM}+${DP_SGD_MECHANISM}`,
  `${DP_SECAGG_MECHANISM}+${DP_SGD_MECHANISM}`,
] as const;
export type PrivacyMechanism = (typeof PRIVACY_MECHANISMS)[number];

/**
 * A run's privacy settings; an empty object is the plain (non-private) run. `dp` (per hospital) and
 * `recordLevel` (per patient at a site) may be combined: each is accounted separately.
 */
export const PrivacyConfig = z.object({ dp: DpConfig.optional(), recordLevel: RecordLevelConfig.optional() });
export type PrivacyConfig = z.output<typeof PrivacyConfig>;

/**
 * A distributed-Skellam round's accounting, in quantised units: the sensitivities of one site's quantised update
 * and the variance of the noise in the unmasked sum (the survivors' shares only).
 */
export const SkellamAccounting = z.object({
  l1Sensitivity: z.number().positive(),
  l2Sensitivity: z.number().positive(),
  variance: z.number().positive(),
});
export type SkellamAccounting = z.infer<typeof SkellamAccounting>;

/**
 * One committed round as the accountant counts it: one step of the sampled Gaussian mechanism, or (with
 * `skellam`) of the distributed Skellam mechanism, accounted without subsampling (q = 1).
 */
export const AccountedRound = z.object({
  round: z.int().min(1),
  /** q: sites selected / approved sites (1 for a Skellam round: no amplification is claimed). */
  sampleRate: z.number().gt(0).max(1),
  /** The effective z (with adaptive clipping, what is left after the count's share). */
  noiseMultiplier: z.number().positive(),
  skellam: SkellamAccounting.optional(),
});
export type AccountedRound = z.infer<typeof AccountedRound>;

/** This round's DP parameters, and the run's past rounds, so a site computes ε itself. */
export const RoundDp = z.object({
  clip: z.number().positive(),
  /** The z the noise is drawn with (what the sites' clipped updates are protected by). */
  noiseMultiplier: z.number().positive(),
  /** The effective z the accountant uses (equals noiseMultiplier without adaptive clipping). */
  accountedNoiseMultiplier: z.number().positive(),
  sampleRate: z.number().gt(0).max(1),
  delta: z.number().gt(0).lt(1),
  /** The run's committed rounds before this one. */
  pastRounds: z.array(AccountedRound).max(10_000),
});
export type RoundDp = z.infer<typeof RoundDp>;

/** What a site is told about a round's privacy, to hold it to its own policy before training. */
export const RoundPrivacyIns = z
  .object({
    /** Whether the round is securely aggregated: then `secAgg` says how, and the site uploads only masked. */
    secureAggregation: z.boolean(),
    /** A securely aggregated round's plan, roster and layout. */
    secAgg: RoundSecAgg.optional(),
    /** Sites selected for the round. */
    selectedSites: z.int().min(1),
    /** The fewest updates the coordinator aggregates a round with (the run's minClients). */
    minSites: z.int().min(1),
    dp: RoundDp.optional(),
  })
  .refine((p) => p.secureAggregation === (p.secAgg !== undefined), {
    message: 'secAgg must be given exactly when secureAggregation is true',
    path: ['secAgg'],
  });
export type RoundPrivacyIns = z.infer<typeof RoundPrivacyIns>;

/**
 * A record-level run: the site's own per-patient ε after this round, from the public parameters, its own
 * training-set size and the epochs it trained in the run (`privacy.json`). The coordinator cannot check it.
 */
export const FitRecordLevel = z.object({
  epsilon: z.number().nonnegative(),
  delta: z.number().gt(0).lt(1),
  /** Epochs of DP-SGD this site trained in the run, this round's included. */
  epochs: z.int().min(1),
});
export type FitRecordLevel = z.infer<typeof FitRecordLevel>;

/** What a site reports about its own update in a DP round: whether clipping shrank it (adaptive clipping's bit). */
export const FitPrivacy = z.object({ clipped: z.boolean() });
export type FitPrivacy = z.infer<typeof FitPrivacy>;

/** A DP round's parameters as the coordinator stores and reports them; the commit fills in the rest. */
export const RoundPrivacy = z.object({
  mechanism: z.enum(CLIENT_LEVEL_MECHANISMS),
  clip: z.number().positive(),
  noiseMultiplier: z.number().positive(),
  accountedNoiseMultiplier: z.number().positive(),
  sampleRate: z.number().gt(0).max(1),
  delta: z.number().gt(0).lt(1),
  pastRounds: z.array(AccountedRound).max(10_000),
  /** The sites whose clipped updates were averaged (m); empty before the commit. */
  contributors: z.array(z.string()),
  /** The noisy fraction of contributors whose update was not clipped (adaptive clipping); null otherwise. */
  unclippedFraction: z.number().nullable(),
  /** The clip the next round uses. */
  nextClip: z.number().positive().nullable(),
  /** The run's ε after this round (every committed round up to it); null before the commit. */
  epsilon: z.number().nonnegative().nullable(),
  /**
   * A distributed-Skellam round's accounting: planned for the fewest survivors it can commit with (the secure
   * aggregation threshold), then the survivors' own once committed.
   */
  skellam: SkellamAccounting.optional(),
});
export type RoundPrivacy = z.infer<typeof RoundPrivacy>;
