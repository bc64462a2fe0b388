import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgres, postgresAvailable } from '../testing/postgres.ts';
import { openDatabase } from './database.ts';
import { migrationProvider } from './migrations.ts';
import type { RoundsTable, Schema } from './schema.ts';

/** The tables as the first release made them: rounds said `phase`, in the old words. */
type ReleaseOneSchema = Omit<Schema, 'rounds'> & { rounds: Omit<RoundsTable, 'stage'> & { phase: string } };

describe('openDatabase', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedfuse-db-'));
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => Promise.all(closers.map((c) => c())));

  it('creates the SQLite file with every table, and reopening it migrates nothing twice', async () => {
    const path = join(dir, 'coordinator.sqlite');
    const first = await openDatabase({ sqlitePath: path });
    await first.db
      .insertInto('audit')
      .values({
        id: 'a',
        at: 1,
        actor_kind: 'operator',
        actor_id: 'op',
        action: 'test.done',
        subject: null,
        outcome: 'ok',
        details: null,
      })
      .execute();
    await first.close();
    const second = await openDatabase({ sqlitePath: path });
    closers.push(() => second.close());
    const rows = await second.db.selectFrom('audit').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_kind: 'operator', action: 'test.done', at: 1 });
  });

  it('upgrades a database made by the first release: its rounds gain an empty training loss', async () => {
    const path = join(dir, 'release-1.sqlite');
    const old = new Kysely<ReleaseOneSchema>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    const migrated = await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo(
      '0001_initial',
    );
    expect(migrated.error).toBeUndefined();
    await old
      .insertInto('runs')
      .values({ id: 'r', name: 'old', config: '{}', state: 'completed', created_at: 1, committed_round: 1 })
      .execute();
    const round = { id: 'o', run_id: 'r', number: 1, attempt: 0, phase: 'done' };
    await old
      .insertInto('rounds')
      .values({ ...round, selected_sites: '[]', global_hash: 'g', started_at: 1, deadline_at: 2 })
      .execute();
    await old.destroy();
    const upgraded = await openDatabase({ sqlitePath: path });
    closers.push(() => upgraded.close());
    const row = await upgraded.db.selectFrom('rounds').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: 'o', stage: 'committed', training_loss: null });
    await upgraded.db.updateTable('rounds').set({ training_loss: 0.25 }).where('id', '=', 'o').execute();
    expect(
      (await upgraded.db.selectFrom('rounds').select('training_loss').executeTakeFirst())?.training_loss,
    ).toBe(0.25);
  });

  it.runIf(postgresAvailable)(
    'migrates a PostgreSQL schema of its own although another schema of the database has the tables',
    async () => {
      const first = await freshPostgres();
      const second = await freshPostgres();
      try {
        await (await openDatabase({ url: first.url, sqlitePath: join(dir, 'unused.sqlite') })).close();
        const other = await openDatabase({ url: second.url, sqlitePath: join(dir, 'unused.sqlite') });
        try {
          expect(await other.db.selectFrom('audit').selectAll().execute()).toEqual([]);
        } finally {
          await other.close();
        }
      } finally {
        await first.drop();
        await second.drop();
      }
    },
  );
});
