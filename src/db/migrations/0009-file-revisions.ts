import { type Kysely, sql } from 'kysely';

// A revision number per dataset that moves whenever a files row its archives and manifests are
// made of changes: an insert, a delete, or an update of slug, path, size, sha256, crc32 or label.
// Triggers keep it, so every writer moves it (ingestion, CRC backfill, an operator's own SQL),
// and cached archive plans stay valid across writes that do not touch those rows (jobs,
// selections, update checks, other datasets).
const bump = (slug: string) => sql.raw(`INSERT INTO file_revisions (slug, rev) VALUES (${slug}, 1) ON CONFLICT (slug) DO UPDATE SET rev = rev + 1;`);

/** The trigger on updates of `columns` of files (a comma-separated list); migration 0010 makes it again with one more. */
export const createUpdateTrigger = (db: Kysely<unknown>, columns: string) => sql`CREATE TRIGGER files_revision_update AFTER UPDATE OF ${sql.raw(columns)} ON files BEGIN
    ${bump('NEW.slug')}
    UPDATE file_revisions SET rev = rev + 1 WHERE slug = OLD.slug AND OLD.slug <> NEW.slug;
  END`.execute(db);

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('file_revisions')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('rev', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`INSERT INTO file_revisions (slug, rev) SELECT DISTINCT slug, 1 FROM files`.execute(db);
  await sql`CREATE TRIGGER files_revision_insert AFTER INSERT ON files BEGIN ${bump('NEW.slug')} END`.execute(db);
  await sql`CREATE TRIGGER files_revision_delete AFTER DELETE ON files BEGIN ${bump('OLD.slug')} END`.execute(db);
  await createUpdateTrigger(db, 'slug, path, size, sha256, crc32, label');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['files_revision_insert', 'files_revision_delete', 'files_revision_update']) await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
  await db.schema.dropTable('file_revisions').execute();
}
