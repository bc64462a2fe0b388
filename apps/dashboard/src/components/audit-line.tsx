import type { AuditEntry } from '@fedfuse/protocol';
import { formatDetail, formatTime, isUuid, shortId } from '../lib/format.ts';
import { useSession } from '../session.tsx';
import { Badge } from './ui.tsx';

export interface AuditLabels {
  actor: (entry: AuditEntry) => string;
  /** The subject as a person reads it: a site's or run's name, else a short id (full id in `title`). */
  subject: (entry: AuditEntry) => { text: string; title?: string };
}

/** Names for the ids in audit entries, from the live state (sites and runs). */
export function useAuditLabels(): AuditLabels {
  const { siteName, federation } = useSession();
  const sites = new Set(federation.sites.map((s) => s.siteId));
  const runNames = new Map(federation.runs.map((r) => [r.runId, r.name]));
  return {
    actor: (entry) => (entry.actor.kind === 'site' ? `site ${siteName(entry.actor.id)}` : entry.actor.kind),
    subject: (entry) => {
      const id = entry.subject;
      if (!id) return { text: '' };
      if (sites.has(id)) return { text: siteName(id), title: id };
      const run = runNames.get(id);
      if (run) return { text: `run ${run}`, title: id };
      return isUuid(id) ? { text: shortId(id), title: id } : { text: id };
    },
  };
}

/** Details as `key=value` pairs. */
export function AuditDetails(props: { details: AuditEntry['details'] }) {
  const entries = Object.entries(props.details);
  if (entries.length === 0) return null;
  return (
    <span className="details">
      {entries.map(([key, value]) => (
        <span className="detail" key={key} title={String(value)}>
          <span className="detail-key">{key}</span>={formatDetail(key, value)}
        </span>
      ))}
    </span>
  );
}

/** One audit entry in a compact list. */
export function AuditLine(props: { entry: AuditEntry; labels: AuditLabels }) {
  const { entry, labels } = props;
  const subject = labels.subject(entry);
  return (
    <li className="audit-line" data-audit-id={entry.id} data-action={entry.action}>
      <time dateTime={new Date(entry.at).toISOString()}>{formatTime(entry.at)}</time>
      <span className="audit-action">{entry.action}</span>
      {entry.outcome !== 'ok' && <Badge value={entry.outcome} />}
      <span className="muted">
        {labels.actor(entry)}
        {subject.text && (
          <>
            {' '}
            → <span title={subject.title}>{subject.text}</span>
          </>
        )}
      </span>
    </li>
  );
}
