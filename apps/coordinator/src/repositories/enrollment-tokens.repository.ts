import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { Database } from '../persistence/database.ts';
import type { EnrollmentTokensTable } from '../persistence/schema.ts';
import { DATABASE } from '../tokens.ts';

export type TokenRow = Selectable<EnrollmentTokensTable>;

/** One-time enrollment tokens; only their SHA-256 is stored. */
@Injectable()
export class EnrollmentTokensRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async insert(row: TokenRow): Promise<void> {
    await this.database.db.insertInto('enrollment_tokens').values(row).execute();
  }

  findByHash(hash: string): Promise<TokenRow | undefined> {
    return this.database.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
  }

  list(): Promise<TokenRow[]> {
    return this.database.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** Marks a token used, only if it still is unused: true when this call consumed it. */
  async consume(id: string, use: { at: number; siteId: string }): Promise<boolean> {
    const result = await this.database.db
      .updateTable('enrollment_tokens')
      .set({ used_at: use.at, used_by_site: use.siteId })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
