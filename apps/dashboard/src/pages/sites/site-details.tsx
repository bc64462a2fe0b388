import type { SiteDetail } from '@fedfuse/protocol';
import { useRestQuery } from '../../api/rest-queries.tsx';
import { Badge, Empty, ErrorNote } from '../../components/ui.tsx';
import { formatCombination, formatCount, formatTime } from '../../lib/format.ts';

/** Identity, patients per modality combination (counts only) and rejected updates of one site. */
export function SiteDetails(props: { site: SiteDetail }) {
  const { site } = props;
  // site:updated carries the count, so the list is read again exactly when a rejection is added.
  // Refetched when site:updated moves the rejection count (staleRoutes).
  const rejections = useRestQuery('siteRejections', { params: { id: site.siteId } });
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
