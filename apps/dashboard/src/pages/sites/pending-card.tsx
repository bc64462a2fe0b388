import type { SiteSummary } from '@fedfuse/protocol';
import { ConfirmButton } from '../../components/confirm-button.tsx';
import { Card, Empty } from '../../components/ui.tsx';
import { formatTime } from '../../lib/format.ts';
import { useSiteAction } from './site-actions.tsx';

/** Sites that enrolled and wait for the operator, with the fingerprint to check before approving. */
export function PendingCard(props: { pending: SiteSummary[] }) {
  const act = useSiteAction();
  return (
    <Card title={`Waiting for approval (${props.pending.length})`}>
      {props.pending.length === 0 ? (
        <Empty>No enrollment is waiting. Sites appear here as soon as they enroll with a token.</Empty>
      ) : (
        <>
          <p className="muted small">
            Approve a site only if its fingerprint matches the one its administrator reads out from the site's
            daemon.
          </p>
          <ul className="pending-list">
            {props.pending.map((site) => (
              <li key={site.siteId} data-pending-site={site.name}>
                <div>
                  <strong>{site.name}</strong>
                  <div className="fingerprint">{site.fingerprint}</div>
                  <div className="muted small">enrolled {formatTime(site.enrolledAt)}</div>
                </div>
                <div className="row-actions">
                  <button type="button" className="primary" onClick={() => void act(site, 'approve')}>
                    Approve
                  </button>
                  <ConfirmButton
                    label="Reject"
                    title={`Reject ${site.name}?`}
                    message="The site's keys are revoked; it would have to enroll again with a new token."
                    confirmLabel="Revoke keys"
                    danger
                    onConfirm={() => act(site, 'revoke')}
                  />
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}
