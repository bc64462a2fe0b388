import { useRestQuery } from '../../api/rest-queries.tsx';
import { Card, Empty, ErrorNote } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import { PendingCard } from './pending-card.tsx';
import { SitesTable } from './sites-table.tsx';
import { TokenCard } from './token-card.tsx';

/** Enrollment tokens, sites waiting for approval, and every site with its data, software and record. */
export function SitesPage() {
  const { federation } = useSession();
  const sites = useRestQuery('listSites', {});
  // Live summaries win over the last REST answer: they carry status and connection changes first.
  const live = new Map(federation.sites.map((s) => [s.siteId, s]));
  const merged = (sites.data ?? []).map((s) => ({ ...s, ...live.get(s.siteId) }));
  const pending = federation.sites.filter((s) => s.status === 'pending');
  const enrolled = merged.filter((s) => s.status !== 'pending');
  return (
    <div className="page sites">
      <h1 className="page-title">Sites</h1>
      <div className="grid grid-sites">
        <TokenCard />
        <PendingCard pending={pending} />
      </div>
      <Card title={`Enrolled sites (${enrolled.length})`}>
        <ErrorNote error={sites.error} context="Loading sites" onRetry={sites.reload} />
        {enrolled.length === 0 ? (
          <Empty>No site has been approved yet.</Empty>
        ) : (
          <SitesTable sites={enrolled} />
        )}
      </Card>
    </div>
  );
}
