import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPage } from '@fedfuse/protocol';
import { AuditRepository } from './repositories/audit.repository.ts';
import type { Harness } from './testing/harness.ts';
import { startHarness } from './testing/harness.ts';
import { OpsListener } from './testing/ops-listener.ts';
import { freshPostgres, postgresAvailable } from './testing/postgres.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Ten entries, seven of them in one millisecond, so page boundaries fall inside it. */
async function seed(h: Harness): Promise<void> {
  const audit = h.coordinator.app.get(AuditRepository);
  const times = [5_000, 4_000, 4_000, 4_000, 4_000, 4_000, 4_000, 4_000, 3_000, 2_000];
  for (const [i, at] of times.entries())
    await audit.append({
      id: randomUUID(),
      at,
      actor: { kind: i % 2 ? 'site' : 'operator', id: 'test' },
      action: i % 2 ? 'test.odd' : 'test.even',
      subject: null,
      outcome: 'ok',
      details: {},
    });
}

async function walk(h: Harness, query: string, pageSize: number): Promise<AuditEntry[]> {
  const seen: AuditEntry[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const at = cursor ? `&cursor=${cursor}` : '';
    const page: { status: number; body: AuditPage } = await h.api<AuditPage>(
      'GET',
      `/api/audit/page?${query}&limit=${pageSize}${at}`,
    );
    expect(page.status).toBe(200);
    seen.push(...page.body.entries);
    expect(page.body.nextCursor === null).toBe(!page.body.hasMore);
    if (!page.body.hasMore) return seen;
    cursor = page.body.nextCursor;
  }
  throw new Error('paging did not end');
}

async function checkPaging(h: Harness): Promise<void> {
  await seed(h);
  const all = (await h.api<AuditEntry[]>('GET', '/api/audit?action=test.&limit=500')).body;
  expect(all).toHaveLength(10);
  // Every entry exactly once, in the log's order, whatever the page size.
  for (const size of [1, 3, 4, 10])
    expect((await walk(h, 'action=test.', size)).map((e) => e.id)).toEqual(all.map((e) => e.id));
  const odd = all.filter((e) => e.action === 'test.odd').map((e) => e.id);
  expect((await walk(h, 'action=test.odd', 2)).map((e) => e.id)).toEqual(odd);

  // The dashboard's socket pages the same way.
  const ops = await OpsListener.connect(h.coordinator.url, h.coordinator.operatorToken);
  cleanups.push(() => ops.close());
  const first = (await ops.socket.emitWithAck('audit:list', { limit: 4, before: 4_001, cursor: null })) as {
    ok: true;
    data: AuditPage;
  };
  expect(first.data.entries.map((e) => e.id)).toEqual(all.slice(1, 5).map((e) => e.id));
  const second = (await ops.socket.emitWithAck('audit:list', {
    limit: 4,
    before: 4_001,
    cursor: first.data.nextCursor,
  })) as { ok: true; data: AuditPage };
  expect(second.data.entries.map((e) => e.id)).toEqual(all.slice(5, 9).map((e) => e.id));
}

describe('audit log keyset paging', () => {
  it('pages by (at, id) on SQLite: every entry once, also across one millisecond', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    await checkPaging(h);
  });

  it('refuses a cursor it did not mint, with the field named, and changes nothing', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    const before = (await h.api<AuditEntry[]>('GET', '/api/audit?limit=500')).body;
    const refused = await h.api<{ code: string; message: string }>(
      'GET',
      `/api/audit/page?cursor=${encodeURIComponent("0' OR '1'='1")}`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_payload');
    expect(refused.body.message).toMatch(/^cursor: /);
    expect((await h.api<AuditEntry[]>('GET', '/api/audit?limit=500')).body).toEqual(before);
  });

  it.runIf(postgresAvailable)('pages by (at, id) on PostgreSQL the same way', async () => {
    const database = await freshPostgres();
    cleanups.push(() => database.drop());
    const h = await startHarness({ databaseUrl: database.url });
    cleanups.push(() => h.close());
    await checkPaging(h);
  });
});
