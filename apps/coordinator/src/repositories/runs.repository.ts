import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../persistence/database.ts';
import type { RunsTable } from '../persistence/schema.ts';
import type { ResolvedRunConfig } from '../run-config.ts';
import { RunConfig, RunSchedule } from '@fedfuse/protocol';
import { DATABASE } from '../tokens.ts';
import { parseColumn } from './parse-column.ts';

type RunRow = Selectable<RunsTable>;
export type RunState = RunsTable['state'];

/** A training run as the services see it: camelCase, its JSON columns parsed and checked. */
export interface Run {
  id: string;
  name: string;
  /** Defaults filled in; before the run starts, the model's derivable inputs may still be missing. */
  config: ResolvedRunConfig;
  state: RunState;
  schedule: z.infer<typeof RunSchedule> | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Last committed round (0 before the first). */
  committedRound: number;
  failure: string | null;
}

/** Parsed configs by their stored text: every tick and submission reads the run, the schema check is costly. */
const parsedConfigs = new Map<string, ResolvedRunConfig>();
const MAX_PARSED_CONFIGS = 64;

/** The stored config, passed through the request schema again (every default is already in it). */
function parseConfig(row: RunRow): ResolvedRunConfig {
  const known = parsedConfigs.get(row.config);
  if (known) return known;
  const config = parseColumn({ table: 'runs', id: row.id, column: 'config' }, row.config, RunConfig);
  if (parsedConfigs.size >= MAX_PARSED_CONFIGS) parsedConfigs.delete(parsedConfigs.keys().next().value!);
  parsedConfigs.set(row.config, config as ResolvedRunConfig);
  return config as ResolvedRunConfig;
}

function toRun(row: RunRow): Run {
  const where = { table: 'runs', id: row.id };
  return {
    id: row.id,
    name: row.name,
    config: parseConfig(row),
    state: row.state,
    schedule:
      row.schedule === null ? null : parseColumn({ ...where, column: 'schedule' }, row.schedule, RunSchedule),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    committedRound: row.committed_round,
    failure: row.failure,
  };
}

/** Training runs: configuration, lifecycle state and the last committed round. */
@Injectable()
export class RunsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async insert(run: Run): Promise<void> {
    await this.database.db
      .insertInto('runs')
      .values({
        id: run.id,
        name: run.name,
        config: JSON.stringify(run.config),
        state: run.state,
        schedule: run.schedule === null ? null : JSON.stringify(run.schedule),
        created_at: run.createdAt,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        committed_round: run.committedRound,
        failure: run.failure,
      })
      .execute();
  }

  async find(id: string): Promise<Run | undefined> {
    const row = await this.database.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRun(row);
  }

  async list(): Promise<Run[]> {
    const rows = await this.database.db
      .selectFrom('runs')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toRun);
  }

  async listInState(state: RunState): Promise<Run[]> {
    const rows = await this.database.db
      .selectFrom('runs')
      .selectAll()
      .where('state', '=', state)
      .orderBy('created_at')
      .execute();
    return rows.map(toRun);
  }

  /** Moves a run between states only from the given ones: false when it was in another state. */
  async transition(
    id: string,
    change: { from: RunState[]; to: RunState; at: number; failure?: string; config?: ResolvedRunConfig },
  ): Promise<boolean> {
    const set: Partial<RunRow> = { state: change.to };
    // A start writes the model spec agreed with the sites in the same update, so no round sees a draft.
    if (change.config !== undefined) set.config = JSON.stringify(change.config);
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
