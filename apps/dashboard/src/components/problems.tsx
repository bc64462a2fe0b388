import { formatTime } from '../lib/format.ts';
import { useSession } from '../session.tsx';

/** Errors from the API and the live connection, until the operator dismisses them. */
export function Problems() {
  const { problems, dismiss, federation, dispatch } = useSession();
  if (problems.length === 0 && federation.problems.length === 0) return null;
  return (
    <div className="problems" role="alert" aria-live="assertive">
      {problems.map((p) => (
        <div className="problem" key={p.id} data-problem>
          <span className="problem-time">{formatTime(p.at)}</span>
          <span className="problem-message">{p.message}</span>
          <button type="button" className="link" onClick={() => dismiss(p.id)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
      {federation.problems.map((message, index) => (
        <div className="problem" key={`live-${index}`} data-problem>
          <span className="problem-time">live update refused</span>
          <span className="problem-message">{message}</span>
          <button
            type="button"
            className="link"
            onClick={() => dispatch({ type: 'dismissProblem', index })}
            aria-label="Dismiss"
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
