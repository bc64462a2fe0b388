import { describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPage } from '@fedfuse/protocol';
import {
  AuditPage as AuditPageSchema,
  auditCursorAfter,
  readAuditCursor,
  restRequest,
} from '@fedfuse/protocol';
import type { PageStart } from './audit-paging.ts';
import { auditQuery, firstPage, matchesAuditFilters, noAuditFilters } from './audit-paging.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const entry = (n: number, at: number, action = 'site.approved'): AuditEntry => ({
  id: id(n),
  at,
  actor: { kind: 'operator', id: 'operator' },
  action,
  subject: null,
  outcome: 'ok',
  details: {},
});

/** The coordinator's rule: newest first, ties by id, continuing after the cursor's (at, id). */
function serve(log: AuditEntry[], path: string): AuditPage {
  const params = new URL(path, 'http://coordinator').searchParams;
  const limit = Number(params.get('limit'));
  const after = params.has('cursor') ? readAuditCursor(params.get('cursor')!) : null;
  const rows = [...log]
    .sort((a, b) => b.at - a.at || a.id.localeCompare(b.id))
    .filter((e) => !after || e.at < after.at || (e.at === after.at && e.id > after.id));
  const entries = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return AuditPageSchema.parse({
    entries,
    hasMore,
    nextCursor: hasMore ? auditCursorAfter(entries.at(-1)!) : null,
  });
}

describe('audit paging', () => {
  it('asks for a page with the filters the server knows, and the cursor it returned', () => {
    const filtered = auditQuery({ actorKind: 'site', action: ' round. ', outcome: 'refused' }, firstPage, 50);
    expect(restRequest('auditPage', { query: filtered }).path).toBe(
      '/api/audit/page?actorKind=site&action=round.&outcome=refused&limit=50',
    );
    const older = auditQuery(noAuditFilters, `10_${id(3)}`, 25);
    expect(restRequest('auditPage', { query: older }).path).toBe(
      `/api/audit/page?cursor=10_${id(3)}&limit=25`,
    );
  });

  it('shows every entry exactly once, even when pages break inside one millisecond', () => {
    const log = [
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => entry(n, 100)),
      entry(8, 99),
      entry(9, 98),
      entry(10, 200),
    ];
    for (const size of [1, 3, 7]) {
      const seen: string[] = [];
      let start: PageStart = firstPage;
      for (let pages = 0; pages < 20; pages++) {
        const page = serve(
          log,
          restRequest('auditPage', { query: auditQuery(noAuditFilters, start, size) }).path,
        );
        seen.push(...page.entries.map((e) => e.id));
        if (!page.hasMore) break;
        start = page.nextCursor;
      }
      expect(seen).toEqual([10, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(id));
    }
  });

  it('matches live entries with the server’s rules: exact kind, action prefix, exact outcome', () => {
    const e = entry(1, 1, 'round.update_rejected');
    expect(matchesAuditFilters(e, { actorKind: 'operator', action: 'round.', outcome: 'ok' })).toBe(true);
    expect(matchesAuditFilters(e, { ...noAuditFilters, action: 'site.' })).toBe(false);
    expect(matchesAuditFilters(e, { ...noAuditFilters, actorKind: 'site' })).toBe(false);
  });
});
