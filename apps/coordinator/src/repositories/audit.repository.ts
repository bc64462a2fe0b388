import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { AuditEntry } from '@fedfuse/protocol';
import { z } from 'zod';
import type { Database } from '../persistence/database.ts';
import type { AuditTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';
import { parseColumn } from './parse-column.ts';

/** Longest detail text an audit entry carries (AuditEntry's schema). */
const MAX_DETAIL_TEXT = 1000;

function detailValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined || typeof value === 'boolean') return value ?? null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? typeof value);
  return text.length > MAX_DETAIL_TEXT ? `${text.slice(0, MAX_DETAIL_TEXT - 1)}…` : text;
}

/**
 * Details as AuditEntry allows them: nested values as JSON text, long text cut and marked with …, so
 * every entry stored (older ones too) reads back, broadcasts and shows.
 */
export function auditDetails(details: Record<string, unknown>): AuditEntry['details'] {
  return Object.fromEntries(Object.entries(details).map(([key, value]) => [key, detailValue(value)]));
}

/** Stored details: any JSON object, normalised, then held to AuditEntry's schema. */
const StoredDetails = z
  .record(z.string(), z.unknown())
  .transform(auditDetails)
  .pipe(AuditEntry.shape.details);

/** A stored line as the dashboard and the REST API show it; `details` parsed with its schema. */
function toAuditEntry(row: Selectable<AuditTable>): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: { kind: row.actor_kind, id: row.actor_id },
    action: row.action,
    subject: row.subject,
    outcome: row.outcome,
    details:
      row.details === null
        ? {}
        : parseColumn({ table: 'audit', id: row.id, column: 'details' }, row.details, StoredDetails),
  };
}

export interface AuditFilter {
  actorKind?: AuditEntry['actor']['kind'];
  actorId?: string;
  /** Prefix of the dotted action, e.g. `site.` or `round.update_rejected`. */
  action?: string;
  outcome?: AuditEntry['outcome'];
  /** Entries strictly before this time. */
  before?: number;
  /** Keyset paging: entries after this one in the log's order (newest first, ties by id). */
  after?: { at: number; id: string };
  limit?: number;
}

/** The append-only record of who did what and when. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async append(entry: AuditEntry): Promise<void> {
    const details = Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details) : null;
    await this.database.db
      .insertInto('audit')
      .values({
        id: entry.id,
        at: entry.at,
        actor_kind: entry.actor.kind,
        actor_id: entry.actor.id,
        action: entry.action,
        subject: entry.subject,
        outcome: entry.outcome,
        details,
      })
      .execute();
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    let query = this.database.db.selectFrom('audit').selectAll();
    if (filter.actorKind) query = query.where('actor_kind', '=', filter.actorKind);
    if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
    if (filter.action) query = query.where('action', 'like', `${filter.action}%`);
    if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
    if (filter.before !== undefined) query = query.where('at', '<', filter.before);
    const after = filter.after;
    if (after)
      query = query.where((eb) =>
        eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '>', after.id)])]),
      );
    const rows = await query
      .orderBy('at', 'desc')
      .orderBy('id')
      // One row past the largest page (500), so a pager can tell whether more follow.
      .limit(Math.min(filter.limit ?? 100, 501))
      .execute();
    return rows.map(toAuditEntry);
  }
}
