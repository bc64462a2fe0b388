import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.ts';

function database() {
  const sqlite = new SQLite(':memory:');
  sqlite.exec('create table t (n integer)');
  sqlite.exec('insert into t values (1), (2), (3)');
  return { sqlite, cached: withStatementCache(sqlite) };
}

describe('withStatementCache', () => {
  it('hands out the same prepared statement for the same SQL, and its answers stay right', () => {
    const { cached } = database();
    const first = cached.prepare('select n from t where n >= ? order by n');
    expect(cached.prepare('select n from t where n >= ? order by n')).toBe(first);
    expect(first.all([2])).toEqual([{ n: 2 }, { n: 3 }]);
    expect(cached.prepare('select n from t where n >= ? order by n').all([3])).toEqual([{ n: 3 }]);
  });

  it('gives a fresh statement while the cached one is still iterating', () => {
    const { cached } = database();
    const sql = 'select n from t order by n';
    const iterating = cached.prepare(sql).iterate([]);
    expect(iterating.next().value).toEqual({ n: 1 });
    const other = cached.prepare(sql);
    expect(other.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(iterating.next().value).toEqual({ n: 2 });
    iterating.return?.();
  });

  it('keeps at most 256 statements, dropping the least recently used', () => {
    const { cached } = database();
    const kept = cached.prepare('select 0 as n');
    const dropped = cached.prepare('select 1 as n');
    for (let i = 2; i <= 257; i++) {
      cached.prepare(`select ${i} as n`);
      if (i === 100) cached.prepare('select 0 as n'); // used again: no longer the least recent
    }
    expect(cached.prepare('select 0 as n')).toBe(kept);
    expect(cached.prepare('select 1 as n')).not.toBe(dropped);
  });

  it('re-prepares a kept statement after the schema changed', () => {
    const { sqlite, cached } = database();
    const sql = 'select * from t order by n limit 1';
    expect(cached.prepare(sql).all([])).toEqual([{ n: 1 }]);
    sqlite.exec('alter table t add column m integer default 7');
    expect(cached.prepare(sql).all([])).toEqual([{ n: 1, m: 7 }]);
  });
});
