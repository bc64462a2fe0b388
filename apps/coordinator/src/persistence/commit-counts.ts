/** A write statement's table, from the SQL Kysely compiles (`insert into "t"`, `update "t"`, `delete from "t"`). */
const WRITE = /^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into)\s+"?(\w+)"?/i;

/**
 * Durable commits of the SQLite connection, by the tables each one wrote: every commit waits for an fsync
 * (`synchronous = FULL`), so their number is the floor of a round's database time. Fed with every SQL text
 * executed, in order (one connection: statements never interleave across transactions).
 */
export class CommitCounts {
  private readonly counts = new Map<string, number>();
  /** Tables written by the open transaction; undefined outside one. */
  private pending: Set<string> | undefined;

  /** Notes one statement about to run. */
  observe(sql: string): void {
    const keyword = sql.trimStart().slice(0, 8).toLowerCase();
    if (keyword.startsWith('begin')) this.pending = new Set();
    else if (keyword.startsWith('commit')) this.close(true);
    else if (keyword.startsWith('rollback') && !/\bto\b/i.test(sql)) this.close(false);
    else {
      const table = WRITE.exec(sql)?.[1];
      if (table === undefined) return;
      if (this.pending) this.pending.add(table);
      else this.count([table]);
    }
  }

  /** Commits so far, keyed by the sorted tables each wrote joined with `+` (e.g. `audit_log+rounds`). */
  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  private close(committed: boolean): void {
    if (committed && this.pending && this.pending.size > 0) this.count([...this.pending]);
    this.pending = undefined;
  }

  private count(tables: string[]): void {
    const key = tables.sort().join('+');
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
