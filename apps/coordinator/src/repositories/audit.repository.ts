import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import { AuditEntry } from '@fedfuse/protocol';
import type { Database } from '../persistence/database.ts';
import type { AuditTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';
import { parseColumn } from './parse-column.ts';

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
        : parseColumn(
            { table: 'audit', id: row.id, column: 'details' },
            row.details,
            AuditEntry.shape.details,
          ),
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
