import { AuditLine, useAuditLabels } from '../../components/audit-line.tsx';
import { Card, Empty } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import { CurrentRunCard } from './current-run-card.tsx';
import { HealthCard } from './health-card.tsx';
import { LatestMetricsCard } from './latest-metrics-card.tsx';

/** Federation health, the current run and round, the latest metrics and what just happened. */
export function OverviewPage() {
  const { federation } = useSession();
  const labels = useAuditLabels();
  return (
    <div className="page overview">
      <h1 className="page-title">Overview</h1>
      <div className="grid grid-overview">
        <HealthCard />
        <CurrentRunCard />
        <LatestMetricsCard />
        <Card title="Recent activity" actions={<a href="#/audit">Audit log →</a>}>
          {federation.activity.length === 0 ? (
            <Empty>Nothing recorded yet.</Empty>
          ) : (
            <ul className="activity" data-activity>
              {federation.activity.slice(0, 12).map((entry) => (
                <AuditLine key={entry.id} entry={entry} labels={labels} />
              ))}
            </ul>
          )}
        </Card>
      </div>
    </div>
  );
}
