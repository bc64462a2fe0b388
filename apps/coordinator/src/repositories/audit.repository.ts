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
  /** Entries strictly before this time (paging). */
  before?: number;
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
    return query
      .orderBy('at', 'desc')
      .orderBy('id')
      .limit(Math.min(filter.limit ?? 100, 500))
      .execute();
  }
}
