import { Fragment, useState } from 'react';
import { SiteSummary } from '@fedfuse/protocol';
import type { SiteDetail } from '../api/schemas.ts';
import { RejectionList, SiteList } from '../api/schemas.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Badge, Card, Empty, ErrorNote } from '../components/ui.tsx';
import { useNow, useResource } from '../hooks.tsx';
import { formatAgo, formatCombination, formatCount, formatTime } from '../lib/format.ts';
import { useSession } from '../session.tsx';
import { TokenCard } from './token-card.tsx';

type SiteAction = 'approve' | 'suspend' | 'reinstate' | 'revoke';

/** Calls POST /api/sites/:id/:action and applies the answer at once (the broadcast follows). */
function useSiteAction() {
  const { api, dispatch, report } = useSession();
  return async (site: { siteId: string; name: string }, action: SiteAction) => {
    try {
      const summary = await api.post(`/api/sites/${site.siteId}/${action}`, SiteSummary);
      dispatch({ type: 'site:updated', payload: summary });
    } catch (error) {
      report(error, `${action} ${site.name}`);
    }
  };
}

/** Enrollment tokens, sites waiting for approval, and every site with its data, software and record. */
export function SitesPage() {
  const { federation } = useSession();
  const sites = useResource((api) => api.get('/api/sites', SiteList), [federation.versions.sites]);
  // Live summaries win over the last REST answer: they carry status and connection changes first.
  const live = new Map(federation.sites.map((s) => [s.siteId, s]));
  const merged = (sites.data ?? []).map((s) => ({ ...s, ...live.get(s.siteId) }));
  const pending = federation.sites.filter((s) => s.status === 'pending');
  const enrolled = merged.filter((s) => s.status !== 'pending');
  return (
    <div className="page sites">
      <h1 className="page-title">Sites</h1>
      <div className="grid grid-sites">
        <TokenCard />
        <PendingCard pending={pending} />
      </div>
      <Card title={`Enrolled sites (${enrolled.length})`}>
        <ErrorNote error={sites.error} context="Loading sites" onRetry={sites.reload} />
        {enrolled.length === 0 ? (
          <Empty>No site has been approved yet.</Empty>
        ) : (
          <SitesTable sites={enrolled} />
        )}
      </Card>
    </div>
  );
}

function PendingCard(props: { pending: SiteSummary[] }) {
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

function SitesTable(props: { sites: SiteDetail[] }) {
  const [open, setOpen] = useState<string | null>(null);
  const now = useNow(5_000);
  return (
    <div className="table-wrap">
      <table className="sites-table">
        <thead>
          <tr>
            <th>Site</th>
            <th>Status</th>
            <th>Last seen</th>
            <th>Backend</th>
            <th>Version</th>
            <th className="num">Patients (train / test)</th>
            <th className="num">Rounds joined</th>
            <th className="num">Updates rejected</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.sites.map((site) => (
            <Fragment key={site.siteId}>
              <tr data-site={site.name} data-status={site.status}>
                <td>
                  <button
                    type="button"
                    className="link expander"
                    aria-expanded={open === site.siteId}
                    onClick={() => setOpen(open === site.siteId ? null : site.siteId)}
                  >
                    {open === site.siteId ? '▾' : '▸'} {site.name}
                  </button>
                </td>
                <td>
                  <Badge value={site.status} />{' '}
                  <span className={`online ${site.connected ? 'online-yes' : ''}`}>
                    {site.connected ? 'connected' : 'offline'}
                  </span>
                </td>
                <td title={formatTime(site.lastSeenAt)}>
                  {site.connected ? 'now' : formatAgo(site.lastSeenAt, now)}
                </td>
                <td>{site.backend ?? '—'}</td>
                <td>{site.softwareVersion ?? '—'}</td>
                <td className="num">
                  {site.data
                    ? `${formatCount(site.data.trainPatients)} / ${formatCount(site.data.testPatients)}`
                    : '—'}
                </td>
                <td className="num">{site.roundsJoined}</td>
                <td
                  className={`num ${site.updatesRejected > 0 ? 'bad' : ''}`}
                  data-rejected={site.updatesRejected}
                >
                  {site.updatesRejected}
                </td>
                <td>
                  <SiteActions site={site} />
                </td>
              </tr>
              {open === site.siteId && (
                <tr className="site-details-row">
                  <td colSpan={9}>
                    <SiteDetails site={site} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SiteActions(props: { site: SiteDetail }) {
  const act = useSiteAction();
  const { site } = props;
  return (
    <div className="row-actions">
      {site.status === 'approved' && (
        <ConfirmButton
          label="Suspend"
          title={`Suspend ${site.name}?`}
          message="Its connection is dropped at once and it cannot join rounds or hand in updates until you reinstate it."
          danger
          onConfirm={() => act(site, 'suspend')}
        />
      )}
      {site.status === 'suspended' && (
        <button type="button" onClick={() => void act(site, 'reinstate')}>
          Reinstate
        </button>
      )}
      {site.status !== 'revoked' && (
        <ConfirmButton
          label="Revoke"
          title={`Revoke ${site.name}?`}
          message="Its keys are refused from now on; the site has to enroll again with a new token. This cannot be undone."
          danger
          onConfirm={() => act(site, 'revoke')}
        />
      )}
    </div>
  );
}

function SiteDetails(props: { site: SiteDetail }) {
  const { federation } = useSession();
  const { site } = props;
  const rejections = useResource(
    (api) => api.get(`/api/sites/${site.siteId}/rejections`, RejectionList),
    [site.siteId, federation.versions.sites],
  );
  const combinations = Object.entries(site.data?.combinations ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <div className="site-details" data-site-details={site.name}>
      <div>
        <h3>Identity</h3>
        <dl className="facts">
          <dt>Fingerprint</dt>
          <dd className="fingerprint">{site.fingerprint}</dd>
          <dt>Enrolled</dt>
          <dd>{formatTime(site.enrolledAt)}</dd>
          <dt>Site id</dt>
          <dd>
            <code>{site.siteId}</code>
          </dd>
        </dl>
      </div>
      <div>
        <h3>Patients per modality combination</h3>
        {combinations.length === 0 ? (
          <Empty>The site has not reported its data yet.</Empty>
        ) : (
          <table className="compact">
            <tbody>
              {combinations.map(([key, count]) => (
                <tr key={key}>
                  <td>{formatCombination(key)}</td>
                  <td className="num">{formatCount(count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div>
        <h3>Rejected updates</h3>
        <ErrorNote error={rejections.error} context="Loading rejections" onRetry={rejections.reload} />
        {rejections.data && rejections.data.length === 0 && <Empty>None.</Empty>}
        {rejections.data && rejections.data.length > 0 && (
          <table className="compact">
            <tbody>
              {rejections.data.map((r, i) => (
                <tr key={`${r.at}-${i}`} data-rejection={r.code}>
                  <td>{formatTime(r.at)}</td>
                  <td>
                    <Badge value={r.code} />
                  </td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
