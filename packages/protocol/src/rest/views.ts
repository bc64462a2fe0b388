// The coordinator's operator REST answers. The controllers declare them as their return types, and the
// dashboard and the simulator parse with them: one shape, checked by the compiler on both sides.
import { z } from 'zod';

import { LossTerms } from '../loss-terms.ts';
import { RunSummary, SiteSummary } from '../ops.ts';
import { Count, EpochMs, Name, RoundStage, Sha256Hex, Uuid } from '../primitives.ts';
import { FitRecordLevel, PRIVACY_MECHANISMS, RoundPrivacy } from '../privacy.ts';
import { SiteFailureCode } from '../round.ts';
import { SiteDataSchema } from '../site-schema.ts';
import { StoredRunConfig } from './run-config.ts';

/** GET /healthz. */
export const Health = z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) });
export type Health = z.infer<typeof Health>;

/** What a site reported about its data: patients per modality combination (counts only). */
export const SiteData = z.object({
  combinations: z.record(z.string(), Count),
  trainPatients: Count,
  testPatients: Count,
});
export type SiteData = z.infer<typeof SiteData>;

/** GET /api/sites: a site with what the operator needs to judge it (null: not reported yet). */
export const SiteDetail = SiteSummary.extend({
  backend: z.string().nullable(),
  softwareVersion: z.string().nullable(),
  data: SiteData.nullable(),
  schema: SiteDataSchema.nullable(),
});
export type SiteDetail = z.infer<typeof SiteDetail>;

/** GET /api/sites/:id/rejections: one refused update and why. */
export const Rejection = z.object({
  at: EpochMs,
  roundId: Uuid.nullable(),
  code: z.string(),
  reason: z.string(),
});
export type Rejection = z.infer<typeof Rejection>;

/** POST /api/tokens: the one-time enrollment token, shown once. */
export const CreatedToken = z.object({
  id: Uuid,
  token: z.string(),
  label: z.string(),
  expiresAt: EpochMs,
  autoApprove: z.boolean(),
});
export type CreatedToken = z.infer<typeof CreatedToken>;

