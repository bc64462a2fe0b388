import { useState } from 'react';
import type { RunDetail } from '../api/schemas.ts';
import { RunDetail as RunDetailSchema, RunList } from '../api/schemas.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Badge, Card, Empty, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { useResource } from '../hooks.tsx';
import { formatTime } from '../lib/format.ts';
import { useSession } from '../session.tsx';
import { NewRunForm } from './new-run-form.tsx';

export type RunAction = 'start' | 'pause' | 'resume' | 'stop';

/** POST /api/runs/:id/:action; errors go to the operator, the answer to `onDone`. */
export function useRunAction() {
  const { api, report } = useSession();
  return async (run: RunDetail, action: RunAction, onDone?: (run: RunDetail) => void) => {
    try {
      onDone?.(await api.post(`/api/runs/${run.runId}/${action}`, RunDetailSchema));
    } catch (error) {
      report(error, `${action} run “${run.name}”`);
    }
  };
}

/** Start, pause, resume and stop, offered only where the run's state allows them. */
export function RunControls(props: { run: RunDetail; onDone?: (run: RunDetail) => void }) {
  const act = useRunAction();
  const { run, onDone } = props;
  const [busy, setBusy] = useState(false);
  const click = (action: RunAction) => () => {
    setBusy(true);
    void act(run, action, onDone).finally(() => setBusy(false));
  };
  return (
    <div className="row-actions" data-run-controls={run.runId}>
      {run.state === 'scheduled' && (
        <button type="button" className="primary" disabled={busy} onClick={click('start')}>
          Start
        </button>
      )}
      {run.state === 'running' && (
        <button type="button" disabled={busy} onClick={click('pause')}>
          Pause
        </button>
      )}
      {run.state === 'paused' && (
        <button type="button" className="primary" disabled={busy} onClick={click('resume')}>
          Resume
        </button>
      )}
      {(run.state === 'scheduled' || run.state === 'running' || run.state === 'paused') && (
        <ConfirmButton
          label="Stop"
          title={`Stop “${run.name}”?`}
          message="The open round is cancelled and the run ends; committed checkpoints stay available. A stopped run cannot be resumed."
          danger
          disabled={busy}
          onConfirm={() => act(run, 'stop', onDone)}
        />
      )}
    </div>
  );
}

/** Every run with its controls, and the form for a new one. */
export function RunsPage(props: { navigate: (path: string) => void }) {
  const { federation } = useSession();
  const runs = useResource((api) => api.get('/api/runs', RunList), [federation.versions.runs]);
  const [showForm, setShowForm] = useState(false);
  const sorted = [...(runs.data ?? [])].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <div className="page runs">
      <div className="page-title-row">
        <h1 className="page-title">Runs</h1>
        <button
          type="button"
          className="primary"
          onClick={() => setShowForm(!showForm)}
          aria-expanded={showForm}
        >
          {showForm ? 'Close the form' : 'New run'}
        </button>
      </div>
      {showForm && (
        <NewRunForm
          onCreated={(run) => {
            setShowForm(false);
            props.navigate(`/runs/${run.runId}`);
          }}
        />
      )}
      <Card title={`All runs (${sorted.length})`}>
        <ErrorNote error={runs.error} context="Loading runs" onRetry={runs.reload} />
        {sorted.length === 0 ? (
          <Empty>No runs yet. Create one with “New run”.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Run</th>
                  <th>State</th>
                  <th>Fusion · tasks</th>
                  <th>Strategy</th>
                  <th>Rounds</th>
                  <th>Schedule</th>
                  <th>Created</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((run) => (
                  <tr key={run.runId} data-run={run.name}>
                    <td>
                      <a href={`#/runs/${run.runId}`}>{run.name}</a>
                    </td>
                    <td>
                      <Badge value={run.state} title={run.failure ?? undefined} />
                    </td>
                    <td>
                      {run.config.model.fusion} · {run.config.model.tasks.join(', ')}
                    </td>
                    <td>{run.strategy}</td>
                    <td className="rounds-cell">
                      <span>
                        {run.roundsCompleted} / {run.roundsPlanned}
                      </span>
                      <ProgressBar
                        value={run.roundsCompleted}
                        max={run.roundsPlanned}
                        label={`${run.name} rounds`}
                      />
                    </td>
                    <td>{describeSchedule(run)}</td>
                    <td>{formatTime(run.createdAt)}</td>
                    <td>
                      <RunControls run={run} onDone={runs.reload} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

/** `cron 0 2 * * *`, `every 3600 s`, or `manual`. */
export function describeSchedule(run: RunDetail): string {
  const schedule = run.config.schedule;
  if (schedule?.cron) return `cron ${schedule.cron}`;
  if (schedule?.intervalSeconds) return `every ${schedule.intervalSeconds} s`;
  return 'manual';
}
