import { useState } from 'react';
import type { RunDetail } from '../api/schemas.ts';
import { RunList } from '../api/schemas.ts';
import { Badge, Card, Empty, ErrorNote, ProgressBar } from '../components/ui.tsx';
import { useResource } from '../hooks.tsx';
import { formatTime } from '../lib/format.ts';
import { useSession } from '../session.tsx';
import { RunControls, describeSchedule } from './run-controls.tsx';
import { NewRunForm } from './run-form/new-run-form.tsx';

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
          <RunsTable runs={sorted} onChanged={runs.reload} />
        )}
      </Card>
    </div>
  );
}

function RunsTable(props: { runs: RunDetail[]; onChanged: () => void }) {
  return (
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
          {props.runs.map((run) => (
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
                <RunControls run={run} onDone={props.onChanged} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
