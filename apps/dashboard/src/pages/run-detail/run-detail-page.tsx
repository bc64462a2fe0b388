import { useMemo } from 'react';
import type { RunDetail, RunSummary } from '@fedfuse/protocol';
import type { ShownRound } from '../../lib/run-metrics.ts';
import { useRestQuery } from '../../api/rest-queries.tsx';
import { Badge, Card, ErrorNote } from '../../components/ui.tsx';
import { latestEvaluated, withLiveMetrics } from '../../lib/run-metrics.ts';
import { useSession } from '../../session.tsx';
import { RunControls } from '../run-controls.tsx';
import { CheckpointsCard } from './checkpoints-card.tsx';
import { AblationCard, AttentionCard, MetricChartCard, TrainingLossCard } from './metric-cards.tsx';
import { PrivacyCard } from './privacy-card.tsx';
import { ProgressCard } from './progress-card.tsx';
import { RoundTimeline } from './round-timeline.tsx';
import { SelectedRoundNote } from './selected-round-note.tsx';

/**
 * One run: controls, progress, metrics per round, attention, ablation, rounds and checkpoints. The
 * configuration is read once; state and rounds completed come live from run:updated.
 */
export function RunDetailPage(props: { runId: string }) {
  const { federation } = useSession();
  const { runId } = props;
  // Refetched as rounds finish too (staleRoutes): an evaluated round may become the selected one.
  const fetched = useRestQuery('getRun', { params: { id: runId } });
  const rounds = useRestQuery('runRounds', { params: { id: runId } });
  const live = federation.runs.find((r) => r.runId === runId);
  const run = { ...fetched, data: fetched.data && withLiveSummary(fetched.data, live) };

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
        <RunControls run={run.data} />
      </div>
      <ErrorNote error={run.error} context="Refreshing the run" onRetry={run.reload} />
      {run.data.failure && <p className="banner banner-bad">Run failed: {run.data.failure}</p>}
      <SelectedRoundNote run={run.data} />
      <ErrorNote error={rounds.error} context="Loading rounds" onRetry={rounds.reload} />
      <RunBody run={run.data} rounds={rounds.data ?? []} />
    </div>
  );
}

/** The broadcast summary is newer than the page's one request for the run, when they differ. */
function withLiveSummary(run: RunDetail, live: RunSummary | undefined): RunDetail {
  if (!live) return run;
  return { ...run, ...live, roundsCompleted: Math.max(run.roundsCompleted, live.roundsCompleted) };
}

function RunBody(props: { run: RunDetail; rounds: ShownRound[] }) {
  const { federation } = useSession();
  const { run } = props;
  const tasks = run.tasks;
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
      <TrainingLossCard rounds={rounds} />
      <AttentionCard run={run} latest={latest} />
      <AblationCard latest={latest} />
      <CheckpointsCard run={run} />
      <PrivacyCard run={run} />
      <Card title="Round timeline" className="span-all">
        <RoundTimeline rounds={rounds} />
      </Card>
    </div>
  );
}