/** GET /api/tokens: tokens without their secret. */
export const TokenInfo = z.object({
  id: Uuid,
  label: z.string(),
  createdAt: EpochMs,
  expiresAt: EpochMs,
  usedAt: EpochMs.nullable(),
  usedBySite: Uuid.nullable(),
  state: z.enum(['open', 'used', 'expired']),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

/** The round with the best pooled validation AUC, scored on the test split (NaN arrives as null). */
export const SelectedRound = z.object({
  round: z.int().min(1),
  validationAuc: z.number(),
  testAuc: z.record(z.string(), z.number().nullable()),
});
export type SelectedRound = z.infer<typeof SelectedRound>;

/** GET /api/runs, POST /api/runs and the run actions: a run with its stored configuration. */
export const RunView = RunSummary.extend({ config: StoredRunConfig });
export type RunView = z.infer<typeof RunView>;

/**
 * One site's share of a DP run: the client-level ε of the committed rounds its update was averaged into
 * (null without `dp`), and its own per-patient ε under record-level DP-SGD (null without `recordLevel`).
 */
export const SitePrivacy = z.object({
  siteId: Uuid,
  siteName: z.string(),
  epsilon: z.number().nullable(),
  rounds: Count,
  /** The largest ε this site reported in the run's fit results (each is its run total so far). */
  recordLevel: FitRecordLevel.nullable(),
});
export type SitePrivacy = z.infer<typeof SitePrivacy>;

/**
 * A run's privacy, filled for every run: whether its rounds are securely aggregated and, for a DP run, its
 * guarantee so far: the client-level (ε, δ) over its committed rounds (ε 0 and δ null before the first; both
 * null without `dp`); record-level ε is per site, in `sites`. `rounds` counts committed DP rounds.
 */
export const RunPrivacy = z.object({
  /** The differential privacy mechanism; null: the run has no differential privacy. */
  mechanism: z.enum(PRIVACY_MECHANISMS).nullable(),
  secureAggregation: z.boolean(),
  epsilon: z.number().nonnegative().nullable(),
  delta: z.number().nullable(),
  rounds: Count,
  sites: z.array(SitePrivacy),
});
export type RunPrivacy = z.infer<typeof RunPrivacy>;

/**
 * GET /api/runs/:id: the run, the model to use (null before a round has a validation AUC), its last round,
 * and its privacy (secure aggregation, and the DP guarantee of a DP run).
 */
export const RunDetail = RunView.extend({
  selectedRound: SelectedRound.nullable(),
  lastRound: Count,
  privacy: RunPrivacy,
});
export type RunDetail = z.infer<typeof RunDetail>;

/** Pooled metrics of one task in a round: the pooled AUC, examples, and means of the sites' metrics. */
export const PooledTask = z
  .object({ auc: z.number().nullable(), numExamples: Count })
  .catchall(z.number().nullable());
export type PooledTask = z.infer<typeof PooledTask>;

/** A done round's pooled metrics on the test split and, when sites sent them, on validation. */
export const RoundMetrics = z.object({
  tasks: z.record(z.string(), PooledTask),
  /** Pooled over the sites' validation splits: what the coordinator selects the best round on. */
  validation: z.record(z.string(), PooledTask).optional(),
  sites: z.array(z.string()),
});
export type RoundMetrics = z.infer<typeof RoundMetrics>;

/** A site that said why it could not train or evaluate a round. */
export const RoundSiteFailure = z.object({
  siteId: Uuid,
  siteName: z.string(),
  stage: z.enum(['fit', 'evaluate']),
  code: SiteFailureCode,
  message: z.string(),
  retryable: z.boolean(),
  at: EpochMs,
});
export type RoundSiteFailure = z.infer<typeof RoundSiteFailure>;

/** An update or evaluation refused or excluded in a round (norm bound, bad counts or metrics). */
export const RoundRejection = z.object({
  at: EpochMs,
  siteId: Uuid.nullable(),
  code: z.string(),
  reason: z.string(),
});
export type RoundRejection = z.infer<typeof RoundRejection>;

/** GET /api/runs/:id/rounds: one attempt at a round. */
export const RoundView = z.object({
  roundId: Uuid,
  number: z.int().min(1),
  attempt: Count,
  /** Where the attempt is; a cancelled one's `failure` says why. */
  stage: RoundStage,
  sites: z.array(Uuid),
  startedAt: EpochMs,
  deadline: EpochMs,
  finishedAt: EpochMs.nullable(),
  modelHash: Sha256Hex.nullable(),
  metrics: RoundMetrics.nullable(),
  /** Example-weighted mean of the sites' final-epoch training loss; null before the commit. */
  trainingLoss: z.number().nullable(),
  /** The same loss in its terms (task loss, then the regularisers); null from sites older than the terms. */
  trainingLossTerms: LossTerms.nullable(),
  failure: z.string().nullable(),
  /** A DP round's clip, noise multiplier, sample rate, δ and (once committed) the run's ε; null otherwise. */
  privacy: RoundPrivacy.omit({ pastRounds: true }).nullable(),
  siteFailures: z.array(RoundSiteFailure),
  rejections: z.array(RoundRejection),
});
export type RoundView = z.infer<typeof RoundView>;

/** GET /api/runs/:id/checkpoints: one committed checkpoint. */
export const Checkpoint = z.object({ round: z.int().min(1), sha256: Sha256Hex, createdAt: EpochMs });
export type Checkpoint = z.infer<typeof Checkpoint>;

/** The model inputs the approved sites' data schemas give. */
export const DerivedInputs = z.object({
  modalities: z.array(z.string()),
  tasks: z.array(Name),
  ehrDim: z.int(),
  genomicsDim: z.int(),
  imageShape: z.array(z.int()),
});

/** GET /api/federation/model-spec: the inputs a run that leaves them out would get, or why the sites disagree. */
export const DerivedModelSpec = z.object({
  ok: z.boolean(),
  inputs: DerivedInputs.nullable(),
  problems: z.array(z.string()),
  sites: z.array(z.object({ id: Uuid, name: z.string(), schema: SiteDataSchema })),
  unreported: z.array(z.object({ id: Uuid, name: z.string() })),
  /** How a run with the default encoder would read its texture energies (null: no imaging in the model). */
  texture: z.string().nullable(),
});
export type DerivedModelSpec = z.infer<typeof DerivedModelSpec>;
