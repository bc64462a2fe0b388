import { useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { CreatedToken } from '@fedfuse/protocol';
import { useRestQuery } from '../../api/rest-queries.tsx';
import { Badge, Card, ErrorNote } from '../../components/ui.tsx';
import { useNow } from '../../hooks.tsx';
import { formatRelative, formatTime } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';

const VALIDITY = [
  { label: '1 hour', seconds: 3_600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
];

/** Creates one-time enrollment tokens and shows each exactly once (the coordinator keeps only its hash). */
export function TokenCard() {
  const { api } = useSession();
  const [label, setLabel] = useState('');
  const [ttlSeconds, setTtl] = useState(86_400);
  const [autoApprove, setAutoApprove] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const tokens = useRestQuery('listTokens', {});

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    api
      .call('createToken', { body: { label: label.trim() || 'site', ttlSeconds, autoApprove } })
      .then((token) => {
        setCreated(token);
        setLabel('');
      })
      .catch((e: unknown) => setError(e))
      .finally(() => setBusy(false));
  };

  const open = (tokens.data ?? []).filter((t) => t.state === 'open');
  return (
    <Card title="Enroll a site">
      <form className="form-inline" onSubmit={submit}>
        <label>
          Label
          <input
            name="label"
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder="e.g. St. Mary's radiology"
            maxLength={200}
          />
        </label>
        <label>
          Valid for
          <select name="ttl" value={ttlSeconds} onChange={(e) => setTtl(Number(e.target.value))}>
            {VALIDITY.map((v) => (
              <option key={v.seconds} value={v.seconds}>
                {v.label}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={autoApprove} onChange={(e) => setAutoApprove(e.target.checked)} />
          approve automatically
        </label>
        <button type="submit" className="primary" disabled={busy}>
          Create token
        </button>
      </form>
      <ErrorNote error={error} context="Creating the token" />
      {created && <NewToken token={created} onDone={() => setCreated(null)} />}
      <details className="token-list">
        <summary>
          Open tokens ({open.length}) · all tokens ({tokens.data?.length ?? 0})
        </summary>
        <ErrorNote error={tokens.error} context="Loading tokens" onRetry={tokens.reload} />
        <table className="compact">
          <tbody>
            {(tokens.data ?? []).map((t) => (
              <tr key={t.id}>
                <td>{t.label}</td>
                <td>
                  <Badge value={t.state} />
                </td>
                <td className="muted">
                  {t.state === 'used' ? `used ${formatTime(t.usedAt)}` : `expires ${formatTime(t.expiresAt)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </Card>
  );
}

function NewToken(props: { token: CreatedToken; onDone: () => void }) {
  const { report } = useSession();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const now = useNow();
  const copy = () => {
    // The Clipboard API needs a secure context; on plain http the selection is copied the old way.
    const copyBySelection = () => {
      input.current?.select();
      if (document.execCommand('copy')) setCopied(true);
      else
        report(new Error('the browser refused; select the token and copy it by hand'), 'Copying the token');
    };
    if (!navigator.clipboard) return copyBySelection();
    navigator.clipboard.writeText(props.token.token).then(() => setCopied(true), copyBySelection);
  };
  return (
    <div className="new-token" data-new-token>
      <p>
        <strong>Token for “{props.token.label}”.</strong> Give it to the site's administrator now: it is shown
        only this once.
      </p>
      <div className="token-row">
        <input
          ref={input}
          readOnly
          value={props.token.token}
          data-enrollment-token
          aria-label="enrollment token"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="muted small">
        Expires {formatTime(props.token.expiresAt)} ({formatRelative(props.token.expiresAt, now)})
        {props.token.autoApprove
          ? ' · the site is approved as soon as it enrolls'
          : ' · you approve the site after it enrolls'}
        .{' '}
        <button type="button" className="link" onClick={props.onDone}>
          Done
        </button>
      </p>
    </div>
  );
}
