import { randomBytes } from 'node:crypto';
import pg from 'pg';

const BASE_URL = process.env.FEDFUSE_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
/** CI must exercise PostgreSQL; a newcomer's machine without a server skips it, loudly. */
const REQUIRED = process.env.CI === 'true' || process.env.FEDFUSE_REQUIRE_POSTGRES === '1';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: BASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (REQUIRED)
      throw new Error(
        `PostgreSQL at ${BASE_URL} is required here (CI) but unreachable: ${(error as Error).message}`,
      );
    console.warn(`PostgreSQL tests SKIPPED: no server at ${BASE_URL} (${(error as Error).message})`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresAvailable = await reachable();

/** A fresh schema in the test database, as a connection string whose search_path points at it. */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `fedfuse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(BASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: BASE_URL });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    },
  };
}
