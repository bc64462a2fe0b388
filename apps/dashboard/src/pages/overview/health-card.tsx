import { Card } from '../../components/ui.tsx';
import { siteCounts } from '../../live/federation-state.ts';
import { useSession } from '../../session.tsx';

/** Sites connected, enrolled, waiting and suspended, each linking to the sites page. */
export function HealthCard() {
  const { federation } = useSession();
  const counts = siteCounts(federation.sites);
  const tiles = [
    { key: 'connected', label: 'Connected', value: counts.connected, note: `of ${counts.approved} approved` },
    { key: 'enrolled', label: 'Enrolled', value: counts.approved, note: `${counts.total} sites in total` },
    {
      key: 'pending',
      label: 'Pending approval',
      value: counts.pending,
      note: counts.pending ? 'waiting for you' : 'none waiting',
      tone: counts.pending ? 'warn' : '',
    },
    {
      key: 'suspended',
      label: 'Suspended',
      value: counts.suspended,
      note: `${counts.revoked} revoked`,
      tone: counts.suspended ? 'bad' : '',
    },
  ];
  return (
    <Card title="Federation health" actions={<a href="#/sites">Sites →</a>}>
      <div className="stats">
        {tiles.map((t) => (
          <a
            className={`stat ${t.tone ? `stat-${t.tone}` : ''}`}
            key={t.key}
            href="#/sites"
            data-stat={t.key}
          >
            <span className="stat-value">{t.value}</span>
            <span className="stat-label">{t.label}</span>
            <span className="stat-note">{t.note}</span>
          </a>
        ))}
      </div>
    </Card>
  );
}
