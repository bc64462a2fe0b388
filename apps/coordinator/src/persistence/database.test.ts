import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';

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
});
