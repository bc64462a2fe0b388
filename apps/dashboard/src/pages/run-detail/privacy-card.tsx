import type { RunDetail } from '@fedfuse/protocol';
import { Card, Empty } from '../../components/ui.tsx';
import { formatMetric } from '../../lib/format.ts';

/** A DP run's guarantee: ε after the committed rounds, δ and the mechanism, and each site's share. */
export function PrivacyCard(props: { run: RunDetail }) {
  const privacy = props.run.privacy;
  const dp = props.run.config.privacy.dp;
  if (!privacy || !dp) return null;
  return (
    <Card title="Differential privacy">
      <p data-privacy-summary>
        ε <strong data-privacy-epsilon>{formatMetric(privacy.epsilon)}</strong>, δ{' '}
        <span data-privacy-delta>
          {privacy.delta === null ? 'set by round 1' : privacy.delta.toExponential(2)}
        </span>{' '}
        after {privacy.rounds} rounds · <span data-privacy-mechanism>{privacy.mechanism}</span> (clip{' '}
        {dp.clip}
        {dp.adaptive ? ', adaptive' : ''}, z {dp.noiseMultiplier}) · secure aggregation{' '}
        {privacy.secureAggregation ? 'on' : 'off'}
      </p>
      {privacy.sites.length === 0 ? (
        <Empty>No round committed yet.</Empty>
      ) : (
        <table className="compact" data-privacy-sites>
          <thead>
            <tr>
              <th>Site</th>
              <th>Rounds taken part in</th>
              <th>ε of those rounds</th>
            </tr>
          </thead>
          <tbody>
            {privacy.sites.map((site) => (
              <tr key={site.siteId} data-privacy-site={site.siteName}>
                <td>{site.siteName}</td>
                <td>{site.rounds}</td>
                <td>{formatMetric(site.epsilon)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
