import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../persistence/database.ts';
import type { EnrollmentTokensTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';

/** A one-time enrollment token; only its SHA-256 is stored. */
export interface EnrollmentToken {
  id: string;
  tokenHash: string;
  label: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBySite: string | null;
  /** The site it enrolls is approved at once. */
  autoApprove: boolean;
}

function toToken(row: Selectable<EnrollmentTokensTable>): EnrollmentToken {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    label: row.label,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    usedBySite: row.used_by_site,
    autoApprove: row.auto_approve === 1,
  };
}

/** One-time enrollment tokens (consumed with the site they enroll: SitesRepository.enroll). */
@Injectable()
export class EnrollmentTokensRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async insert(token: Omit<EnrollmentToken, 'usedAt' | 'usedBySite'>): Promise<void> {
    await this.database.db
      .insertInto('enrollment_tokens')
      .values({
        id: token.id,
        token_hash: token.tokenHash,
        label: token.label,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        used_at: null,
        used_by_site: null,
        auto_approve: token.autoApprove ? 1 : 0,
      })
      .execute();
  }

  async findByHash(hash: string): Promise<EnrollmentToken | undefined> {
    const row = await this.database.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    return row && toToken(row);
  }

  async list(): Promise<EnrollmentToken[]> {
    const rows = await this.database.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toToken);
  }
}
