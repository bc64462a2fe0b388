import type { AuditEntry } from '@fedfuse/protocol';

export interface AuditFilters {
  actorKind: '' | AuditEntry['actor']['kind'];
  /** Prefix of the dotted action, e.g. `site.` or `round.update_rejected`. */
  action: string;
  outcome: '' | AuditEntry['outcome'];
}

export const noAuditFilters: AuditFilters = { actorKind: '', action: '', outcome: '' };

/**
 * Where a page starts. GET /api/audit pages by time (`at < before`, newest first, ties by id), so a page
 * boundary inside a millisecond would lose entries; asking for `at <= lastAt` and skipping the ones
 * already shown keeps every entry exactly once.
 */
export interface AuditCursor {
  before: number | null;
  skip: number;
}

export const firstPage: AuditCursor = { before: null, skip: 0 };

/** The query string for one page (one entry more than shown, to know whether another page follows). */
export function auditQuery(filters: AuditFilters, cursor: AuditCursor, pageSize: number): string {
  const params = new URLSearchParams();
  if (filters.actorKind) params.set('actorKind', filters.actorKind);
  if (filters.action.trim()) params.set('action', filters.action.trim());
  if (filters.outcome) params.set('outcome', filters.outcome);
  if (cursor.before !== null) params.set('before', String(cursor.before));
  params.set('limit', String(Math.min(500, pageSize + cursor.skip + 1)));
  return `?${params.toString()}`;
}

/** Splits an answer to `auditQuery` into the page's entries and whether more follow. */
export function auditPage(
  answer: readonly AuditEntry[],
  cursor: AuditCursor,
  pageSize: number,
): { entries: AuditEntry[]; hasMore: boolean } {
  const rest = answer.slice(cursor.skip);
  return { entries: rest.slice(0, pageSize), hasMore: rest.length > pageSize };
}

/** The cursor of the page after `entries` (non-empty), which were read at `cursor`. */
export function nextCursor(entries: readonly AuditEntry[], cursor: AuditCursor): AuditCursor {
  const lastAt = entries.at(-1)!.at;
  // A whole page inside one millisecond: the entries skipped to reach it come first again.
  const carried = cursor.before === lastAt + 1 ? cursor.skip : 0;
  return { before: lastAt + 1, skip: carried + entries.filter((e) => e.at === lastAt).length };
}

/** Whether a live entry belongs on a page with these filters (the server's rules: exact kind, action prefix). */
export function matchesAuditFilters(entry: AuditEntry, filters: AuditFilters): boolean {
  return (
    (!filters.actorKind || entry.actor.kind === filters.actorKind) &&
    (!filters.action.trim() || entry.action.startsWith(filters.action.trim())) &&
    (!filters.outcome || entry.outcome === filters.outcome)
  );
}
