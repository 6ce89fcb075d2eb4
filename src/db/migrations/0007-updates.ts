import { type Kysely, sql } from 'kysely';

// Upstream update checks: every check run (history), the changes they found (events), and one
// row of state per dataset: the last marker and snapshot read, link health, and a lease so that
// two workers never check the same dataset at once. No foreign key to datasets: the history of a
// dataset removed from the catalog is kept.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('update_checks')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('unchanged', 'changed', 'unreachable', 'error')`))
    .addColumn('reason', 'text')
    .addColumn('marker', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('update_checks_slug_time').on('update_checks').columns(['slug', 'checked_at']).execute();

  await db.schema.createTable('update_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('detected_at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('changed', 'unreachable')`))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('old_marker', 'text')
    .addColumn('new_marker', 'text')
    .execute();
  await db.schema.createIndex('update_events_time').on('update_events').columns(['detected_at', 'id']).execute();
  await db.schema.createIndex('update_events_slug_time').on('update_events').columns(['slug', 'detected_at']).execute();

  await db.schema.createTable('upstream_state')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('marker', 'text')
    .addColumn('snapshot', 'text')
    .addColumn('last_checked_at', 'text')
    .addColumn('last_ok_at', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('upstream_state').execute();
  await db.schema.dropTable('update_events').execute();
  await db.schema.dropTable('update_checks').execute();
}
