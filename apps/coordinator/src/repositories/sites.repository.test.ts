import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../persistence/database.ts';
import { openDatabase } from '../persistence/database.ts';
import { freshPostgres, postgresAvailable } from '../testing/postgres.ts';
import type { NewSite } from './sites.repository.ts';
import { SitesRepository } from './sites.repository.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const site = (n: number, patch: Partial<NewSite> = {}): NewSite => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  name: `Site ${n}`,
  signingKey: key(n),
  boxKey: key(100 + n),
  status: 'approved',
  enrolledAt: n,
  ...patch,
});

async function withToken(database: Database, id: string): Promise<{ id: string; at: number }> {
  await database.db
    .insertInto('enrollment_tokens')
    .values({
      id,
      token_hash: id.padEnd(64, '0'),
      label: id,
      created_at: 1,
      expires_at: 10_000,
      used_at: null,
      used_by_site: null,
      auto_approve: 1,
    })
    .execute();
  return { id, at: 5 };
}

const dialects: [string, boolean, () => Promise<Database>][] = [
  [
    'SQLite',
    true,
    () => openDatabase({ sqlitePath: join(mkdtempSync(join(tmpdir(), 'fedfuse-sites-')), 'db') }),
  ],
  [
    'PostgreSQL',
    postgresAvailable,
    async () => {
      const schema = await freshPostgres();
      closers.push(() => schema.drop());
      return openDatabase({ url: schema.url, sqlitePath: '' });
    },
  ],
];

describe.each(dialects)('%s sites repository', (_, available, open) => {
  it.runIf(available)(
    'lets the database refuse a second box key and roll a race for one token back',
    async () => {
      const database = await open();
      closers.push(() => database.close());
      const sites = new SitesRepository(database);
      const first = await withToken(database, 'token-1');
      const second = await withToken(database, 'token-2');

      expect(await sites.enroll(site(1), first)).toBe('enrolled');
      // Another site with site 1's box key stores nothing and leaves its token unused.
      expect(await sites.enroll(site(2, { boxKey: key(101) }), second)).toBe('duplicate_key');
      expect(await sites.enroll(site(3, { signingKey: key(1) }), second)).toBe('duplicate_key');
      // A token used meanwhile rolls the new site back.
      expect(await sites.enroll(site(4), first)).toBe('token_used');
      expect((await sites.list()).map((s) => s.name)).toEqual(['Site 1']);
      const tokens = await database.db
        .selectFrom('enrollment_tokens')
        .select(['id', 'used_by_site'])
        .execute();
      expect(Object.fromEntries(tokens.map((t) => [t.id, t.used_by_site]))).toEqual({
        'token-1': site(1).id,
        'token-2': null,
      });
      expect(await sites.enroll(site(5), second)).toBe('enrolled');
    },
  );

  it.runIf(available)('reads JSON columns with their schema and names a corrupt one', async () => {
    const database = await open();
    closers.push(() => database.close());
    const sites = new SitesRepository(database);
    await sites.enroll(site(1), await withToken(database, 'token-1'));
    expect(await sites.find(site(1).id)).toMatchObject({
      dataSummary: null,
      dataSchema: null,
      boxKey: key(101),
    });
    const dataSummary = { combinations: { 'ehr.imaging': 3 }, trainPatients: 2, testPatients: 1 };
    const dataSchema = {
      modalities: ['ehr' as const],
      ehr: null,
      genomics: null,
      imageShape: null,
      tasks: {},
    };
    await sites.report(site(1).id, { backend: 'cpu', softwareVersion: '1', dataSummary, dataSchema });
    expect(await sites.find(site(1).id)).toMatchObject({ dataSummary, dataSchema, softwareVersion: '1' });
    await database.db.updateTable('sites').set({ data_schema: '{"modalities":"ehr"}' }).execute();
    await expect(sites.find(site(1).id)).rejects.toThrow(/sites\.data_schema of .* is corrupt: modalities/);
  });
});
