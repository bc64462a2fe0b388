import { useMemo, useState } from 'react';
import { Card, Empty, ErrorNote } from '../../components/ui.tsx';
import { useRestQuery } from '../../api/rest-queries.tsx';
import type { AuditFilters, PageStart } from '../../lib/audit-paging.ts';
import { auditQuery, firstPage, matchesAuditFilters, noAuditFilters } from '../../lib/audit-paging.ts';
import { useSession } from '../../session.tsx';
import { AuditFiltersForm } from './audit-filters.tsx';
import { AuditTable } from './audit-table.tsx';

/** The audit log: who did what and when, filtered and paged; new entries appear live on the first page. */
export function AuditPage() {
  const { federation } = useSession();
  const [filters, setFilters] = useState<AuditFilters>(noAuditFilters);
  const [pageSize, setPageSize] = useState(50);
  // A stack of page starts: the last one is shown, popping goes back to newer entries.
  const [cursors, setCursors] = useState<PageStart[]>([firstPage]);
  const cursor = cursors.at(-1)!;
  const onFirstPage = cursors.length === 1;
  // Read again whenever the log grows (staleRoutes); an older page's cursor gives the same entries again.
  const page = useRestQuery('auditPage', { query: auditQuery(filters, cursor, pageSize) });

  // Live entries show at once, before the first page has been read again.
  const entries = useMemo(() => {
    const loaded = page.data?.entries ?? [];
    if (!onFirstPage) return loaded;
    const ids = new Set(loaded.map((e) => e.id));
    const since = loaded[0]?.at ?? 0;
    const live = federation.activity.filter(
      (e) => e.at >= since && !ids.has(e.id) && matchesAuditFilters(e, filters),
    );
    return [...live, ...loaded];
  }, [page.data, onFirstPage, federation.activity, filters]);

  const older = page.data?.hasMore ? (page.data.nextCursor ?? null) : null;
  return (
    <div className="page audit">
      <h1 className="page-title">Audit log</h1>
      <Card
        title="Entries"
        actions={
          <AuditFiltersForm
            filters={filters}
            pageSize={pageSize}
            onFilters={(next) => {
              setFilters(next);
              setCursors([firstPage]);
            }}
            onPageSize={(size) => {
              setPageSize(size);
              setCursors([firstPage]);
            }}
          />
        }
      >
        <ErrorNote error={page.error} context="Loading the audit log" onRetry={page.reload} />
        {entries.length === 0 && !page.loading ? (
          <Empty>No entries match.</Empty>
        ) : (
          <AuditTable entries={entries} />
        )}
        <div className="pager">
          <button type="button" disabled={onFirstPage} onClick={() => setCursors([firstPage])}>
            ⟪ Newest
          </button>
          <button type="button" disabled={onFirstPage} onClick={() => setCursors(cursors.slice(0, -1))}>
            ‹ Newer
          </button>
          <span className="muted" data-audit-page={cursors.length}>
            page {cursors.length}
          </span>
          <button type="button" disabled={!older} onClick={() => older && setCursors([...cursors, older])}>
            Older ›
          </button>
        </div>
      </Card>
    </div>
  );
}
