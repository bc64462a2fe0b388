import { useState } from 'react';
import type { RunAction, RunSummary, RunView } from '@fedfuse/protocol';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { useSession } from '../session.tsx';

/** POST /api/runs/:id/:action; errors go to the operator, the answer to `onDone`. */
function useRunAction() {
  const { api, report } = useSession();
  return async (run: RunSummary, action: RunAction, onDone?: (run: RunView) => void) => {
    try {
      // Not `onDone?.(await …)`: without onDone that would skip the request itself.
      const updated = await api.call('actOnRun', { params: { id: run.runId, action } });
      onDone?.(updated);
    } catch (error) {
      report(error, `${action} run “${run.name}”`);
    }
  };
}

/** Start, pause, resume and stop, offered only where the run's state allows them. */
export function RunControls(props: { run: RunSummary; onDone?: (run: RunView) => void }) {
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

/** `cron 0 2 * * *`, `every 3600 s`, or `manual`. */
export function describeSchedule(run: RunSummary): string {
  const schedule = run.schedule;
  if (schedule?.cron) return `cron ${schedule.cron}`;
  if (schedule?.intervalSeconds) return `every ${schedule.intervalSeconds} s`;
  return 'manual';
}
