import { z } from 'zod';

import { MAX_RUNS, MAX_SITES } from './limits.ts';
import { Count, EpochMs, Fingerprint, MetricRecord, Name, RoundStage, Uuid, text } from './primitives.ts';
import { RunState, SiteStatus } from './status.ts';

/** One refused update: when, the error code, and the coordinator's reason. */
export const SiteRejection = z.object({ at: EpochMs, code: Name, reason: z.string().max(1000) });
export type SiteRejection = z.infer<typeof SiteRejection>;

/** A site as the operator sees it. */
export const SiteSummary = z.object({
  siteId: Uuid,
  name: text(100),
  status: SiteStatus,
  connected: z.boolean(),
  fingerprint: Fingerprint,
  enrolledAt: EpochMs,
  /** Last accepted message from the site (handshake, report, transfer, submission), to a few seconds. */
  lastSeenAt: EpochMs.nullable(),
  /** Rounds committed with an update from this site. */
  roundsJoined: Count,
  updatesRejected: Count,
  /** The newest refusal and why, so the Sites page explains the count without another request. */
  lastRejection: SiteRejection.nullable(),
});
export type SiteSummary = z.infer<typeof SiteSummary>;

/** When a run starts by itself; null starts by hand. */
export const RunScheduleView = z
  .object({ cron: z.string().min(1).max(200).optional(), intervalSeconds: z.int().min(1).optional() })
  .refine((s) => (s.cron === undefined) !== (s.intervalSeconds === undefined), {
    path: ['cron'],
    message: 'give exactly one of cron or intervalSeconds',
  })
  .nullable();

/** run:updated — a run as the Runs list shows it; broadcast on creation, every state change and commit. */
export const RunSummary = z.object({
  runId: Uuid,
  name: text(200),
  state: RunState,
  strategy: Name,
  fusion: Name,
  /** Empty while a run not started yet leaves its tasks to the sites' data schemas. */
  tasks: z.array(Name).max(64),
  roundsPlanned: z.int().min(1),
  roundsCompleted: Count,
  schedule: RunScheduleView,
  createdAt: EpochMs,
  startedAt: EpochMs.nullable(),
  finishedAt: EpochMs.nullable(),
  failure: z.string().max(2000).nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** round:progressed — how far the current round is. */
export const RoundProgress = z
  .object({
    runId: Uuid,
    roundId: Uuid,
    roundNumber: z.int().min(1),
    stage: RoundStage,
    selected: Count,
    submitted: Count,
    failed: Count,
    startedAt: EpochMs,
    deadline: EpochMs,
  })
  .refine((p) => p.submitted + p.failed <= p.selected, {
    path: ['submitted'],
    message: 'submitted + failed cannot exceed selected',
  });
export type RoundProgress = z.infer<typeof RoundProgress>;

/** federation:synced — everything a dashboard needs to draw itself from scratch. */
export const FederationSnapshot = z.object({
  at: EpochMs,
  protocolVersion: z.int().min(1),
  sites: z.array(SiteSummary).max(MAX_SITES),
  /** The current run (running, else paused, else newest). */
  run: RunSummary.nullable(),
  /** The newest runs, newest first; later changes arrive as run:updated. */
  runs: z.array(RunSummary).max(MAX_RUNS),
  round: RoundProgress.nullable(),
});
export type FederationSnapshot = z.infer<typeof FederationSnapshot>;

/** metrics:recorded — aggregated metrics of one round stage. */
export const RunMetrics = z.object({
  runId: Uuid,
  roundId: Uuid,
  roundNumber: z.int().min(1),
  stage: z.enum(['fit', 'evaluate']),
  at: EpochMs,
  metrics: MetricRecord,
});
export type RunMetrics = z.infer<typeof RunMetrics>;

/** A dashboard asks for a full snapshot (no parameters yet; an object so fields can be added). */
export const SnapshotRequest = z.object({});
export type SnapshotRequest = z.infer<typeof SnapshotRequest>;
