import type { AuditEntry } from '@fedfuse/protocol';

export interface AuditFilters {
  actorKind: '' | AuditEntry['actor']['kind'];
  /** Prefix of the dotted action, e.g. `site.` or `round.update_rejected`. */
  action: string;
  outcome: '' | AuditEntry['outcome'];
}

export const noAuditFilters: AuditFilters = { actorKind: '', action: '', outcome: '' };

/**
 * Where a page starts: null for the newest entries, else the `nextCursor` the coordinator returned with
 * the page before. GET /api/audit/page continues after that entry's (at, id), so pages never lose or
 * repeat an entry, even when many share one millisecond.
 */
export type PageStart = string | null;

export const firstPage: PageStart = null;

/** The query of one page of GET /api/audit/page; filters left empty are left out. */
export function auditQuery(
  filters: AuditFilters,
  start: PageStart,
  pageSize: number,
): Record<string, string | number | null> {
  return {
    actorKind: filters.actorKind || null,
    action: filters.action.trim() || null,
    outcome: filters.outcome || null,
    cursor: start,
    limit: pageSize,
  };
}

/** Whether a live entry belongs on a page with these filters (the server's rules: exact kind, action prefix). */
export function matchesAuditFilters(entry: AuditEntry, filters: AuditFilters): boolean {
  return (
    (!filters.actorKind || entry.actor.kind === filters.actorKind) &&
    (!filters.action.trim() || entry.action.startsWith(filters.action.trim())) &&
    (!filters.outcome || entry.outcome === filters.outcome)
  );
}
