import { useState } from 'react';
import { checkpointFileName } from '@fedfuse/protocol';
import type { RunDetail } from '@fedfuse/protocol';
import { useRestQuery } from '../../api/rest-queries.tsx';
import { Card, Empty, ErrorNote } from '../../components/ui.tsx';
import { formatTime, shortId } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';

const FILES = ['model.json', 'weights.bin'] as const;

/** Saves bytes under `name` through a temporary blob URL (the download needs the bearer token). */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the URL after click() returns; give them a moment before releasing it.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Committed checkpoints of a run, downloadable as tfjs weights (model.json + weights.bin). */
export function CheckpointsCard(props: { run: RunDetail }) {
  const { api, report } = useSession();
  const { run } = props;
  const checkpoints = useRestQuery('runCheckpoints', { params: { id: run.runId } });
  const [busy, setBusy] = useState<string | null>(null);
  const download = (round: number, file: (typeof FILES)[number]) => {
    const key = `${round}/${file}`;
    setBusy(key);
    api
      .checkpointFile({ id: run.runId, round, file })
      // Saved under the names the coordinator gives them, which model.json uses for its weights file.
      .then((blob) => save(blob, checkpointFileName(run.name, round, file)))
      .catch((error: unknown) => report(error, `Downloading ${file} of round ${round}`))
      .finally(() => setBusy(null));
  };
  const list = [...(checkpoints.data ?? [])].sort((a, b) => b.round - a.round);
  return (
    <Card title={`Checkpoints (${list.length})`}>
      <ErrorNote error={checkpoints.error} context="Loading checkpoints" onRetry={checkpoints.reload} />
      {list.length === 0 ? (
        <Empty>No committed round yet.</Empty>
      ) : (
        <div className="table-wrap scroll-y">
          <table className="compact" data-checkpoints>
            <thead>
              <tr>
                <th>Round</th>
                <th>SHA-256</th>
                <th>Committed</th>
                <th>Download</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.round} data-checkpoint={c.round}>
                  <td>{c.round}</td>
                  <td>
                    <code title={c.sha256}>{shortId(c.sha256)}…</code>
                  </td>
                  <td>{formatTime(c.createdAt)}</td>
                  <td className="row-actions">
                    {FILES.map((file) => (
                      <button
                        key={file}
                        type="button"
                        className="small-button"
                        disabled={busy === `${c.round}/${file}`}
                        onClick={() => download(c.round, file)}
                        data-download={file}
                      >
                        {file}
                      </button>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
