import { Inject, Injectable } from '@nestjs/common';
import { OPEN_ROUND_STAGES } from '@fedfuse/protocol';
import type { Selectable } from 'kysely';
import type { Database } from '../persistence/database.ts';
import type { RejectionsTable, UpdatesTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';
import type { Round } from './round.ts';
import { toRound, toRoundColumns, toRoundRow } from './round.ts';

export type RejectionRow = Selectable<RejectionsTable>;
export type UpdateRow = Selectable<UpdatesTable>;

/** Rounds, the contributions accepted for them, and refused ones. */
@Injectable()
export class RoundsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  /** Inserts a round unless (run, number, attempt) exists: true when this call created it. */
  async insertIfAbsent(round: Round): Promise<boolean> {
    const result = await this.db
      .insertInto('rounds')
      .values(toRoundRow(round))
      .onConflict((oc) => oc.columns(['run_id', 'number', 'attempt']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async find(id: string): Promise<Round | undefined> {
    const row = await this.db.selectFrom('rounds').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRound(row);
  }

  /** The run's open round (fit, aggregating or evaluate): at most one. */
  async findOpen(runId: string): Promise<Round | undefined> {
    const row = await this.db
      .selectFrom('rounds')
      .selectAll()
      .where('run_id', '=', runId)
      .where('stage', 'in', OPEN_ROUND_STAGES)
      .orderBy('number', 'desc')
      .executeTakeFirst();
    return row && toRound(row);
  }

  async listForRun(runId: string): Promise<Round[]> {
    const rows = await this.db
      .selectFrom('rounds')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('number')
      .orderBy('attempt')
      .execute();
    return rows.map(toRound);
  }

  /** Attempts at this round so far; `retriesOnly` leaves out those the operator's pause or stop cancelled. */
  async countAttempts(
    runId: string,
    number: number,
    options: { retriesOnly?: boolean } = {},
  ): Promise<number> {
    let query = this.db
      .selectFrom('rounds')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', runId)
      .where('number', '=', number);
    if (options.retriesOnly)
      query = query.where((eb) =>
        eb.or([
          eb('cancel_reason', 'is', null),
          eb('cancel_reason', 'not in', ['run_paused', 'run_stopped']),
        ]),
      );
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Writes the fields `change` names; the others stay as stored. */
  async update(id: string, change: Partial<Omit<Round, 'id'>>): Promise<void> {
    await this.db.updateTable('rounds').set(toRoundColumns(change)).where('id', '=', id).execute();
  }

  /** The fit updates of every round of a run: what the rounds' training loss was pooled from. */
  fitUpdatesOfRun(runId: string): Promise<Pick<UpdateRow, 'round_id' | 'num_examples' | 'payload'>[]> {
    return this.db
      .selectFrom('updates')
      .innerJoin('rounds', 'rounds.id', 'updates.round_id')
      .select(['updates.round_id', 'updates.num_examples', 'updates.payload'])
      .where('rounds.run_id', '=', runId)
      .where('updates.stage', '=', 'fit')
      .execute();
  }

  updatesFor(roundId: string, stage: UpdateRow['stage']): Promise<UpdateRow[]> {
    return this.db
      .selectFrom('updates')
      .selectAll()
      .where('round_id', '=', roundId)
      .where('stage', '=', stage)
      .orderBy('site_id')
      .execute();
  }

  findUpdateByKey(messageKey: string): Promise<UpdateRow | undefined> {
    return this.db.selectFrom('updates').selectAll().where('message_key', '=', messageKey).executeTakeFirst();
  }

  findUpdate(key: {
    roundId: string;
    siteId: string;
    stage: UpdateRow['stage'];
  }): Promise<UpdateRow | undefined> {
    return this.db
      .selectFrom('updates')
      .selectAll()
      .where('round_id', '=', key.roundId)
      .where('site_id', '=', key.siteId)
      .where('stage', '=', key.stage)
      .executeTakeFirst();
  }

  /** Records a contribution; false if the site already has one for this round and stage (or this message). */
  async insertUpdate(row: Omit<UpdateRow, 'id'>): Promise<boolean> {
    // Either unique key (one per site and stage, one per message key) makes it a duplicate: no conflict target.
    const result = await this.db
      .insertInto('updates')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async reject(row: {
    at: number;
    siteId: string | null;
    roundId: string | null;
    code: string;
    reason: string;
  }): Promise<void> {
    await this.db
      .insertInto('rejections')
      .values({ at: row.at, site_id: row.siteId, round_id: row.roundId, code: row.code, reason: row.reason })
      .execute();
  }

  async countRejections(): Promise<number> {
    const row = await this.db
      .selectFrom('rejections')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The newest rejection of each site that has one (all sites, or the one named). */
  async latestRejections(siteId?: string): Promise<Map<string, RejectionRow>> {
    let newest = this.db
      .selectFrom('rejections')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('site_id', 'is not', null)
      .groupBy('site_id');
    if (siteId) newest = newest.where('site_id', '=', siteId);
    const rows = await this.db.selectFrom('rejections').selectAll().where('id', 'in', newest).execute();
    return new Map(rows.map((r) => [r.site_id!, r]));
  }

  /** Refusals and exclusions recorded against these rounds, oldest first (the round detail's list). */
  async rejectionsOfRounds(roundIds: readonly string[]): Promise<RejectionRow[]> {
    if (roundIds.length === 0) return [];
    return this.db
      .selectFrom('rejections')
      .selectAll()
      .where('round_id', 'in', [...roundIds])
      .orderBy('id')
      .execute();
  }

  /** Whether this site already has a rejection with this code in this round. */
  async hasRejection(o: { roundId: string; siteId: string; code: string }): Promise<boolean> {
    const row = await this.db
      .selectFrom('rejections')
      .select('id')
      .where('round_id', '=', o.roundId)
      .where('site_id', '=', o.siteId)
      .where('code', '=', o.code)
      .executeTakeFirst();
    return row !== undefined;
  }

  rejections(siteId?: string) {
    let query = this.db.selectFrom('rejections').selectAll();
    if (siteId) query = query.where('site_id', '=', siteId);
    return query.orderBy('id', 'desc').limit(200).execute();
  }

  /**
   * The commit point of a round: its checkpoint row, the round's move to evaluation (with its training
   * loss) and the run's committed round, in one transaction, so a crash leaves either all of them or none.
   */
  async commit(commit: {
    round: Round;
    checkpoint: { path: string; sha256: string };
    evaluators: string[];
    evaluationDeadline: number;
    trainingLoss: number | null;
    /** A DP round's parameters with its ε and next clip filled in (committed with the round). */
    privacy?: Round['privacy'];
    at: number;
    /** Sites whose update the norm bound excluded: they did not join the round. */
    excluded?: readonly string[];
  }): Promise<void> {
    const { round, checkpoint, at } = commit;
    // Joins the caller's transaction when there is one (the commit's audit entry goes with it).
    await this.database.transaction(async () => {
      const tx = this.db;
      await tx
        .insertInto('checkpoints')
        .values({
          run_id: round.runId,
          round_number: round.number,
          path: checkpoint.path,
          sha256: checkpoint.sha256,
          created_at: at,
        })
        .execute();
      await tx
        .updateTable('rounds')
        .set(
          toRoundColumns({
            stage: 'evaluate',
            resultHash: checkpoint.sha256,
            evaluators: commit.evaluators,
            evaluationDeadlineAt: commit.evaluationDeadline,
            trainingLoss: commit.trainingLoss,
            privacy: commit.privacy,
          }),
        )
        .where('id', '=', round.id)
        .execute();
      await tx
        .updateTable('runs')
        .set({ committed_round: round.number })
        .where('id', '=', round.runId)
        .execute();
      const contributors = await tx
        .selectFrom('updates')
        .select('site_id')
        .where('round_id', '=', round.id)
        .where('stage', '=', 'fit')
        .execute();
      for (const { site_id } of contributors) {
        if (commit.excluded?.includes(site_id)) continue;
        await tx
          .updateTable('sites')
          .set((eb) => ({ rounds_joined: eb('rounds_joined', '+', 1) }))
          .where('id', '=', site_id)
          .execute();
      }
    });
  }

  checkpoint(runId: string, roundNumber: number) {
    return this.db
      .selectFrom('checkpoints')
      .selectAll()
      .where('run_id', '=', runId)
      .where('round_number', '=', roundNumber)
      .executeTakeFirst();
  }

  checkpoints(runId: string) {
    return this.db
      .selectFrom('checkpoints')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('round_number')
      .execute();
  }
}
