import { useMemo } from 'react';
import type { RoundView, RunDetail } from '../api/schemas.ts';
import { RoundList, RunDetail as RunDetailSchema } from '../api/schemas.ts';
import { AttentionBars } from '../components/attention-bars.tsx';
import { LineChart } from '../components/line-chart.tsx';
import { Badge, Card, Empty, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { useResource } from '../hooks.tsx';
import { formatMetric, formatTime } from '../lib/format.ts';
import {
  ablationTable,
  attentionOf,
  latestEvaluated,
  metricSeries,
  withLiveMetrics,
} from '../lib/run-metrics.ts';
import { useSession } from '../session.tsx';
import { CheckpointsCard } from './checkpoints-card.tsx';
import { RoundTimeline } from './round-timeline.tsx';
import { RunControls, describeSchedule } from './runs-page.tsx';

/** One run: controls, progress, metrics per round, attention, ablation, rounds and checkpoints. */
export function RunDetailPage(props: { runId: string }) {
  const { federation } = useSession();
  const { runId } = props;
  const version = federation.versions.runs;
  const run = useResource((api) => api.get(`/api/runs/${runId}`, RunDetailSchema), [runId, version]);
  const rounds = useResource((api) => api.get(`/api/runs/${runId}/rounds`, RoundList), [runId, version]);

  if (!run.data) {
    return (
      <div className="page">
        <a href="#/runs">← Runs</a>
        <ErrorNote error={run.error} context="Loading the run" onRetry={run.reload} />
        {!run.error && <p className="muted">Loading…</p>}
      </div>
    );
  }
  return (
    <div className="page run-detail" data-run-detail={run.data.runId}>
      <div className="page-title-row">
        <h1 className="page-title">
          <a href="#/runs" className="crumb">
            Runs /
          </a>{' '}
          {run.data.name} <Badge value={run.data.state} />
        </h1>
        <RunControls run={run.data} onDone={run.reload} />
      </div>
      <ErrorNote error={run.error} context="Refreshing the run" onRetry={run.reload} />
      {run.data.failure && <p className="banner banner-bad">Run failed: {run.data.failure}</p>}
      <ErrorNote error={rounds.error} context="Loading rounds" onRetry={rounds.reload} />
      <RunBody run={run.data} rounds={rounds.data ?? []} />
    </div>
  );
}

function RunBody(props: { run: RunDetail; rounds: RoundView[] }) {
  const { federation } = useSession();
  const { run } = props;
  const tasks = run.config.model.tasks;
  const live = federation.metrics;
  const rounds = useMemo(
    () =>
      withLiveMetrics(
        props.rounds,
        live.filter((m) => m.runId === run.runId),
        tasks,
      ),
    [props.rounds, live, run.runId, tasks],
  );
  const auc = useMemo(() => metricSeries(rounds, 'auc', tasks), [rounds, tasks]);
  const f1 = useMemo(() => metricSeries(rounds, 'f1', tasks), [rounds, tasks]);
  const latest = latestEvaluated(rounds);
  const attention = latest?.metrics
    ? tasks
        .map((task) => ({ task, weights: attentionOf(latest.metrics!, task) }))
        .filter((r) => r.weights.length > 0)
    : [];
  const ablation = latest?.metrics ? ablationTable(latest.metrics) : { modalities: [], rows: [] };
  return (
    <div className="grid grid-run">
      <ProgressCard run={run} />
      <Card title="AUC per round" className="chart-card">
        {auc.rounds.length === 0 ? (
          <Empty>No evaluated round yet.</Empty>
        ) : (
          <LineChart
            label="AUC per round"
            x={auc.rounds}
            series={auc.series.map((s) => ({ label: s.task, values: s.values }))}
            yRange={[0, 1]}
          />
        )}
      </Card>
      <Card title="F1 per round" className="chart-card">
        {f1.rounds.length === 0 ? (
          <Empty>No evaluated round yet.</Empty>
        ) : (
          <LineChart
            label="F1 per round"
            x={f1.rounds}
            series={f1.series.map((s) => ({ label: s.task, values: s.values }))}
            yRange={[0, 1]}
          />
        )}
      </Card>
      <Card title={latest ? `Attention weights · round ${latest.number}` : 'Attention weights'}>
        {attention.length === 0 ? (
          <Empty>
            {latest
              ? `The sites reported no attention weights (fusion “${run.config.model.fusion}”).`
              : 'No evaluated round yet.'}
          </Empty>
        ) : (
          <AttentionBars rows={attention} />
        )}
      </Card>
      <Card title={latest ? `Modality ablation · round ${latest.number}` : 'Modality ablation'}>
        {ablation.rows.length === 0 ? (
          <Empty>No ablation results in the latest evaluated round.</Empty>
        ) : (
          <table className="compact" data-ablation>
            <thead>
              <tr>
                <th>Task</th>
                <th className="num">full AUC</th>
                {ablation.modalities.map((m) => (
                  <th key={m} className="num">
                    without {m}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ablation.rows.map((row) => (
                <tr key={row.task}>
                  <td>{row.task}</td>
                  <td className="num">{formatMetric(row.full)}</td>
                  {ablation.modalities.map((m) => {
                    const value = row.without[m];
                    const drop =
                      value !== undefined && value !== null && row.full !== null ? value - row.full : null;
                    return (
                      <td key={m} className="num">
                        {formatMetric(value)}
                        {drop !== null && (
                          <span className={drop < 0 ? 'bad small' : 'muted small'}>
                            {' '}
                            ({drop >= 0 ? '+' : ''}
                            {drop.toFixed(3)})
                          </span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <CheckpointsCard run={run} />
      <Card title="Round timeline" className="span-all">
        <RoundTimeline rounds={rounds} />
      </Card>
    </div>
  );
}

function ProgressCard(props: { run: RunDetail }) {
  const { federation } = useSession();
  const { run } = props;
  const round = federation.round?.runId === run.runId ? federation.round : null;
  const { config } = run;
  return (
    <Card title="Progress and configuration">
      <div className="meter">
        <div className="meter-label">
          Rounds <strong data-rounds-completed>{run.roundsCompleted}</strong> of {run.roundsPlanned}
          {round && (
            <>
              {' '}
              · round {round.roundNumber} <Badge value={round.stage} /> {round.submitted}/{round.selected}{' '}
              answered
            </>
          )}
        </div>
        <ProgressBar value={run.roundsCompleted} max={run.roundsPlanned} label="rounds completed" />
      </div>
      <dl className="facts">
        <dt>Model</dt>
        <dd>
          {config.model.fusion} fusion · tasks {config.model.tasks.join(', ')}
        </dd>
        <dt>Strategy</dt>
        <dd>
          {Object.entries(config.strategy)
            .map(([k, v]) => (k === 'name' ? String(v) : `${k}=${String(v)}`))
            .join(' · ')}
        </dd>
        <dt>Sites</dt>
        <dd>
          min {config.minClients} · fraction {config.fraction ?? 1} · deadline{' '}
          {config.roundTimeoutSeconds ?? '—'} s
        </dd>
        <dt>Local</dt>
        <dd>
          {Object.entries(config.local ?? {})
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' · ')}
        </dd>
        <dt>Schedule</dt>
        <dd>{describeSchedule(run)}</dd>
        <dt>Created</dt>
        <dd>{formatTime(run.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(run.startedAt)}</dd>
        {run.finishedAt && (
          <>
            <dt>Finished</dt>
            <dd>{formatTime(run.finishedAt)}</dd>
          </>
        )}
      </dl>
    </Card>
  );
}
