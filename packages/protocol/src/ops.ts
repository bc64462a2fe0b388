import { z } from 'zod';

import { MAX_SITES } from './limits.ts';
import {
  Count,
  EpochMs,
  Fingerprint,
  MetricRecord,
  Name,
  RoundStage,
  Uuid,
  namedRecord,
  text,
} from './primitives.ts';
import { RunState, SiteStatus } from './status.ts';

/** A site as the operator sees it. */
export const SiteSummary = z.object({
  siteId: Uuid,
  name: text(100),
  status: SiteStatus,
  connected: z.boolean(),
  fingerprint: Fingerprint,
  enrolledAt: EpochMs,
  lastSeenAt: EpochMs.nullable(),
});
export type SiteSummary = z.infer<typeof SiteSummary>;

/** The run the operator is watching. */
export const RunSummary = z.object({
  runId: Uuid,
  name: text(200),
  state: RunState,
  strategy: Name,
  roundsPlanned: z.int().min(1),
  roundsCompleted: Count,
  startedAt: EpochMs.nullable(),
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
  run: RunSummary.nullable(),
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

/** Who did something. */
export const AuditActor = z.object({ kind: z.enum(['operator', 'site', 'system']), id: text(200) });
export type AuditActor = z.infer<typeof AuditActor>;

/** audit:appended — one line of the audit log. */
export const AuditEntry = z.object({
  id: Uuid,
  at: EpochMs,
  actor: AuditActor,
  /** Dotted verb, e.g. `site.approved`, `round.update_rejected`. */
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'expected a dotted action like site.approved'),
  subject: text(200).nullable(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  details: namedRecord(z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** A dashboard asks for a page of audit entries, newest first, before a point in time. */
export const AuditQuery = z.object({ limit: z.int().min(1).max(500), before: EpochMs.nullable() });
export type AuditQuery = z.infer<typeof AuditQuery>;

/** A dashboard asks for a full snapshot (no parameters yet; an object so fields can be added). */
export const SnapshotRequest = z.object({});
export type SnapshotRequest = z.infer<typeof SnapshotRequest>;

/** Audit page. */
export const AuditPage = z.object({ entries: z.array(AuditEntry).max(500), hasMore: z.boolean() });
export type AuditPage = z.infer<typeof AuditPage>;
