import type { RoundStage } from '@fedfuse/protocol';
import type { Generated } from 'kysely';

/** Timestamps are epoch milliseconds; JSON columns hold text so both dialects store them alike. */
export interface SitesTable {
  id: string;
  name: string;
  signing_key: string;
  box_key: string;
  status: 'pending' | 'approved' | 'suspended' | 'revoked';
  enrolled_at: number;
  last_seen_at: number | null;
  backend: string | null;
  software_version: string | null;
  data_summary: string | null;
  /** The site's last reported data schema (JSON SiteDataSchema); null until it reports one. */
  data_schema: string | null;
  rounds_joined: number;
  updates_rejected: number;
}

export interface EnrollmentTokensTable {
  id: string;
  token_hash: string;
  label: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by_site: string | null;
  auto_approve: number;
}

export interface RunsTable {
  id: string;
  name: string;
  config: string;
  state: 'scheduled' | 'running' | 'paused' | 'stopped' | 'completed' | 'failed';
  schedule: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** Last committed round (0 before the first). */
  committed_round: number;
  failure: string | null;
}

export interface RoundsTable {
  id: string;
  run_id: string;
  number: number;
  /** Attempt at this round number: a failed round is retried as attempt + 1. */
  attempt: number;
  /** The protocol's RoundStage word (migration 0006 renamed the column and rewrote the old phase words). */
  stage: RoundStage;
  /** Sites asked to evaluate the committed model (JSON array). */
  evaluators: string | null;
  evaluation_deadline_at: number | null;
  selected_sites: string;
  global_hash: string;
  result_hash: string | null;
  started_at: number;
  deadline_at: number;
  finished_at: number | null;
  metrics: string | null;
  failure: string | null;
  /** The protocol's CancelReason of a cancelled round; null for any other. */
  cancel_reason: string | null;
  /** Example-weighted mean of the contributors' final-epoch training loss (set at commit). */
  training_loss: number | null;
  /** A DP round's parameters and ε (the protocol's RoundPrivacy, JSON); null when the run is not private. */
  privacy: string | null;
}

export interface UpdatesTable {
  id: Generated<number>;
  round_id: string;
  site_id: string;
  /** A contribution, or a site's failure to make one (`payload` then holds code, message, retryable). */
  stage: 'fit' | 'evaluate' | 'fit_failed' | 'evaluate_failed';
  message_key: string;
  num_examples: number;
  payload: string;
  delta_path: string | null;
  received_at: number;
}

export interface RejectionsTable {
  id: Generated<number>;
  at: number;
  site_id: string | null;
  round_id: string | null;
  code: string;
  reason: string;
}

export interface CheckpointsTable {
  run_id: string;
  round_number: number;
  path: string;
  sha256: string;
  created_at: number;
}

export interface AuditTable {
  id: string;
  at: number;
  actor_kind: 'operator' | 'site' | 'system';
  actor_id: string;
  action: string;
  subject: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  details: string | null;
}

export interface Schema {
  sites: SitesTable;
  enrollment_tokens: EnrollmentTokensTable;
  runs: RunsTable;
  rounds: RoundsTable;
  updates: UpdatesTable;
  rejections: RejectionsTable;
  checkpoints: CheckpointsTable;
  audit: AuditTable;
}
