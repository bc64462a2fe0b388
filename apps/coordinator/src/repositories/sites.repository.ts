import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../persistence/database.ts';
import type { SitesTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';

export type SiteRow = Selectable<SitesTable>;
export type SiteStatus = SitesTable['status'];

/** Enrolled sites, their keys and their standing with the operator. */
@Injectable()
export class SitesRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  async insert(
    site: Omit<
      SiteRow,
      | 'last_seen_at'
      | 'backend'
      | 'software_version'
      | 'data_summary'
      | 'data_schema'
      | 'rounds_joined'
      | 'updates_rejected'
    >,
  ): Promise<void> {
    await this.db
      .insertInto('sites')
      .values({ ...site, rounds_joined: 0, updates_rejected: 0 })
      .execute();
  }

  find(id: string): Promise<SiteRow | undefined> {
    return this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findBySigningKey(key: string): Promise<SiteRow | undefined> {
    return this.db.selectFrom('sites').selectAll().where('signing_key', '=', key).executeTakeFirst();
  }

  findByBoxKey(key: string): Promise<SiteRow | undefined> {
    return this.db.selectFrom('sites').selectAll().where('box_key', '=', key).executeTakeFirst();
  }

  list(): Promise<SiteRow[]> {
    return this.db.selectFrom('sites').selectAll().orderBy('enrolled_at').orderBy('id').execute();
  }

  /** Approved sites that have reported a data schema, oldest enrollment first. */
  listApprovedWithSchema(): Promise<SiteRow[]> {
    return this.db
      .selectFrom('sites')
      .selectAll()
      .where('status', '=', 'approved')
      .where('data_schema', 'is not', null)
      .orderBy('enrolled_at')
      .orderBy('id')
      .execute();
  }

  async setStatus(id: string, status: SiteStatus): Promise<void> {
    await this.db.updateTable('sites').set({ status }).where('id', '=', id).execute();
  }

  /** Moves last-seen forward only: a held-back write arriving late never turns the clock back. */
  async touch(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('sites')
      .set({ last_seen_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', at)]))
      .execute();
  }

  async report(
    id: string,
    report: { backend: string; softwareVersion: string; dataSummary: string; dataSchema: string },
  ): Promise<void> {
    await this.db
      .updateTable('sites')
      .set({
        backend: report.backend,
        software_version: report.softwareVersion,
        data_summary: report.dataSummary,
        data_schema: report.dataSchema,
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
