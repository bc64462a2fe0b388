import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../persistence/database.ts';
import type { AuditTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';

export type AuditRow = Selectable<AuditTable>;

export interface AuditFilter {
  actorKind?: AuditRow['actor_kind'];
  actorId?: string;
  /** Prefix of the dotted action, e.g. `site.` or `round.update_rejected`. */
  action?: string;
  outcome?: AuditRow['outcome'];
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

  async append(row: AuditRow): Promise<void> {
    await this.database.db.insertInto('audit').values(row).execute();
  }

  list(filter: AuditFilter = {}): Promise<AuditRow[]> {
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
    return (
      query
        .orderBy('at', 'desc')
        .orderBy('id')
        // One row past the largest page (500), so a pager can tell whether more follow.
        .limit(Math.min(filter.limit ?? 100, 501))
        .execute()
    );
  }
}
