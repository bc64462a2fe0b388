import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import type { Dialect } from './migrations.ts';
import { migrationProvider } from './migrations.ts';
import { CommitCounts } from './commit-counts.ts';
import { withStatementCache } from './statement-cache.ts';
import type { Schema } from './schema.ts';

// bigint columns hold epoch milliseconds, well inside Number's exact range.
pg.types.setTypeParser(20, (value) => Number(value));

export interface DatabaseOptions {
  /** PostgreSQL connection string; without it the coordinator uses the SQLite file. */
  url?: string;
  sqlitePath: string;
}

export interface Database {
  /** The open transaction of `transaction` when called inside one, else the database. */
  readonly db: Kysely<Schema>;
  /**
   * Runs `work` in one transaction: every repository call inside it (through `db`) commits together, one
   * fsync for a logical step. Nested calls join the outer transaction.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  dialect: Dialect;
  /** Human-readable location, for logs (never the password). */
  where: string;
  /** SQLite only: its commits so far, by the tables each wrote (each one waits for an fsync). */
  commits?: CommitCounts;
  close(): Promise<void>;
}

/** Opens SQLite (default) or PostgreSQL and applies pending migrations; refuses to start if one fails. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const dialect: Dialect = options.url ? 'postgres' : 'sqlite';
  let db: Kysely<Schema>;
  let where: string;
  let commits: CommitCounts | undefined;
  if (options.url) {
    const url = new URL(options.url);
    where = `postgresql://${url.hostname}:${url.port || 5432}${url.pathname}`;
    db = new Kysely<Schema>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.url, max: 5 }) }),
    });
  } else {
    mkdirSync(dirname(options.sqlitePath), { recursive: true, mode: 0o700 });
    // W8: a new database starts private; SQLite gives its WAL and SHM the database file's mode.
    closeSync(openSync(options.sqlitePath, 'a', 0o600));
    const sqlite = new SQLite(options.sqlitePath);
    // WAL + synchronous=FULL: a committed transaction survives a crash of the process or the machine.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    where = options.sqlitePath;
    const cached = withStatementCache(sqlite);
    const counts = new CommitCounts();
    commits = counts;
    const database = {
      close: () => cached.close(),
      prepare(text: string) {
        counts.observe(text);
        return cached.prepare(text);
      },
    };
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database }) });
  }
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableSchema: dialect === 'postgres' ? await currentSchema(db) : undefined,
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    const reason =
      error instanceof Error ? error.message : error === undefined ? 'unknown error' : JSON.stringify(error);
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed on ${where}: ${reason}`);
  }
  const root = db;
  const ambient = new AsyncLocalStorage<Kysely<Schema>>();
  return {
    get db() {
      return ambient.getStore() ?? root;
    },
    transaction<T>(work: () => Promise<T>): Promise<T> {
      if (ambient.getStore()) return work();
      return root.transaction().execute((trx) => ambient.run(trx, work));
    },
    dialect,
    where,
    ...(commits ? { commits } : {}),
    close: () => root.destroy(),
  };
}

/**
 * The schema the connection writes to (the search_path's first). Kysely looks for its migration tables
 * in every schema unless told one, so without it a second coordinator schema in the database would
 * find the first one's tables and never create its own.
 */
async function currentSchema(db: Kysely<Schema>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}
