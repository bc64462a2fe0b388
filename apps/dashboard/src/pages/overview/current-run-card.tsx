import { Badge, Card, Empty, ProgressBar } from '../../components/ui.tsx';
import { useNow } from '../../hooks.tsx';
import { formatRelative, formatTime } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';

/** The run the coordinator is on, its rounds, and the open round's stage and answers. */
export function CurrentRunCard() {
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
