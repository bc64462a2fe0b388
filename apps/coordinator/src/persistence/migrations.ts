import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

export type Dialect = 'sqlite' | 'postgres';

/** Auto-numbered primary keys are spelled differently by the two databases. */
function serial(dialect: Dialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
}

// Versioned migrations, applied in name order; never edit one that has shipped, add the next.
const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sites')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('signing_key', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('box_key', 'varchar(64)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint')
        .addColumn('backend', 'varchar(32)')
        .addColumn('software_version', 'varchar(32)')
        .addColumn('data_summary', 'text')
        .addColumn('rounds_joined', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updates_rejected', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('label', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('used_by_site', 'varchar(36)')
        .addColumn('auto_approve', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('schedule', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('committed_round', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failure', 'text')
        .execute();
      await db.schema
        .createTable('rounds')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('run_id', 'varchar(36)', (c) => c.notNull().references('runs.id'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('phase', 'varchar(16)', (c) => c.notNull())
        .addColumn('evaluators', 'text')
        .addColumn('evaluation_deadline_at', 'bigint')
        .addColumn('selected_sites', 'text', (c) => c.notNull())
        .addColumn('global_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('result_hash', 'varchar(64)')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('deadline_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('metrics', 'text')
        .addColumn('failure', 'text')
        // One round per (run, number, attempt): a cron firing twice or a second coordinator cannot start it again.
        .addUniqueConstraint('rounds_run_number_unique', ['run_id', 'number', 'attempt'])
        .execute();
      await db.schema
        .createTable('updates')
        .addColumn('id', 'integer', serial(dialect))
        .addColumn('round_id', 'varchar(36)', (c) => c.notNull().references('rounds.id'))
        .addColumn('site_id', 'varchar(36)', (c) => c.notNull().references('sites.id'))
        .addColumn('stage', 'varchar(16)', (c) => c.notNull())
        .addColumn('message_key', 'varchar(300)', (c) => c.notNull().unique())
        .addColumn('num_examples', 'integer', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('delta_path', 'text')
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        // Exactly one contribution per site, round and stage.
        .addUniqueConstraint('updates_one_per_site', ['round_id', 'site_id', 'stage'])
        .execute();
      await db.schema
        .createTable('rejections')
        .addColumn('id', 'integer', serial(dialect))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('site_id', 'varchar(36)')
        .addColumn('round_id', 'varchar(36)')
        .addColumn('code', 'varchar(32)', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('checkpoints')
        .addColumn('run_id', 'varchar(36)', (c) => c.notNull().references('runs.id'))
        .addColumn('round_number', 'integer', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('checkpoints_pk', ['run_id', 'round_number'])
        .execute();
      await db.schema
        .createTable('audit')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor_kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('actor_id', 'varchar(200)', (c) => c.notNull())
        .addColumn('action', 'varchar(100)', (c) => c.notNull())
        .addColumn('subject', 'varchar(200)')
        .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_at').on('audit').column('at').execute();
    },
  },
  '0002_training_loss_and_audit_keyset': {
    async up(db: Kysely<unknown>) {
      // Example-weighted mean of the sites' final-epoch training loss; null when no site reported one.
      await db.schema.alterTable('rounds').addColumn('training_loss', 'double precision').execute();
      // The audit log pages by (at, id): one index serves the order and the cursor's comparison.
      await db.schema.createIndex('audit_at_id').on('audit').columns(['at', 'id']).execute();
    },
  },
  '0003_site_data_schema': {
    async up(db: Kysely<unknown>) {
      // The data schema each site reports, from which a run's model spec is derived and checked.
      await db.schema.alterTable('sites').addColumn('data_schema', 'text').execute();
    },
  },
  '0004_round_cancel_reason': {
    async up(db: Kysely<unknown>) {
      // Why a cancelled round ended (the protocol's CancelReason): the operator's pauses and stops are no retries.
      await db.schema.alterTable('rounds').addColumn('cancel_reason', 'varchar(32)').execute();
    },
  },
  '0005_site_box_key_unique': {
    async up(db: Kysely<unknown>) {
      // W3: two sites sharing a box key could open each other's sealed instructions. The database refuses
      // a second one (enrollment inserts with ON CONFLICT DO NOTHING), not only the service's lookup.
      await db.schema.createIndex('sites_box_key_unique').on('sites').column('box_key').unique().execute();
    },
  },
  '0006_round_stage_words': {
    async up(db: Kysely<unknown>) {
      // One round-state vocabulary from the database to the dashboard: the protocol's RoundStage words.
      await sql`update rounds set phase = case phase
        when 'training' then 'fit'
        when 'aggregation' then 'aggregating'
        when 'evaluation' then 'evaluate'
        when 'done' then 'committed'
        when 'failed' then 'cancelled'
        else phase end`.execute(db);
      await db.schema.alterTable('rounds').renameColumn('phase', 'stage').execute();
    },
  },
  '0007_round_privacy': {
    async up(db: Kysely<unknown>) {
      // A DP round's clip, noise multiplier, sample rate, δ and (at commit) ε, as JSON; null when not private.
      await db.schema.alterTable('rounds').addColumn('privacy', 'text').execute();
    },
  },
});

/** The coordinator's migrations, in code so they ship inside the package. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(dialect)) };
}
