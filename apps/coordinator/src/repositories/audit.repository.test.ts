import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@fedfuse/protocol';
import { openDatabase } from '../persistence/database.ts';
import { AuditRepository } from './audit.repository.ts';

const entry = (n: number, details: AuditEntry['details']): AuditEntry => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  at: n,
  actor: { kind: 'operator', id: 'operator' },
  action: 'site.approved',
  subject: 'North',
  outcome: 'ok',
  details,
});

describe(AuditRepository.name, () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => Promise.all(closers.map((close) => close())));

  it('stores entries and reads them back as they were, details parsed and a corrupt one named', async () => {
    const database = await openDatabase({
      sqlitePath: join(mkdtempSync(join(tmpdir(), 'fedfuse-audit-')), 'db'),
    });
    closers.push(() => database.close());
    const audit = new AuditRepository(database);
    const detailed = entry(2, { from: 'pending', to: 'approved', count: 1, auto: false, note: null });
    await audit.append(entry(1, {}));
    await audit.append(detailed);
    expect(await audit.list()).toEqual([detailed, entry(1, {})]);
    // Entries written before details were held to the schema read back as text, not as a failure.
    const nested = JSON.stringify({ sites: ['a', 'b'], reason: 'x'.repeat(1200) });
    await database.db.updateTable('audit').set({ details: nested }).where('at', '=', 1).execute();
    const [, older] = await audit.list();
    expect(older?.details.sites).toBe('["a","b"]');
    expect(String(older?.details.reason)).toHaveLength(1000);
    await database.db
      .updateTable('audit')
      .set({ details: '["not", "an object"]' })
      .where('at', '=', 2)
      .execute();
    await expect(audit.list()).rejects.toThrow(/audit\.details of .* is corrupt/);
  });
});
