import type { ReactNode } from 'react';
import { describeError } from '../session.tsx';

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

const TONES: Record<string, Tone> = {
  // sites
  approved: 'ok',
  pending: 'warn',
  suspended: 'bad',
  revoked: 'muted',
  // runs
  scheduled: 'info',
  running: 'ok',
  paused: 'warn',
  stopped: 'muted',
  completed: 'info',
  failed: 'bad',
  // rounds
  fit: 'info',
  aggregating: 'info',
  evaluate: 'info',
  committed: 'ok',
  cancelled: 'bad',
  // audit outcomes and tokens
  ok: 'ok',
  refused: 'warn',
  open: 'ok',
  used: 'muted',
  expired: 'muted',
};

/** A coloured word for a status, state, round stage or outcome. */
export function Badge(props: { value: string; title?: string }) {
  const tone = TONES[props.value] ?? 'muted';
  return (
    <span className={`badge badge-${tone}`} title={props.title} data-value={props.value}>
      {props.value}
    </span>
  );
}

/** `value` of `max` as a bar, with an accessible label. */
export function ProgressBar(props: { value: number; max: number; label: string; failed?: number }) {
  const max = Math.max(props.max, 1);
  const done = Math.min(props.value / max, 1);
  const failed = Math.min((props.failed ?? 0) / max, 1 - done);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.max}
      aria-valuenow={props.value}
    >
      <div className="progress-done" style={{ width: `${done * 100}%` }} />
      {failed > 0 && <div className="progress-failed" style={{ width: `${failed * 100}%` }} />}
    </div>
  );
}

/** An error shown where the data would have been. */
export function ErrorNote(props: { error: unknown; context?: string; onRetry?: () => void }) {
  if (props.error === undefined || props.error === null) return null;
  return (
    <div className="error-note" role="alert">
      <strong>{props.context ?? 'Request failed'}:</strong> {describeError(props.error)}
      {props.onRetry && (
        <button type="button" className="link" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** A titled panel. */
export function Card(props: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  id?: string;
}) {
  return (
    <section className={`card ${props.className ?? ''}`} id={props.id}>
      <header className="card-header">
        <h2>{props.title}</h2>
        {props.actions && <div className="card-actions">{props.actions}</div>}
      </header>
      <div className="card-body">{props.children}</div>
    </section>
  );
}

/** What a panel says when there is nothing to show yet. */
export function Empty(props: { children: ReactNode }) {
  return <p className="empty">{props.children}</p>;
}
