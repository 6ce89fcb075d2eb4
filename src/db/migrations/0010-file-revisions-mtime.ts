import { type Kysely, sql } from 'kysely';
import { createUpdateTrigger } from './0009-file-revisions.js';

// Archive streams now check each file's size and modification time against the index (the test
// re-ingestion uses to decide a file changed), so a change of mtime_ms alone must move the
// dataset's files revision too: a cached archive plan holds rows with their mtime.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS files_revision_update`.execute(db);
  await createUpdateTrigger(db, 'slug, path, size, mtime_ms, sha256, crc32, label');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS files_revision_update`.execute(db);
  await createUpdateTrigger(db, 'slug, path, size, sha256, crc32, label');
}
