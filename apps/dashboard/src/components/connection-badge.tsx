import type { ConnectionState } from '../live/ops-connection.ts';

const LABELS: Record<ConnectionState['status'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  refused: 'Refused',
  closed: 'Offline',
};

/** Whether the dashboard is receiving live updates, and if not, why. */
export function ConnectionBadge(props: { state: ConnectionState }) {
  const { status, detail, attempt } = props.state;
  const text =
    status === 'reconnecting' && attempt > 0 ? `${LABELS[status]} (attempt ${attempt})` : LABELS[status];
  return (
    <span
      className={`connection connection-${status}`}
      role="status"
      data-connection={status}
      title={detail ?? undefined}
    >
      <span className="dot" aria-hidden="true" />
      {text}
      {detail && status !== 'live' && <span className="connection-detail">{detail}</span>}
    </span>
  );
}
