import type { AuditEntry } from '@fedfuse/protocol';
import { AuditDetails, useAuditLabels } from '../../components/audit-line.tsx';
import { Badge } from '../../components/ui.tsx';
import { formatTime } from '../../lib/format.ts';

/** Audit entries, newest first, with names for the ids they mention. */
export function AuditTable(props: { entries: AuditEntry[] }) {
  const labels = useAuditLabels();
  return (
    <div className="table-wrap">
      <table className="audit-table" data-audit-table>
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Subject</th>
            <th>Outcome</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => {
            const subject = labels.subject(e);
            return (
              <tr key={e.id} data-audit-id={e.id} data-action={e.action}>
                <td className="nowrap">{formatTime(e.at)}</td>
                <td className="nowrap">{labels.actor(e)}</td>
                <td className="nowrap">
                  <code>{e.action}</code>
                </td>
                <td className="subject" title={subject.title}>
                  {subject.text}
                </td>
                <td>
                  <Badge value={e.outcome} />
                </td>
                <td>
                  <AuditDetails details={e.details} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
