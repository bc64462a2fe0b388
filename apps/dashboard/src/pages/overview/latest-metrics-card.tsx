import type { ShownMetrics } from '../../lib/run-metrics.ts';
import { useRestQuery } from '../../api/rest-queries.tsx';
import { Card, Empty, ErrorNote } from '../../components/ui.tsx';
import { formatMetric } from '../../lib/format.ts';
import { latestEvaluated } from '../../lib/run-metrics.ts';
import { useSession } from '../../session.tsx';

const METRIC_COLUMNS = [
  { key: 'auc', label: 'AUC', title: 'ROC AUC pooled over the sites' },
  { key: 'f1', label: 'F1', title: 'F1 score' },
  { key: 'precision', label: 'Prec.', title: 'precision' },
  { key: 'recall', label: 'Recall', title: 'recall' },
  { key: 'accuracy', label: 'Acc.', title: 'accuracy' },
] as const;

/** Pooled metrics per task of the current run's latest evaluated round, and its training loss. */
export function LatestMetricsCard() {
  const { federation } = useSession();
  const runId = federation.run?.runId;
  const rounds = useRestQuery('runRounds', { params: { id: runId ?? '' } }, { enabled: Boolean(runId) });
  const latest = rounds.data ? latestEvaluated(rounds.data) : undefined;
  const fit = federation.metrics.filter((m) => m.runId === runId && m.stage === 'fit').at(-1);
  // Before this session saw a commit, the stored loss of the newest committed round stands in.
  const stored = rounds.data?.filter((r) => typeof r.trainingLoss === 'number').at(-1);
  return (
    <Card title={latest ? `Latest metrics · round ${latest.number}` : 'Latest metrics'}>
      <ErrorNote error={rounds.error} context="Loading rounds" onRetry={rounds.reload} />
      {!latest?.metrics || Object.keys(latest.metrics.tasks).length === 0 ? (
        <Empty>No evaluated round yet.</Empty>
      ) : (
        <MetricsTable metrics={latest.metrics} />
      )}
      {fit && (
        <p className="muted small">
          Round {fit.roundNumber} training: objective (task loss + regularisation){' '}
          {formatMetric(fit.metrics.loss)} over {fit.metrics.examples ?? '—'} examples from{' '}
          {fit.metrics.sites ?? '—'} sites.
        </p>
      )}
      {!fit && stored && (
        <p className="muted small">
          Round {stored.number} training:{' '}
          {stored.trainingLossTerms && <>task loss {formatMetric(stored.trainingLossTerms.task)}, </>}
          objective (task loss + regularisation) {formatMetric(stored.trainingLoss)}.
        </p>
      )}
    </Card>
  );
}

function MetricsTable(props: { metrics: ShownMetrics }) {
  const tasks = Object.keys(props.metrics.tasks);
  return (
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
                  {formatMetric(props.metrics.tasks[task]?.[m.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
