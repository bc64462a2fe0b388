import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct statements kept; the coordinator issues a few dozen (an `in (?, ?)` list adds one per length). */
const MAX_STATEMENTS = 256;

/**
 * better-sqlite3 for Kysely with prepared statements kept by their SQL text: Kysely's SQLite driver prepares
 * every statement anew, 0.5 s of a 3-round `bench:round` profile. A cached statement still iterating (a
 * streamed query) is not handed out twice: that caller gets a fresh one. SQLite re-prepares a kept
 * statement by itself after a schema change (migrations).
 */
export function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached?.busy) return sqlite.prepare(sql);
      // Re-inserted on every use, so the first key is the least recently used.
      cache.delete(sql);
      const statement = cached ?? sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
