import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Selectable } from 'kysely';
import { SiteData, SiteDataSchema } from '@fedfuse/protocol';
import type { Database } from '../persistence/database.ts';
import type { Schema, SitesTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';
import { parseColumn } from './parse-column.ts';

export type SiteStatus = SitesTable['status'];

/** An enrolled site: its keys (base64), its standing, and what it last reported about itself. */
export interface Site {
  id: string;
  name: string;
  signingKey: string;
  boxKey: string;
  status: SiteStatus;
  enrolledAt: number;
  lastSeenAt: number | null;
  backend: string | null;
  softwareVersion: string | null;
  /** Patients per modality combination (counts only); null until the site reports. */
  dataSummary: SiteData | null;
  /** The site's last reported data schema; null until it reports one. */
  dataSchema: SiteDataSchema | null;
  roundsJoined: number;
  updatesRejected: number;
}

/** What enrollment knows of a new site. */
export type NewSite = Pick<Site, 'id' | 'name' | 'signingKey' | 'boxKey' | 'status' | 'enrolledAt'>;

/** How an enrollment ended: the site stored, a key already enrolled, or the token used meanwhile. */
export type EnrollOutcome = 'enrolled' | 'duplicate_key' | 'token_used';

function toSite(row: Selectable<SitesTable>): Site {
  const column = (name: 'data_summary' | 'data_schema') => ({ table: 'sites', id: row.id, column: name });
  return {
    id: row.id,
    name: row.name,
    signingKey: row.signing_key,
    boxKey: row.box_key,
    status: row.status,
    enrolledAt: row.enrolled_at,
    lastSeenAt: row.last_seen_at,
    backend: row.backend,
    softwareVersion: row.software_version,
    dataSummary:
      row.data_summary === null ? null : parseColumn(column('data_summary'), row.data_summary, SiteData),
    dataSchema:
      row.data_schema === null ? null : parseColumn(column('data_schema'), row.data_schema, SiteDataSchema),
    roundsJoined: row.rounds_joined,
    updatesRejected: row.updates_rejected,
  };
}

/** Thrown inside the enrollment transaction to roll the site back when the token was used meanwhile. */
class TokenUsed extends Error {}

/** Enrolled sites, their keys and their standing with the operator. */
@Injectable()
export class SitesRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  /**
   * Stores a site and consumes the token that enrolls it, in one transaction. The database decides
   * conflicts: a signing or box key already enrolled (unique indexes, ON CONFLICT DO NOTHING) stores
   * nothing; a token consumed meanwhile rolls the site back.
   */
  async enroll(site: NewSite, token: { id: string; at: number }): Promise<EnrollOutcome> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        if (!(await insertSite(trx, site))) return 'duplicate_key';
        const used = await trx
          .updateTable('enrollment_tokens')
          .set({ used_at: token.at, used_by_site: site.id })
          .where('id', '=', token.id)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) throw new TokenUsed();
        return 'enrolled';
      });
    } catch (error) {
      if (error instanceof TokenUsed) return 'token_used';
      throw error;
    }
  }

  async find(id: string): Promise<Site | undefined> {
    const row = await this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSite(row);
  }

  async findBySigningKey(key: string): Promise<Site | undefined> {
    const row = await this.db
      .selectFrom('sites')
      .selectAll()
      .where('signing_key', '=', key)
      .executeTakeFirst();
    return row && toSite(row);
  }

  async findByBoxKey(key: string): Promise<Site | undefined> {
    const row = await this.db.selectFrom('sites').selectAll().where('box_key', '=', key).executeTakeFirst();
    return row && toSite(row);
  }

  async list(): Promise<Site[]> {
    const rows = await this.db.selectFrom('sites').selectAll().orderBy('enrolled_at').orderBy('id').execute();
    return rows.map(toSite);
  }

  /** Approved sites that have reported a data schema, oldest enrollment first. */
  async listApprovedWithSchema(): Promise<Site[]> {
    const rows = await this.db
      .selectFrom('sites')
      .selectAll()
      .where('status', '=', 'approved')
      .where('data_schema', 'is not', null)
      .orderBy('enrolled_at')
      .orderBy('id')
      .execute();
    return rows.map(toSite);
  }

  async setStatus(id: string, status: SiteStatus): Promise<void> {
    await this.db.updateTable('sites').set({ status }).where('id', '=', id).execute();
  }

  /**
   * Moves each site's last-seen forward, all in one transaction (one commit): a write arriving late never
   * turns a clock back.
   */
  async touchAll(entries: readonly (readonly [id: string, at: number])[]): Promise<void> {
    await this.database.transaction(async () => {
      for (const [id, at] of entries)
        await this.db
          .updateTable('sites')
          .set({ last_seen_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', at)]))
          .execute();
    });
  }

  async report(
    id: string,
    report: Pick<Site, 'backend' | 'softwareVersion'> & { dataSummary: SiteData; dataSchema: SiteDataSchema },
  ): Promise<void> {
    await this.db
      .updateTable('sites')
      .set({
        backend: report.backend,
        software_version: report.softwareVersion,
        data_summary: JSON.stringify(report.dataSummary),
        data_schema: JSON.stringify(report.dataSchema),
      })
      .where('id', '=', id)
      .execute();
  }

  async countRejection(id: string, by = 1): Promise<void> {
    await this.db
      .updateTable('sites')
      .set((eb) => ({ updates_rejected: eb('updates_rejected', '+', by) }))
      .where('id', '=', id)
      .execute();
  }
}

/** Inserts the site unless a unique key (id, signing key, box key) is taken: true when it was stored. */
async function insertSite(db: Kysely<Schema>, site: NewSite): Promise<boolean> {
  const inserted = await db
    .insertInto('sites')
    .values({
      id: site.id,
      name: site.name,
      signing_key: site.signingKey,
      box_key: site.boxKey,
      status: site.status,
      enrolled_at: site.enrolledAt,
      rounds_joined: 0,
      updates_rejected: 0,
    })
    .onConflict((conflict) => conflict.doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}
