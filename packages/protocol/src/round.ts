import { z } from 'zod';

import { LossTerms } from './loss-terms.ts';
import { GlobalModelRef } from './model-ref.ts';
import { ModelSpec } from './model-spec.ts';
import { FitPrivacy, FitRecordLevel, RecordLevelConfig, RoundPrivacyIns } from './privacy.ts';
import { BoxNonce, EpochMs, MetricRecord, Uuid, namedRecord, text } from './primitives.ts';
import { TransferRef } from './transfer.ts';

/** Local training hyper-parameters for one round. */
export const FitConfig = z.object({
  epochs: z.int().min(1).max(1000),
  batchSize: z.int().min(1).max(65_536),
  learningRate: z.number().positive().max(10),
  /** Probability of keeping each modality when modality dropout is applied (1 = no dropout). */
  modalityKeepProb: z.number().gt(0).max(1),
  /** FedProx proximal term weight μ; 0 is plain FedAvg local training. */
  proximalMu: z.number().min(0).max(1000),
  /** Seed of the site's shuffling, modality dropout and noise: a retried round trains identically. */
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  /** Record-level DP-SGD (the run's privacy.recordLevel); absent: ordinary training. */
  dpSgd: RecordLevelConfig.optional(),
});
export type FitConfig = z.infer<typeof FitConfig>;

/** round:start — the coordinator asks a selected site to train on the global model. */
export const FitIns = z.object({
  runId: Uuid,
  roundId: Uuid,
  roundNumber: z.int().min(1),
  modelSpec: ModelSpec,
  model: GlobalModelRef,
  config: FitConfig,
  deadline: EpochMs,
  /** What the site needs to hold the round to its privacy policy; absent from coordinators older than it. */
  privacy: RoundPrivacyIns.optional(),
});
export type FitIns = z.infer<typeof FitIns>;

/** The sealed delta a site uploaded as chunks, with the box nonce that makes the message key. */
export const SealedDeltaRef = z.object({ transfer: TransferRef, nonce: BoxNonce });
export type SealedDeltaRef = z.infer<typeof SealedDeltaRef>;

/** round:submit — a site's training result; the weights delta itself travels sealed, as chunks. */
export const FitRes = z
  .object({
    runId: Uuid,
    roundId: Uuid,
    delta: SealedDeltaRef,
    numExamples: z.int().positive(),
    /** Examples per parameter group (e.g. per modality encoder) that actually exercised it. */
    groupExamples: namedRecord(z.int().nonnegative()),
    metrics: MetricRecord,
    lossPerEpoch: z.array(z.number()).min(1).max(1000),
    /** The last epoch's loss split into its terms; absent from sites older than this field. */
    lossTerms: LossTerms.optional(),
    /** DP rounds only: whether the site's clipping shrank its delta. */
    privacy: FitPrivacy.optional(),
    /** Record-level runs only: the site's per-patient ε so far. */
    recordLevel: FitRecordLevel.optional(),
  })
  .superRefine((res, ctx) => {
    for (const [group, n] of Object.entries(res.groupExamples)) {
      if (n > res.numExamples) {
        ctx.addIssue({
          code: 'custom',
          path: ['groupExamples', group],
          message: `${n} examples for group "${group}" exceeds numExamples (${res.numExamples})`,
        });
      }
    }
  });
export type FitRes = z.infer<typeof FitRes>;

/** What went wrong at a site that cannot take part in a round. */
export const SiteFailureCode = z.enum([
  'spec_mismatch',
  'training_error',
  'evaluation_error',
  'data_error',
  // A site's own privacy policy (client.yaml `privacy`) refused the round.
  'privacy_budget_exceeded',
  'secure_aggregation_required',
  'too_few_sites',
]);
export type SiteFailureCode = z.infer<typeof SiteFailureCode>;

/**
 * round:failed — a site cannot finish this round's training or evaluation, and says why at once (a code
 * and a message, never data). `retryable: false` when a retry on the same inputs would fail the same way.
 */
export const RoundFailure = z.object({
  runId: Uuid,
  roundId: Uuid,
  stage: z.enum(['fit', 'evaluate']),
  code: SiteFailureCode,
  message: text(500),
  retryable: z.boolean(),
});
export type RoundFailure = z.infer<typeof RoundFailure>;

/** Why the coordinator cancelled a round. */
export const CancelReason = z.enum([
  'deadline',
  'too_few_sites',
  'sites_failed',
  'run_stopped',
  'run_paused',
  'superseded',
  'error',
]);
export type CancelReason = z.infer<typeof CancelReason>;

/** round:cancelled — stop work on this round; results for it will be refused. */
export const RoundCancelled = z.object({
  runId: Uuid,
  roundId: Uuid,
  reason: CancelReason,
  message: text(500),
});
export type RoundCancelled = z.infer<typeof RoundCancelled>;

/** What the coordinator answers to a submission; `messageKey` identifies it for idempotent retries. */
export const SubmitReceipt = z.object({
  roundId: Uuid,
  messageKey: z.string().min(1).max(300),
  acceptedAt: EpochMs,
  /** True when this exact message had been accepted before (a retry), so nothing changed. */
  alreadyAccepted: z.boolean(),
});
export type SubmitReceipt = z.infer<typeof SubmitReceipt>;
