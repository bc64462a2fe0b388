import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiClient, ApiError } from '../api/api-client.ts';
import { describeError } from '../session.tsx';

/** Asks for the operator token and checks it against the coordinator before keeping it. */
export function SignInPage(props: { notice: string | null; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) return setError('Enter the operator token.');
    setBusy(true);
    setError(null);
    new ApiClient({ baseUrl: '', token: candidate })
      .call('federation', {})
      .then(() => props.onSignedIn(candidate))
      .catch((e: unknown) => {
        setError(
          e instanceof ApiError && e.status === 401
            ? 'The coordinator did not accept this token.'
            : describeError(e),
        );
        setBusy(false);
      });
  };

  return (
    <div className="sign-in">
      <form className="card sign-in-card" onSubmit={submit}>
        <h1>
          <span className="brand-mark" aria-hidden="true" /> FedFuse operator
        </h1>
        <p className="muted">
          Sign in with the coordinator's operator token (the <code>operator-token</code> file in its data
          folder, or the file or value it was started with: <code>FEDFUSE_OPERATOR_TOKEN_FILE</code>,{' '}
          <code>FEDFUSE_OPERATOR_TOKEN</code>). It is kept for this browser tab only.
        </p>
        {props.notice && <p className="banner banner-warn">{props.notice}</p>}
        <label>
          Operator token
          <input
            name="token"
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoFocus
          />
        </label>
        {error && (
          <p className="error-note" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
