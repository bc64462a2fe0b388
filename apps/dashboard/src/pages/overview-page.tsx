import { RoundList } from '../api/schemas.ts';
import { AuditLine, useAuditLabels } from '../components/audit-line.tsx';
import { Badge, Card, Empty, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { useNow, useResource } from '../hooks.tsx';
import { siteCounts } from '../live/federation-state.ts';
import { formatMetric, formatRelative, formatTime } from '../lib/format.ts';
import { latestEvaluated } from '../lib/run-metrics.ts';
import { useSession } from '../session.tsx';

const METRIC_COLUMNS = [
  { key: 'auc', label: 'AUC', title: 'ROC AUC pooled over the sites' },
  { key: 'f1', label: 'F1', title: 'F1 score' },
  { key: 'precision', label: 'Prec.', title: 'precision' },
  { key: 'recall', label: 'Recall', title: 'recall' },
  { key: 'accuracy', label: 'Acc.', title: 'accuracy' },
] as const;

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

function HealthCard() {
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

function CurrentRunCard() {
  const { federation } = useSession();
  const now = useNow();
  const { run, round } = federation;
  if (!run) {
    return (
      <Card title="Current run">
        <Empty>
          No run yet. <a href="#/runs">Create one on the Runs page.</a>
        </Empty>
      </Card>
    );
  }
  const roundOfRun = round && round.runId === run.runId ? round : null;
  const open = roundOfRun && roundOfRun.stage !== 'committed' && roundOfRun.stage !== 'cancelled';
  return (
    <Card title="Current run" actions={<a href={`#/runs/${run.runId}`}>Details →</a>}>
      <div className="run-head" data-current-run={run.runId}>
        <a className="run-name" href={`#/runs/${run.runId}`}>
          {run.name}
        </a>
        <Badge value={run.state} />
        <span className="muted">{run.strategy}</span>
      </div>
      <div className="meter">
        <div className="meter-label">
          Rounds <strong data-rounds-completed>{run.roundsCompleted}</strong> of {run.roundsPlanned}
        </div>
        <ProgressBar value={run.roundsCompleted} max={run.roundsPlanned} label="rounds completed" />
      </div>
      {roundOfRun ? (
        <div className="meter" data-round={roundOfRun.roundNumber}>
          <div className="meter-label">
            Round {roundOfRun.roundNumber} <Badge value={roundOfRun.stage} /> {roundOfRun.submitted} of{' '}
            {roundOfRun.selected} sites answered
            {roundOfRun.failed > 0 && <span className="bad"> · {roundOfRun.failed} failed</span>}
          </div>
          <ProgressBar
            value={roundOfRun.submitted}
            max={roundOfRun.selected}
            failed={roundOfRun.failed}
            label={`round ${roundOfRun.roundNumber} answers`}
          />
          <div className="muted small">
            started {formatTime(roundOfRun.startedAt)}
            {open && <> · deadline {formatRelative(roundOfRun.deadline, now)}</>}
          </div>
        </div>
      ) : (
        <p className="muted">No round started yet.</p>
      )}
    </Card>
  );
}

function LatestMetricsCard() {
  const { federation } = useSession();
  const runId = federation.run?.runId;
  const rounds = useResource(
    (api) => (runId ? api.get(`/api/runs/${runId}/rounds`, RoundList) : Promise.resolve([])),
    [runId, federation.versions.runs],
  );
  const latest = rounds.data ? latestEvaluated(rounds.data) : undefined;
  const fit = federation.metrics.filter((m) => m.runId === runId && m.stage === 'fit').at(-1);
  const tasks = latest?.metrics ? Object.keys(latest.metrics.tasks) : [];
  return (
    <Card title={latest ? `Latest metrics · round ${latest.number}` : 'Latest metrics'}>
      <ErrorNote error={rounds.error} context="Loading rounds" onRetry={rounds.reload} />
      {tasks.length === 0 ? (
        <Empty>No evaluated round yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-latest-metrics>
            <thead>
              <tr>
                <th>Task</th>
                {METRIC_COLUMNS.map((m) => (
                  <th key={m.key} className="num" title={m.title}>
                    {m.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {tasks.map((task) => (
                <tr key={task}>
                  <td>{task}</td>
                  {METRIC_COLUMNS.map((m) => (
                    <td key={m.key} className="num">
                      {formatMetric(latest?.metrics?.tasks[task]?.[m.key])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {fit && (
        <p className="muted small">
          Round {fit.roundNumber} training: loss {formatMetric(fit.metrics.loss)} over{' '}
          {fit.metrics.examples ?? '—'} examples from {fit.metrics.sites ?? '—'} sites.
        </p>
      )}
    </Card>
  );
}
