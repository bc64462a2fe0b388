import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Dialect as KyselyDialect } from 'kysely';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { describe, expect, it } from 'vitest';
import { freshPostgres, postgresAvailable } from '../testing/postgres.ts';
import { openDatabase } from './database.ts';
import type { Dialect } from './migrations.ts';
import { migrationProvider } from './migrations.ts';

const OLD_WORDS = {
  training: 'fit',
  aggregation: 'aggregating',
  evaluation: 'evaluate',
  done: 'committed',
  failed: 'cancelled',
};

/** A database at 0005 with one round in each old phase word, then opened (migrated) by the coordinator. */
async function upgradeOldRounds(o: {
  dialect: Dialect;
  kysely: KyselyDialect;
  open: () => ReturnType<typeof openDatabase>;
}) {
  const old = new Kysely<unknown>({ dialect: o.kysely });
  const schema =
    o.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(old)).rows[0]!.s
      : undefined;
  const migrator = new Migrator({
    db: old,
    provider: migrationProvider(o.dialect),
    migrationTableSchema: schema,
  });
  expect((await migrator.migrateTo('0005_site_box_key_unique')).error).toBeUndefined();
  await sql`insert into runs (id, name, config, state, created_at, committed_round) values ('r', 'old', '{}', 'running', 1, 0)`.execute(
    old,
  );
  for (const [i, phase] of Object.keys(OLD_WORDS).entries())
    await sql`insert into rounds (id, run_id, number, attempt, phase, selected_sites, global_hash, started_at, deadline_at)
      values (${`round-${i}`}, 'r', ${i + 1}, 0, ${phase}, '[]', 'g', 1, 2)`.execute(old);
  await old.destroy();
  const upgraded = await o.open();
  try {
    const rows = await upgraded.db.selectFrom('rounds').select(['id', 'stage']).orderBy('number').execute();
    return rows.map((r) => r.stage);
  } finally {
    await upgraded.close();
  }
}

describe('migration 0006_round_stage_words', () => {
  it('rewrites the old phase words of stored rounds as the protocol stages on SQLite', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fedfuse-stage-')), 'coordinator.sqlite');
    const stages = await upgradeOldRounds({
      dialect: 'sqlite',
      kysely: new SqliteDialect({ database: new SQLite(path) }),
      open: () => openDatabase({ sqlitePath: path }),
    });
    expect(stages).toEqual(Object.values(OLD_WORDS));
  });

  it.runIf(postgresAvailable)('rewrites them on PostgreSQL', async () => {
    const database = await freshPostgres();
    try {
      const stages = await upgradeOldRounds({
        dialect: 'postgres',
        kysely: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
        open: () => openDatabase({ url: database.url, sqlitePath: join(tmpdir(), 'unused.sqlite') }),
      });
      expect(stages).toEqual(Object.values(OLD_WORDS));
    } finally {
      await database.drop();
    }
  });
});
