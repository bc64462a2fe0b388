import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../persistence/database.ts';
import type { RunsTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';

export type RunRow = Selectable<RunsTable>;
export type RunState = RunsTable['state'];

/** Training runs: configuration, lifecycle state and the last committed round. */
@Injectable()
export class RunsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async insert(row: RunRow): Promise<void> {
    await this.database.db.insertInto('runs').values(row).execute();
  }

  find(id: string): Promise<RunRow | undefined> {
    return this.database.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(): Promise<RunRow[]> {
    return this.database.db.selectFrom('runs').selectAll().orderBy('created_at', 'desc').execute();
  }

  listInState(state: RunState): Promise<RunRow[]> {
    return this.database.db
      .selectFrom('runs')
      .selectAll()
      .where('state', '=', state)
      .orderBy('created_at')
      .execute();
  }

  /** Moves a run between states only from the given ones: false when it was in another state. */
  async transition(
    id: string,
    change: { from: RunState[]; to: RunState; at: number; failure?: string; config?: string },
  ): Promise<boolean> {
    const set: Partial<RunRow> = { state: change.to };
    // A start writes the model spec agreed with the sites in the same update, so no round sees a draft.
    if (change.config !== undefined) set.config = change.config;
    if (change.to === 'running') set.started_at = change.at;
    if (['stopped', 'completed', 'failed'].includes(change.to)) set.finished_at = change.at;
    if (change.failure !== undefined) set.failure = change.failure;
    const result = await this.database.db
      .updateTable('runs')
      .set(set)
      .where('id', '=', id)
      .where('state', 'in', change.from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
