import type { RunDetail } from '@fedfuse/protocol';
import { Card, Empty } from '../../components/ui.tsx';
import { formatMetric } from '../../lib/format.ts';

/** Secure aggregation in words: its tolerances and mask graph, or that updates reach the coordinator one by one. */
function secureAggregationText(run: RunDetail): string {
  const option = run.config.secureAggregation;
  if (!option) return "off (each site's update is sealed to the coordinator, which opens it)";
  return `on: the coordinator learns only the sum (tolerates ${option.toleratedDropouts} dropouts, ${option.toleratedColluders} colluders; ${option.graph} graph)`;
}

/**
 * Every run's privacy: secure aggregation on or off with its settings and, for a DP run, the client-level ε
 * after the committed rounds, δ and the mechanism, each site's share, and with record-level DP-SGD each
 * site's own per-patient ε and δ.
 */
export function PrivacyCard(props: { run: RunDetail }) {
  const privacy = props.run.privacy;
  const { dp, recordLevel } = props.run.config.privacy;
  return (
    <Card title="Privacy">
      <p data-secure-aggregation={privacy.secureAggregation ? 'on' : 'off'}>
        Secure aggregation {secureAggregationText(props.run)}
      </p>
      {dp || recordLevel ? <DpSummary run={props.run} /> : <p>No differential privacy.</p>}
    </Card>
  );
}

function DpSummary(props: { run: RunDetail }) {
  const privacy = props.run.privacy;
  const { dp, recordLevel } = props.run.config.privacy;
  return (
    <>
      <p data-privacy-summary>
        {dp ? (
          <>
            ε <strong data-privacy-epsilon>{formatMetric(privacy.epsilon)}</strong>, δ{' '}
            <span data-privacy-delta>
              {privacy.delta === null ? 'set by round 1' : privacy.delta.toExponential(2)}
            </span>{' '}
            after {privacy.rounds} rounds ·{' '}
          </>
        ) : null}
        <span data-privacy-mechanism>{privacy.mechanism}</span>
        {dp ? ` (clip ${dp.clip}${dp.adaptive ? ', adaptive' : ''}, z ${dp.noiseMultiplier})` : ''}
        {recordLevel
          ? ` · record-level DP-SGD (per-patient clip ${recordLevel.clip}, z ${recordLevel.noiseMultiplier})`
          : ''}
      </p>
      {privacy.sites.length === 0 ? (
        <Empty>No round committed yet.</Empty>
      ) : (
        <table className="compact" data-privacy-sites>
          <thead>
            <tr>
              <th>Site</th>
              {dp ? <th>Rounds taken part in</th> : null}
              {dp ? <th>ε of those rounds</th> : null}
              {recordLevel ? <th>Record-level ε (δ, epochs)</th> : null}
            </tr>
          </thead>
          <tbody>
            {privacy.sites.map((site) => (
              <tr key={site.siteId} data-privacy-site={site.siteName}>
                <td>{site.siteName}</td>
                {dp ? <td>{site.rounds}</td> : null}
                {dp ? <td>{formatMetric(site.epsilon)}</td> : null}
                {recordLevel ? (
                  <td data-privacy-record-level>
                    {site.recordLevel
                      ? `${formatMetric(site.recordLevel.epsilon)} (${site.recordLevel.delta.toExponential(2)}, ${site.recordLevel.epochs})`
                      : '—'}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
