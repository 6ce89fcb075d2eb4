import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One mirror per dataset: where its files are and what the last ingestion found.
  await db.schema.createTable('mirrors')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('root', 'text', (c) => c.notNull())
    .addColumn('labels', 'text')
    .addColumn('files', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('summary', 'text')
    .addColumn('indexed_at', 'text')
    .execute();

  // The index: one row per file, by path relative to the mirror root. A row is
  // written only once its file is fully processed, so an interrupted run leaves
  // either the old row or the new one, never half of one.
  await db.schema.createTable('files')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('mtime_ms', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('meta', 'text')
    .addColumn('error', 'text')
    .addColumn('label', 'text')
    .addColumn('split', 'text')
    .addColumn('series_uid', 'text')
    .addColumn('role', 'text')
    .addColumn('pair_path', 'text')
    .addUniqueConstraint('files_slug_path', ['slug', 'path'])
    .execute();
  await db.schema.createIndex('files_slug_kind').on('files').columns(['slug', 'kind']).execute();
  await db.schema.createIndex('files_slug_label').on('files').columns(['slug', 'label']).execute();
  await db.schema.createIndex('files_series').on('files').columns(['slug', 'series_uid']).execute();

  await db.schema.createTable('jobs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('progress_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('progress_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('message', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('lease_until', 'text')
    // host:pid of the process working on it, so a re-run can tell a dead owner from a live one.
    .addColumn('owner', 'text')
    .execute();
  await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('jobs').execute();
  await db.schema.dropTable('files').execute();
  await db.schema.dropTable('mirrors').execute();
}
