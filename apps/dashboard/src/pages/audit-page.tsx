import { useMemo, useState } from 'react';
import type { AuditEntry } from '@fedfuse/protocol';
import { AuditList } from '../api/schemas.ts';
import { AuditDetails, useAuditLabels } from '../components/audit-line.tsx';
import { Badge, Card, Empty, ErrorNote } from '../components/ui.tsx';
import { useResource } from '../hooks.tsx';
import type { AuditCursor, AuditFilters } from '../lib/audit-paging.ts';
import {
  auditPage,
  auditQuery,
  firstPage,
  matchesAuditFilters,
  nextCursor,
  noAuditFilters,
} from '../lib/audit-paging.ts';
import { formatTime } from '../lib/format.ts';
import { useSession } from '../session.tsx';

const PAGE_SIZES = [25, 50, 100, 200];
const ACTION_HINTS = ['site.', 'token.', 'run.', 'round.', 'round.update_rejected', 'site.enroll_refused'];

/** The audit log: who did what and when, filtered and paged; new entries appear live on the first page. */
export function AuditPage() {
  const { federation } = useSession();
  const [filters, setFilters] = useState<AuditFilters>(noAuditFilters);
  const [draftAction, setDraftAction] = useState('');
  const [pageSize, setPageSize] = useState(50);
  const [cursors, setCursors] = useState<AuditCursor[]>([firstPage]);
  const cursor = cursors.at(-1)!;
  const onFirstPage = cursors.length === 1;
  // The first page is read again whenever the log grows; older pages are history and stay put.
  const growth = onFirstPage ? federation.versions.audit : 0;
  const page = useResource(
    async (api) =>
      auditPage(
        await api.get(`/api/audit${auditQuery(filters, cursor, pageSize)}`, AuditList),
        cursor,
        pageSize,
      ),
    [filters, cursor, pageSize, growth],
  );

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

  const applyFilters = (next: AuditFilters) => {
    setFilters(next);
    setCursors([firstPage]);
  };

  return (
    <div className="page audit">
      <h1 className="page-title">Audit log</h1>
      <Card
        title="Entries"
        actions={
          <form
            className="filters"
            onSubmit={(e) => {
              e.preventDefault();
              applyFilters({ ...filters, action: draftAction });
            }}
          >
            <label>
              Actor
              <select
                name="actorKind"
                value={filters.actorKind}
                onChange={(e) =>
                  applyFilters({ ...filters, actorKind: e.target.value as AuditFilters['actorKind'] })
                }
              >
                <option value="">any</option>
                <option value="operator">operator</option>
                <option value="site">site</option>
                <option value="system">system</option>
              </select>
            </label>
            <label>
              Action starts with
              <input
                name="action"
                list="audit-actions"
                value={draftAction}
                placeholder="e.g. site."
                onChange={(e) => setDraftAction(e.target.value)}
                onBlur={() =>
                  draftAction !== filters.action && applyFilters({ ...filters, action: draftAction })
                }
              />
              <datalist id="audit-actions">
                {ACTION_HINTS.map((a) => (
                  <option key={a} value={a} />
                ))}
              </datalist>
            </label>
            <label>
              Outcome
              <select
                name="outcome"
                value={filters.outcome}
                onChange={(e) =>
                  applyFilters({ ...filters, outcome: e.target.value as AuditFilters['outcome'] })
                }
              >
                <option value="">any</option>
                <option value="ok">ok</option>
                <option value="refused">refused</option>
                <option value="failed">failed</option>
              </select>
            </label>
            <label>
              Per page
              <select
                name="pageSize"
                value={pageSize}
                onChange={(e) => {
                  setPageSize(Number(e.target.value));
                  setCursors([firstPage]);
                }}
              >
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Filter</button>
          </form>
        }
      >
        <ErrorNote error={page.error} context="Loading the audit log" onRetry={page.reload} />
        {entries.length === 0 && !page.loading ? (
          <Empty>No entries match.</Empty>
        ) : (
          <AuditTable entries={entries} />
        )}
        <div className="pager">
          <button type="button" disabled={cursors.length === 1} onClick={() => setCursors([firstPage])}>
            ⟪ Newest
          </button>
          <button
            type="button"
            disabled={cursors.length === 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            ‹ Newer
          </button>
          <span className="muted" data-audit-page={cursors.length}>
            page {cursors.length}
          </span>
          <button
            type="button"
            disabled={!page.data?.hasMore || !page.data.entries.length}
            onClick={() => page.data && setCursors([...cursors, nextCursor(page.data.entries, cursor)])}
          >
            Older ›
          </button>
        </div>
      </Card>
    </div>
  );
}

function AuditTable(props: { entries: AuditEntry[] }) {
  const labels = useAuditLabels();
  return (
    <div className="table-wrap">
      <table className="audit-table" data-audit-table>
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Subject</th>
            <th>Outcome</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr key={e.id} data-audit-id={e.id} data-action={e.action}>
              <td className="nowrap">{formatTime(e.at)}</td>
              <td className="nowrap">{labels.actor(e)}</td>
              <td className="nowrap">
                <code>{e.action}</code>
              </td>
              <td className="subject" title={labels.subject(e).title}>
                {labels.subject(e).text}
              </td>
              <td>
                <Badge value={e.outcome} />
              </td>
              <td>
                <AuditDetails details={e.details} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
