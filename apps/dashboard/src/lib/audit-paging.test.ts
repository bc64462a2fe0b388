import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '@fedfuse/protocol';
import {
  auditPage,
  auditQuery,
  firstPage,
  matchesAuditFilters,
  nextCursor,
  noAuditFilters,
} from './audit-paging.ts';

const entry = (id: string, at: number, action = 'site.approved'): AuditEntry => ({
  id,
  at,
  actor: { kind: 'operator', id: 'operator' },
  action,
  subject: null,
  outcome: 'ok',
  details: {},
});

/** The server's rule: at < before, newest first, ties by id. */
function serve(log: AuditEntry[], query: string): AuditEntry[] {
  const params = new URLSearchParams(query);
  const before = params.has('before') ? Number(params.get('before')) : Infinity;
  return log
    .filter((e) => e.at < before)
    .sort((a, b) => b.at - a.at || a.id.localeCompare(b.id))
    .slice(0, Number(params.get('limit')));
}

describe('audit paging', () => {
  it('asks for one entry more than a page, with the filters the server knows', () => {
    expect(auditQuery({ actorKind: 'site', action: ' round. ', outcome: 'refused' }, firstPage, 50)).toBe(
      '?actorKind=site&action=round.&outcome=refused&limit=51',
    );
    expect(auditQuery(noAuditFilters, { before: 10, skip: 2 }, 25)).toBe('?before=10&limit=28');
  });

  it('shows every entry exactly once, even when pages break inside one millisecond', () => {
    const log = [
      ...['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => entry(id, 100)),
      entry('h', 99),
      entry('i', 98),
      entry('j', 200),
    ];
    const seen: string[] = [];
    let cursor = firstPage;
    for (let pages = 0; pages < 10; pages++) {
      const page = auditPage(serve(log, auditQuery(noAuditFilters, cursor, 3)), cursor, 3);
      seen.push(...page.entries.map((e) => e.id));
      if (!page.hasMore) break;
      cursor = nextCursor(page.entries, cursor);
    }
    expect(seen).toEqual(['j', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
  });

  it('matches live entries with the server’s rules: exact kind, action prefix, exact outcome', () => {
    const e = entry('x', 1, 'round.update_rejected');
    expect(matchesAuditFilters(e, { actorKind: 'operator', action: 'round.', outcome: 'ok' })).toBe(true);
    expect(matchesAuditFilters(e, { ...noAuditFilters, action: 'site.' })).toBe(false);
    expect(matchesAuditFilters(e, { ...noAuditFilters, actorKind: 'site' })).toBe(false);
  });
});
