// Shapes of the coordinator's REST answers. The dashboard validates them like any other input: a
// coordinator of another version shows a clear message instead of a page that renders garbage.
import { z } from 'zod';
import { LossTerms, ModelSpec, RunSummary, SiteSummary } from '@fedfuse/protocol';

/** What a site reported about its data: patients per modality combination (counts only). */
export const SiteData = z.object({
  combinations: z.record(z.string(), z.number()).default({}),
  trainPatients: z.number().optional(),
  testPatients: z.number().optional(),
});
export type SiteData = z.infer<typeof SiteData>;

/** GET /api/sites: a site with what the operator needs to judge it. */
export const SiteDetail = SiteSummary.extend({
  backend: z.string().nullable(),
  softwareVersion: z.string().nullable(),
  data: SiteData.nullable(),
  roundsJoined: z.number(),
  updatesRejected: z.number(),
});
export type SiteDetail = z.infer<typeof SiteDetail>;

/** GET /api/sites/:id/rejections: one refused update and why. */
export const Rejection = z.object({
  at: z.number(),
  roundId: z.string().nullable(),
  code: z.string(),
  reason: z.string().nullable(),
});
export type Rejection = z.infer<typeof Rejection>;

/** POST /api/tokens: the one-time enrollment token, shown once. */
export const CreatedToken = z.object({
  id: z.string(),
  token: z.string(),
  label: z.string(),
  expiresAt: z.number(),
  autoApprove: z.boolean().optional(),
});
export type CreatedToken = z.infer<typeof CreatedToken>;

/** GET /api/tokens: tokens without their secret. */
export const TokenInfo = z.object({
  id: z.string(),
  label: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  usedAt: z.number().nullable(),
  usedBySite: z.string().nullable(),
  state: z.enum(['open', 'used', 'expired']),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

/** The resolved configuration of a run, as far as the dashboard shows it (unknown fields are kept). */
export const RunConfigView = z.looseObject({
  name: z.string(),
  // A run not started yet may leave its inputs (tasks, widths, modalities) to the sites.
  model: ModelSpec.partial().extend({
    tasks: z.array(z.string()).default([]),
    fusion: z.string(),
    modalities: z.array(z.string()).optional(),
  }),
  strategy: z.looseObject({ name: z.string() }),
  rounds: z.number(),
  minClients: z.number(),
  fraction: z.number().optional(),
  roundTimeoutSeconds: z.number().optional(),
  local: z.looseObject({}).optional(),
  schedule: z.object({ cron: z.string().optional(), intervalSeconds: z.number().optional() }).optional(),
});
export type RunConfigView = z.infer<typeof RunConfigView>;

/** The round with the best pooled validation AUC (GET /api/runs/:id), scored on the test split. */
export const SelectedRound = z.object({
  round: z.number(),
  validationAuc: z.number(),
  testAuc: z.record(z.string(), z.number().nullable()),
});
export type SelectedRound = z.infer<typeof SelectedRound>;

/** GET /api/runs and /api/runs/:id. */
export const RunDetail = RunSummary.extend({
  config: RunConfigView,
  selectedRound: SelectedRound.nullable().optional(),
});
export type RunDetail = z.infer<typeof RunDetail>;

/** Per task, pooled metrics; a NaN on the server (e.g. AUC with one class) arrives as null. */
export const RoundMetrics = z.object({
  tasks: z.record(z.string(), z.record(z.string(), z.number().nullable())).default({}),
  sites: z.array(z.string()).optional(),
});
export type RoundMetrics = z.infer<typeof RoundMetrics>;

/** GET /api/runs/:id/rounds: one attempt at a round. */
export const RoundView = z.object({
  roundId: z.string(),
  number: z.number(),
  attempt: z.number().optional(),
  phase: z.string(),
  sites: z.array(z.string()),
  startedAt: z.number(),
  deadline: z.number().nullable().optional(),
  finishedAt: z.number().nullable(),
  modelHash: z.string().nullable().optional(),
  metrics: RoundMetrics.nullable(),
  /** Example-weighted mean of the sites' final-epoch training loss; null before the commit. */
  trainingLoss: z.number().nullable().optional(),
  /** The same loss in its terms (task loss, then the regularisers); null from sites older than the terms. */
  trainingLossTerms: LossTerms.nullable().optional(),
  failure: z.string().nullable(),
  /** Sites that said why they could not train or evaluate this round. */
  siteFailures: z
    .array(
      z.object({
        siteId: z.string(),
        siteName: z.string(),
        stage: z.string(),
        code: z.string(),
        message: z.string(),
        retryable: z.boolean(),
      }),
    )
    .optional(),
  /** Updates and evaluations refused or excluded in this round (norm bound, bad counts or metrics). */
  rejections: z
    .array(z.object({ siteId: z.string().nullable(), code: z.string(), reason: z.string() }))
    .optional(),
});
export type RoundView = z.infer<typeof RoundView>;

/** GET /api/runs/:id/checkpoints. */
export const Checkpoint = z.object({ round: z.number(), sha256: z.string(), createdAt: z.number() });
export type Checkpoint = z.infer<typeof Checkpoint>;

export const SiteList = z.array(SiteDetail);
export const RejectionList = z.array(Rejection);
export const TokenList = z.array(TokenInfo);
export const RunList = z.array(RunDetail);
export const RoundList = z.array(RoundView);
export const CheckpointList = z.array(Checkpoint);

/** GET /api/federation/model-spec: the model inputs the approved sites' data schemas give, or why they disagree. */
export const DerivedModelSpec = z.object({
  ok: z.boolean(),
  inputs: z
    .object({
      modalities: z.array(z.string()),
      tasks: z.array(z.string()),
      ehrDim: z.number(),
      genomicsDim: z.number(),
      imageShape: z.array(z.number()),
    })
    .nullable(),
  problems: z.array(z.string()),
  sites: z.array(z.looseObject({ id: z.string(), name: z.string() })),
  unreported: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type DerivedModelSpec = z.infer<typeof DerivedModelSpec>;
