import type { ShownRound } from '../../lib/run-metrics.ts';
import { Badge, Empty } from '../../components/ui.tsx';
import { useNow } from '../../hooks.tsx';
import { formatDuration, formatMetric, formatTime } from '../../lib/format.ts';
import { roundTimeline } from '../../lib/run-metrics.ts';
import { useSession } from '../../session.tsx';

/** Every attempt at every round: when, how long, which sites took part, and why it failed. */
export function RoundTimeline(props: { rounds: ShownRound[] }) {
  const { siteName } = useSession();
  const now = useNow();
  const entries = roundTimeline(props.rounds, now);
  const failures = new Map(props.rounds.map((r) => [r.roundId, r.siteFailures]));
  const rejections = new Map(props.rounds.map((r) => [r.roundId, r.rejections]));
  if (entries.length === 0) return <Empty>No round has started yet.</Empty>;
  const longest = Math.max(...entries.map((e) => e.durationMs), 1);
  return (
    <div className="table-wrap scroll-y">
      <table className="timeline" data-timeline>
        <thead>
          <tr>
            <th>Round</th>
            <th>Phase</th>
            <th>Started</th>
            <th className="duration-col">Duration</th>
            <th>Sites</th>
            <th className="num">Training loss</th>
            <th>Failure</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.roundId} data-timeline-round={e.number} data-stage={e.stage}>
              <td>
                {e.number}
                {e.attempt > 1 && <span className="muted small"> (attempt {e.attempt})</span>}
              </td>
              <td>
                <Badge value={e.stage} />
              </td>
              <td>{formatTime(e.startedAt)}</td>
              <td className="duration-col">
                <div className="duration">
                  <div
                    className={`duration-bar ${e.finishedAt === null ? 'duration-open' : ''} ${e.failure ? 'duration-failed' : ''}`}
                    style={{ width: `${Math.max(2, (e.durationMs / longest) * 100)}%` }}
                  />
                  <span>{formatDuration(e.durationMs)}</span>
                </div>
              </td>
              <td>
                <span className="chips">
                  {e.sites.map((id) => (
                    <span className="chip" key={id}>
                      {siteName(id)}
                    </span>
                  ))}
                </span>
              </td>
              <td className="num" data-training-loss={e.trainingLoss ?? ''}>
                {formatMetric(e.trainingLoss)}
              </td>
              <td className="bad" data-round-failure>
                {e.failure ?? ''}
                <SiteFailures failures={failures.get(e.roundId) ?? []} />
                <Rejections rejections={rejections.get(e.roundId) ?? []} siteName={siteName} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What the coordinator refused or left out of this round (a poisoned update, a forged evaluation), and why. */
function Rejections(props: {
  rejections: NonNullable<ShownRound['rejections']>;
  siteName: (id: string) => string;
}) {
  if (props.rejections.length === 0) return null;
  return (
    <ul className="site-failures">
      {props.rejections.map((r, i) => (
        <li key={i} data-round-rejection={r.code}>
          <b>{r.siteId ? props.siteName(r.siteId) : 'unknown site'}</b> ({r.code}): {r.reason}
        </li>
      ))}
    </ul>
  );
}

/** Each site's own reason, so the operator sees what to fix and where without reading logs. */
function SiteFailures(props: { failures: NonNullable<ShownRound['siteFailures']> }) {
  if (props.failures.length === 0) return null;
  return (
    <ul className="site-failures">
      {props.failures.map((f) => (
        <li key={`${f.siteId} ${f.stage}`} data-site-failure={f.siteName}>
          <b>{f.siteName}</b> ({f.stage}, {f.code}
          {f.retryable ? '' : ', will not pass on retry'}): {f.message}
        </li>
      ))}
    </ul>
  );
}
