import { describe, expect, it } from 'vitest';
import { CommitCounts } from './commit-counts.ts';

describe(CommitCounts.name, () => {
  it('counts a write outside a transaction as its own commit, by its table', () => {
    const counts = new CommitCounts();
    counts.observe('select * from "sites"');
    counts.observe('update "sites" set "last_seen_at" = ? where "id" = ?');
    counts.observe('insert into "audit" ("id") values (?)');
    counts.observe('delete from "audit" where "id" = ?');
    expect(counts.snapshot()).toEqual(
      new Map([
        ['sites', 1],
        ['audit', 2],
      ]),
    );
  });

  it('counts a committed transaction once by every table it wrote, and a rolled-back one not at all', () => {
    const counts = new CommitCounts();
    counts.observe('begin');
    counts.observe('insert into "updates" ("id") values (?)');
    counts.observe('savepoint "sp"');
    counts.observe('insert into "audit" ("id") values (?)');
    counts.observe('rollback to "sp"');
    counts.observe('insert into "audit" ("id") values (?)');
    counts.observe('commit');
    counts.observe('begin');
    counts.observe('insert into "rounds" ("id") values (?)');
    counts.observe('rollback');
    counts.observe('begin');
    counts.observe('select 1');
    counts.observe('commit');
    expect(counts.snapshot()).toEqual(new Map([['audit+updates', 1]]));
  });
});
