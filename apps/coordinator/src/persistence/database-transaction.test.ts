import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';

async function sqlite() {
  const database = await openDatabase({
    sqlitePath: join(mkdtempSync(join(tmpdir(), 'fedfuse-tx-')), 'coordinator.sqlite'),
  });
  const token = (id: string) =>
    database.db
      .insertInto('enrollment_tokens')
      .values({
        id,
        label: id,
        token_hash: `hash-${id}`,
        created_at: 1,
        expires_at: 2,
        used_at: null,
        used_by_site: null,
        auto_approve: 0,
      })
      .execute();
  const ids = async () =>
    (await database.db.selectFrom('enrollment_tokens').select('id').orderBy('id').execute()).map((r) => r.id);
  return { database, token, ids };
}

describe('Database.transaction on SQLite', () => {
  it('commits every write inside it once, nested calls included, and counts that commit by its tables', async () => {
    const { database, token, ids } = await sqlite();
    try {
      const before = database.commits!.snapshot().get('enrollment_tokens') ?? 0;
      await database.transaction(async () => {
        await token('a');
        await database.transaction(() => token('b'));
      });
      await token('c');
      expect(await ids()).toEqual(['a', 'b', 'c']);
      expect(database.commits!.snapshot().get('enrollment_tokens')).toBe(before + 2);
    } finally {
      await database.close();
    }
  });

  it('rolls back every write inside it when the work throws, and counts no commit', async () => {
    const { database, token, ids } = await sqlite();
    try {
      const before = database.commits!.snapshot();
      await expect(
        database.transaction(async () => {
          await token('a');
          await database.transaction(() => token('b'));
          throw new Error('step failed');
        }),
      ).rejects.toThrow('step failed');
      expect(await ids()).toEqual([]);
      expect(database.commits!.snapshot()).toEqual(before);
    } finally {
      await database.close();
    }
  });
});
