import { useMemo } from 'react';
import type { RunDetail } from '@fedfuse/protocol';
import type { ShownRound } from '../../lib/run-metrics.ts';
import { AttentionBars } from '../../components/attention-bars.tsx';
import { LineChart } from '../../components/line-chart.tsx';
import { Card, Empty } from '../../components/ui.tsx';
import { formatMetric } from '../../lib/format.ts';
import type { AblationRow, LossBreakdown } from '../../lib/run-metrics.ts';
import {
  LOSS_TERM_LABELS,
  ablationTable,
  attentionOf,
  latestLossBreakdown,
  metricSeries,
  taskLossSeries,
  trainingLossSeries,
} from '../../lib/run-metrics.ts';

/** A metric per round, one line per task, on a fixed 0–1 axis. */
export function MetricChartCard(props: {
  rounds: ShownRound[];
  tasks: string[];
  metric: string;
  title: string;
}) {
  const { rounds, tasks, metric } = props;
  const data = useMemo(() => metricSeries(rounds, metric, tasks), [rounds, metric, tasks]);
  const series = useMemo(() => data.series.map((s) => ({ label: s.task, values: s.values })), [data]);
  return (
    <Card title={props.title} className="chart-card">
      {data.rounds.length === 0 ? (
        <Empty>No evaluated round yet.</Empty>
      ) : (
        <LineChart label={props.title} x={data.rounds} series={series} yRange={[0, 1]} />
      )}
    </Card>
  );
}

/**
 * The task loss per committed round (masked BCE over labelled entries, pooled over the sites by examples),
 * with the latest round's regularisation terms apart. Runs whose sites sent no terms show the whole
 * objective, labelled as including the regularisation.
 */
export function TrainingLossCard(props: { rounds: ShownRound[] }) {
  const task = useMemo(() => taskLossSeries(props.rounds), [props.rounds]);
  const total = useMemo(() => trainingLossSeries(props.rounds), [props.rounds]);
  const breakdown = useMemo(() => latestLossBreakdown(props.rounds), [props.rounds]);
  const data = task.rounds.length > 0 ? task : total;
  const label = task.rounds.length > 0 ? LOSS_TERM_LABELS.task : 'training objective (incl. regularisation)';
  const series = useMemo(() => [{ label, values: data.values }], [label, data]);
  const title = 'Training loss per round';
  return (
    <Card title={title} className="chart-card">
      {data.rounds.length === 0 ? (
        <Empty>No committed round yet.</Empty>
      ) : (
        <LineChart label={title} x={data.rounds} series={series} />
      )}
      {breakdown && <LossBreakdownLine breakdown={breakdown} />}
    </Card>
  );
}

function LossBreakdownLine(props: { breakdown: LossBreakdown }) {
  const { breakdown } = props;
  return (
    <p className="muted small" data-loss-breakdown>
      Round {breakdown.round}: {LOSS_TERM_LABELS.task} {formatMetric(breakdown.task, 4)}
      {breakdown.regularisers.map((r) => (
        <span key={r.term} data-loss-term={r.term}>
          {' '}
          · {r.label} {formatMetric(r.value, 4)}
        </span>
      ))}
      {breakdown.total !== null && <> · objective {formatMetric(breakdown.total, 4)}</>}
    </p>
  );
}

/** How much each task attends to each modality in the latest evaluated round. */
export function AttentionCard(props: { run: RunDetail; latest: ShownRound | undefined }) {
  const { latest } = props;
  const metrics = latest?.metrics;
  const rows = metrics
    ? props.run.tasks
        .map((task) => ({ task, weights: attentionOf(metrics, task) }))
        .filter((r) => r.weights.length > 0)
    : [];
  return (
    <Card title={latest ? `Attention weights · round ${latest.number}` : 'Attention weights'}>
      {rows.length > 0 ? (
        <AttentionBars rows={rows} />
      ) : (
        <Empty>
          {latest
            ? `The sites reported no attention weights (fusion “${props.run.config.model.fusion}”).`
            : 'No evaluated round yet.'}
        </Empty>
      )}
    </Card>
  );
}

/** AUC with each modality removed, next to the full model's, for the latest evaluated round. */
export function AblationCard(props: { latest: ShownRound | undefined }) {
  const { latest } = props;
  const table = latest?.metrics ? ablationTable(latest.metrics) : { modalities: [], rows: [] };
  return (
    <Card title={latest ? `Modality ablation · round ${latest.number}` : 'Modality ablation'}>
      {table.rows.length === 0 ? (
        <Empty>No ablation results in the latest evaluated round.</Empty>
      ) : (
        <table className="compact" data-ablation>
          <thead>
            <tr>
              <th>Task</th>
              <th className="num">full AUC</th>
              {table.modalities.map((m) => (
                <th key={m} className="num">
                  without {m}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row) => (
              <AblationTableRow key={row.task} row={row} modalities={table.modalities} />
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function AblationTableRow(props: { row: AblationRow; modalities: string[] }) {
  const { row } = props;
  return (
    <tr>
      <td>{row.task}</td>
      <td className="num">{formatMetric(row.full)}</td>
      {props.modalities.map((m) => {
        const value = row.without[m] ?? null;
        const change = value !== null && row.full !== null ? value - row.full : null;
        return (
          <td key={m} className="num">
            {formatMetric(value)}
            {change !== null && (
              <span className={change < 0 ? 'bad small' : 'muted small'}>
                {' '}
                ({change >= 0 ? '+' : ''}
                {change.toFixed(3)})
              </span>
            )}
          </td>
        );
      })}
    </tr>
  );
}
