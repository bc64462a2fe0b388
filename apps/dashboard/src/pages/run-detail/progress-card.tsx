import type { RunDetail } from '@fedfuse/protocol';
import { Badge, Card, ProgressBar } from '../../components/ui.tsx';
import { formatTime } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';
import { describeSchedule } from '../run-controls.tsx';

const listed = (record: Record<string, unknown>, skip?: string) =>
  Object.entries(record)
    .filter(([key]) => key !== skip)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' · ');

/** How far the run is, and what it was configured with. */
export function ProgressCard(props: { run: RunDetail }) {
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
          {config.model.fusion} fusion · tasks {config.model.tasks?.join(', ') || 'from the sites at start'}
        </dd>
        <dt>Strategy</dt>
        <dd>{[config.strategy.name, listed(config.strategy, 'name')].filter(Boolean).join(' · ')}</dd>
        <dt>Sites</dt>
        <dd>
          min {config.minClients} · fraction {config.fraction ?? 1} · deadline{' '}
          {config.roundTimeoutSeconds ?? '—'} s
        </dd>
        <dt>Local</dt>
        <dd>{listed(config.local ?? {})}</dd>
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
