import { useMemo } from 'react';
import type { RoundView, RunDetail } from '../../api/schemas.ts';
import { RoundList, RunDetail as RunDetailSchema } from '../../api/schemas.ts';
import { Badge, Card, ErrorNote } from '../../components/ui.tsx';
import { useResource } from '../../hooks.tsx';
import { latestEvaluated, withLiveMetrics } from '../../lib/run-metrics.ts';
import { useSession } from '../../session.tsx';
import { RunControls } from '../run-controls.tsx';
import { CheckpointsCard } from './checkpoints-card.tsx';
import { AblationCard, AttentionCard, MetricChartCard } from './metric-cards.tsx';
import { ProgressCard } from './progress-card.tsx';
import { RoundTimeline } from './round-timeline.tsx';

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
  // Broadcast metrics fill rounds the REST answer has not caught up with, so charts move at once.
  const rounds = useMemo(
    () =>
      withLiveMetrics(
        props.rounds,
        live.filter((m) => m.runId === run.runId),
        tasks,
      ),
    [props.rounds, live, run.runId, tasks],
  );
  const latest = latestEvaluated(rounds);
  return (
    <div className="grid grid-run">
      <ProgressCard run={run} />
      <MetricChartCard rounds={rounds} tasks={tasks} metric="auc" title="AUC per round" />
      <MetricChartCard rounds={rounds} tasks={tasks} metric="f1" title="F1 per round" />
      <AttentionCard run={run} latest={latest} />
      <AblationCard latest={latest} />
      <CheckpointsCard run={run} />
      <Card title="Round timeline" className="span-all">
        <RoundTimeline rounds={rounds} />
      </Card>
    </div>
  );
}
