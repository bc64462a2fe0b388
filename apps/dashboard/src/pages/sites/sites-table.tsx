import { useState } from 'react';
import type { SiteDetail } from '@fedfuse/protocol';
import { Badge } from '../../components/ui.tsx';
import { useNow } from '../../hooks.tsx';
import { formatAgo, formatCount, formatTime } from '../../lib/format.ts';
import { SiteActions } from './site-actions.tsx';
import { SiteDetails } from './site-details.tsx';

/** Enrolled sites: status, software, data coverage and record; a row opens to the site's details. */
export function SitesTable(props: { sites: SiteDetail[] }) {
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
            <SiteRow
              key={site.siteId}
              site={site}
              now={now}
              open={open === site.siteId}
              onToggle={() => setOpen(open === site.siteId ? null : site.siteId)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SiteRow(props: { site: SiteDetail; now: number; open: boolean; onToggle: () => void }) {
  const { site, now } = props;
  return (
    <>
      <tr data-site={site.name} data-status={site.status}>
        <td>
          <button type="button" className="link expander" aria-expanded={props.open} onClick={props.onToggle}>
            {props.open ? '▾' : '▸'} {site.name}
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
          title={site.lastRejection ? `Last: ${site.lastRejection.reason}` : undefined}
        >
          {site.updatesRejected}
          {site.lastRejection && (
            <span className="small" data-last-rejection={site.lastRejection.code}>
              {' '}
              <Badge value={site.lastRejection.code} />
            </span>
          )}
        </td>
        <td>
          <SiteActions site={site} />
        </td>
      </tr>
      {props.open && (
        <tr className="site-details-row">
          <td colSpan={9}>
            <SiteDetails site={site} />
          </td>
        </tr>
      )}
    </>
  );
}
