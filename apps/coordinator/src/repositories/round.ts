import { randomUUID } from 'node:crypto';
import { CancelReason, RoundMetrics, RoundPrivacy, RoundStage } from '@fedfuse/protocol';
import type { Insertable, Selectable, Updateable } from 'kysely';
import { z } from 'zod';
import type { RoundsTable } from '../persistence/schema.ts';
import type { ColumnRef } from './parse-column.ts';
import { CorruptColumnError, parseColumn } from './parse-column.ts';

/** One attempt at a round as the services see it: camelCase, its JSON columns parsed and checked. */
export interface Round {
  id: string;
  runId: string;
  number: number;
  /** Attempt at this round number: a failed round is retried as attempt + 1. */
  attempt: number;
  stage: RoundStage;
  /** Sites asked to train the round. */
  selectedSites: string[];
  /** Sites asked to evaluate the committed model; none before the commit. */
  evaluators: string[];
  /** Hash of the global model the round trains from. */
  globalHash: string;
  /** Hash of the committed model; null before the commit. */
  resultHash: string | null;
  startedAt: number;
  deadlineAt: number;
  evaluationDeadlineAt: number | null;
  finishedAt: number | null;
  /** Pooled metrics, once the round is committed. */
  metrics: RoundMetrics | null;
  failure: string | null;
  /** Why a cancelled round ended; null for any other. */
  cancelReason: CancelReason | null;
  /** Example-weighted mean of the contributors' final-epoch training loss (set at commit). */
  trainingLoss: number | null;
  /** A DP round's parameters, and its ε once committed; null when the run is not private. */
  privacy: RoundPrivacy | null;
}

/** What a caller says about a new round; the rest starts empty (no result, metrics or evaluators yet). */
export type NewRoundArgs = Pick<
  Round,
  'runId' | 'number' | 'attempt' | 'selectedSites' | 'globalHash' | 'startedAt' | 'deadlineAt'
> &
  Partial<Round>;

/** A round in its first stage (`fit`), with a fresh id unless one is given. */
export function newRound(args: NewRoundArgs): Round {
  return {
    id: randomUUID(),
    stage: 'fit',
    evaluators: [],
    resultHash: null,
    evaluationDeadlineAt: null,
    finishedAt: null,
    metrics: null,
    failure: null,
    cancelReason: null,
    trainingLoss: null,
    privacy: null,
    ...args,
  };
}

const SiteIds = z.array(z.string().min(1));

/** A stored word checked against its enum (a plain text column, not JSON). */
function word<TWord extends string>(
  ref: ColumnRef,
  value: string,
  words: z.ZodEnum<Record<TWord, TWord>>,
): TWord {
  const parsed = words.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new CorruptColumnError(ref, `"${value}" is not one of ${words.options.join(', ')}`);
}

/** A stored row as a Round: a corrupt JSON column or an unknown stage or reason names itself. */
export function toRound(row: Selectable<RoundsTable>): Round {
  const where = { table: 'rounds', id: row.id };
  return {
    id: row.id,
    runId: row.run_id,
    number: row.number,
    attempt: row.attempt,
    stage: word({ ...where, column: 'stage' }, row.stage, RoundStage),
    selectedSites: parseColumn({ ...where, column: 'selected_sites' }, row.selected_sites, SiteIds),
    evaluators:
      row.evaluators === null ? [] : parseColumn({ ...where, column: 'evaluators' }, row.evaluators, SiteIds),
    globalHash: row.global_hash,
    resultHash: row.result_hash,
    startedAt: row.started_at,
    deadlineAt: row.deadline_at,
    evaluationDeadlineAt: row.evaluation_deadline_at,
    finishedAt: row.finished_at,
    metrics:
      row.metrics === null ? null : parseColumn({ ...where, column: 'metrics' }, row.metrics, RoundMetrics),
    failure: row.failure,
    cancelReason:
      row.cancel_reason === null
        ? null
        : word({ ...where, column: 'cancel_reason' }, row.cancel_reason, CancelReason),
    trainingLoss: row.training_loss,
    privacy:
      row.privacy === null ? null : parseColumn({ ...where, column: 'privacy' }, row.privacy, RoundPrivacy),
  };
}

/** A Round as a row to insert: JSON columns written as text. */
export function toRoundRow(round: Round): Insertable<RoundsTable> {
  return {
    id: round.id,
    run_id: round.runId,
    number: round.number,
    attempt: round.attempt,
    stage: round.stage,
    selected_sites: JSON.stringify(round.selectedSites),
    evaluators: JSON.stringify(round.evaluators),
    global_hash: round.globalHash,
    result_hash: round.resultHash,
    started_at: round.startedAt,
    deadline_at: round.deadlineAt,
    evaluation_deadline_at: round.evaluationDeadlineAt,
    finished_at: round.finishedAt,
    metrics: round.metrics && JSON.stringify(round.metrics),
    failure: round.failure,
    cancel_reason: round.cancelReason,
    training_loss: round.trainingLoss,
    privacy: round.privacy && JSON.stringify(round.privacy),
  };
}

/** The columns a partial change of a round writes; fields it does not name stay as stored. */
export function toRoundColumns(change: Partial<Omit<Round, 'id'>>): Updateable<RoundsTable> {
  const columns: Updateable<RoundsTable> = {
    run_id: change.runId,
    number: change.number,
    attempt: change.attempt,
    stage: change.stage,
    selected_sites: change.selectedSites && JSON.stringify(change.selectedSites),
    evaluators: change.evaluators && JSON.stringify(change.evaluators),
    global_hash: change.globalHash,
    result_hash: change.resultHash,
    started_at: change.startedAt,
    deadline_at: change.deadlineAt,
    evaluation_deadline_at: change.evaluationDeadlineAt,
    finished_at: change.finishedAt,
    metrics: change.metrics === undefined ? undefined : change.metrics && JSON.stringify(change.metrics),
    failure: change.failure,
    cancel_reason: change.cancelReason,
    training_loss: change.trainingLoss,
    privacy: change.privacy === undefined ? undefined : change.privacy && JSON.stringify(change.privacy),
  };
  // Kysely would write an explicit undefined as NULL in some dialects: leave unnamed columns out.
  return Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
}
