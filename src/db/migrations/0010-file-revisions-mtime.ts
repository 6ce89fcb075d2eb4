import { type Kysely, sql } from 'kysely';

// Archive streams now check each file's size and modification time against the index (the test
// re-ingestion uses to decide a file changed), so a change of mtime_ms alone must move the
// dataset's files revision too: a cached archive plan holds rows with their mtime.
const bump = (slug: string) => sql.raw(`INSERT INTO file_revisions (slug, rev) VALUES (${slug}, 1) ON CONFLICT (slug) DO UPDATE SET rev = rev + 1;`);

const trigger = (db: Kysely<unknown>, columns: string) => sql`CREATE TRIGGER files_revision_update AFTER UPDATE OF ${sql.raw(columns)} ON files BEGIN
    ${bump('NEW.slug')}
    UPDATE file_revisions SET rev = rev + 1 WHERE slug = OLD.slug AND OLD.slug <> NEW.slug;
  END`.execute(db);

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS files_revision_update`.execute(db);
  await trigger(db, 'slug, path, size, mtime_ms, sha256, crc32, label');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS files_revision_update`.execute(db);
  await trigger(db, 'slug, path, size, sha256, crc32, label');
}
