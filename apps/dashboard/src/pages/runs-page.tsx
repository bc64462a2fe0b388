import { useState } from 'react';
import type { RunSummary } from '@fedfuse/protocol';
import { Badge, Card, Empty, ProgressBar } from '../components/ui.tsx';
import { formatTime } from '../lib/format.ts';
import { useSession } from '../session.tsx';
import { RunControls, describeSchedule } from './run-controls.tsx';
import { NewRunForm } from './run-form/new-run-form.tsx';

/**
 * Every run with its controls, and the form for a new one. The list is the live state: the snapshot's
 * runs, then each run:updated, so a run created or changed anywhere shows here at once.
 */
export function RunsPage(props: { navigate: (path: string) => void }) {
  const { federation } = useSession();
  const [showForm, setShowForm] = useState(false);
  const sorted = federation.runs;
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
        {sorted.length === 0 ? (
          <Empty>No runs yet. Create one with “New run”.</Empty>
        ) : (
          <RunsTable runs={sorted} />
        )}
      </Card>
    </div>
  );
}

function RunsTable(props: { runs: RunSummary[] }) {
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
            <tr key={run.runId} data-run={run.name} data-state={run.state}>
              <td>
                <a href={`#/runs/${run.runId}`}>{run.name}</a>
              </td>
              <td>
                <Badge value={run.state} title={run.failure ?? undefined} />
              </td>
              <td>
                {run.fusion} · {run.tasks.join(', ')}
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
                <RunControls run={run} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
