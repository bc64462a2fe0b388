import { z } from 'zod';

import { label } from '../display-text.ts';
import { ModelSpec, STRATEGIES } from '../model-spec.ts';
import { PrivacyConfig } from '../privacy.ts';
import { RUN_DEFAULTS } from '../run-defaults.ts';
import { SecureAggregationConfig } from '../secure-aggregation.ts';

/** Strategy and its hyper-parameters; unset ones take Flower's defaults. */
export const StrategyConfig = z.object({
  name: z.enum(STRATEGIES).default(RUN_DEFAULTS.strategy),
  serverLearningRate: z.number().positive().optional(),
  beta1: z.number().min(0).max(1).optional(),
  beta2: z.number().min(0).max(1).optional(),
  tau: z.number().positive().optional(),
  momentum: z.number().min(0).max(1).optional(),
  trimBeta: z.number().min(0).max(0.5).optional(),
  numMalicious: z.int().min(0).optional(),
  numToKeep: z.int().min(0).optional(),
});
export type StrategyConfig = z.infer<typeof StrategyConfig>;

/** Local training settings sent to every selected site. */
export const LocalTraining = z.object({
  epochs: z.int().min(1).max(1000).default(RUN_DEFAULTS.epochs),
  batchSize: z.int().min(1).max(65_536).default(RUN_DEFAULTS.batchSize),
  learningRate: z.number().positive().max(10).default(RUN_DEFAULTS.learningRate),
  modalityKeepProb: z.number().gt(0).max(1).default(RUN_DEFAULTS.modalityKeepProb),
  proximalMu: z.number().min(0).max(1000).default(RUN_DEFAULTS.proximalMu),
});
export type LocalTraining = z.infer<typeof LocalTraining>;

/** When a run starts by itself: a cron expression or a fixed interval. */
export const RunSchedule = z
  .object({ cron: z.string().min(1).max(200).optional(), intervalSeconds: z.int().min(1).optional() })
  .refine(
    (s) => (s.cron === undefined) !== (s.intervalSeconds === undefined),
    'give exactly one of cron or intervalSeconds',
  );
export type RunSchedule = z.infer<typeof RunSchedule>;

/** The operator's model spec: every field optional; the inputs left out are derived from the sites. */
export const ModelRequest = ModelSpec.partial().extend({
  modalities: ModelSpec.shape.modalities.unwrap().optional(),
});

/**
 * What the operator sends to create a run (`POST /api/runs`), with the one set of run defaults: the
 * coordinator, the dashboard's new-run form and the simulator all parse with it.
 */
export const RunConfig = z.object({
  name: label(200),
  model: ModelRequest.default({}),
  strategy: StrategyConfig.default({ name: RUN_DEFAULTS.strategy }),
  rounds: z.int().min(1).max(10_000).default(RUN_DEFAULTS.rounds),
  minClients: z.int().min(1).default(RUN_DEFAULTS.minClients),
  minAvailableClients: z.int().min(1).optional(),
  fraction: z.number().min(0).max(1).default(RUN_DEFAULTS.fraction),
  roundTimeoutSeconds: z.int().min(1).max(86_400).default(RUN_DEFAULTS.roundTimeoutSeconds),
  evaluationTimeoutSeconds: z.int().min(1).max(86_400).default(RUN_DEFAULTS.evaluationTimeoutSeconds),
  local: LocalTraining.prefault({}),
  /** A fixed bound on the L2 norm of a site's delta, checked as it arrives; larger updates are refused. */
  maxUpdateNorm: z.number().positive().optional(),
  /**
   * F3: `adaptive` (default) excludes an update whose delta norm exceeds 5 × the round's median delta norm
   * (3 or more updates); `off` aggregates whatever passes the other checks. docs/strategies.md says when.
   */
  updateNormBound: z.enum(['adaptive', 'off']).default('adaptive'),
  histogramBins: z.int().min(2).max(1000).default(RUN_DEFAULTS.histogramBins),
  /** Early stopping: end the run once this many rounds pass without a better validation AUC (unset: off). */
  patience: z.int().min(1).max(10_000).optional(),
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(RUN_DEFAULTS.seed),
  schedule: RunSchedule.optional(),
  /** Differential privacy (docs/privacy.md); left out, the run is not private beyond sealing. */
  privacy: PrivacyConfig.default({}),
  /** Secure aggregation (docs/secure-aggregation.md); left out, the coordinator sees each site's update. */
  secureAggregation: SecureAggregationConfig.optional(),
});
/** A run request as sent: every defaulted field may be left out. */
export type RunConfigInput = z.input<typeof RunConfig>;
export type RunConfig = z.output<typeof RunConfig>;

/** A stored model: the architecture filled in, the inputs still to be derived possibly absent. */
export const ModelDraftView = ModelSpec.partial({
  modalities: true,
  tasks: true,
  ehrDim: true,
  genomicsDim: true,
  imageShape: true,
});

/** A created run's configuration as the coordinator answers it: every default already filled in. */
export const StoredRunConfig = RunConfig.required({
  model: true,
  rounds: true,
  minClients: true,
  fraction: true,
  roundTimeoutSeconds: true,
  evaluationTimeoutSeconds: true,
  updateNormBound: true,
  histogramBins: true,
  seed: true,
  privacy: true,
}).extend({
  model: ModelDraftView,
  strategy: StrategyConfig.required({ name: true }),
  local: LocalTraining.required(),
});
export type StoredRunConfig = z.output<typeof StoredRunConfig>;

/** Strategies that aggregate the sites' individual updates, which DP-FedAvg's bounded mean cannot noise. */
const NEEDS_INDIVIDUAL_UPDATES: readonly string[] = ['fedmedian', 'trimmedmean', 'krum'];

/**
 * Why a run's privacy settings cannot go with its strategy, or undefined. DP-FedAvg bounds each site's share
 * of a uniform mean (S/m) and noises that mean; median, trimmed mean and Krum pick or drop individual
 * updates, so one site's change moves the result by more than S/m and the noise would not cover it.
 */
export function privacyConflict(config: Pick<RunConfig, 'strategy' | 'privacy'>): string | undefined {
  const dp = config.privacy.dp;
  if (dp === undefined) return;
  // Andrew et al.'s split of z between the update and the count needs 2σ_b > z.
  if (dp.adaptive && dp.adaptive.countNoiseStd <= dp.noiseMultiplier / 2)
    return `privacy.dp.adaptive.countNoiseStd (${dp.adaptive.countNoiseStd}) must exceed noiseMultiplier / 2 (${dp.noiseMultiplier / 2}): the count of unclipped updates would spend the whole budget`;
  if (!NEEDS_INDIVIDUAL_UPDATES.includes(config.strategy.name)) return;
  return `privacy.dp cannot be used with strategy ${config.strategy.name}: it selects or drops individual updates, so one site's influence is not bounded by clip/sites and the noise would not cover it; use fedavg, fedprox or a server optimizer (fedadam, fedyogi, fedadagrad, fedavgm)`;
}
