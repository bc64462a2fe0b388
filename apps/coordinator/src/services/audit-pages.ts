import type { AuditPage } from '@fedfuse/protocol';
import { auditCursorAfter, readAuditCursor } from '@fedfuse/protocol';
import type { AuditFilter, AuditRepository } from '../repositories/audit.repository.ts';

/**
 * One page of the audit log after `cursor` (null: the newest), with whether more follow and the cursor
 * of the next page. Reads one row more than the page to know.
 */
export async function auditPage(
  audit: AuditRepository,
  query: Omit<AuditFilter, 'after' | 'limit'> & { cursor: string | null; limit: number },
): Promise<AuditPage> {
  const { cursor, limit, ...filter } = query;
  const rows = await audit.list({
    ...filter,
    after: cursor === null ? undefined : readAuditCursor(cursor),
    limit: limit + 1,
  });
  const entries = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  const last = entries.at(-1);
  return { entries, hasMore, nextCursor: hasMore && last ? auditCursorAfter(last) : null };
}
