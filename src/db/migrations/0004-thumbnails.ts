import type { Kysely } from 'kysely';

// A file's thumbnail is stored once per content hash and generator version
// (thumbnails/<sha[0:2]>/<sha>-v<version>.webp); the row records which, or why none.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').addColumn('thumb', 'text').execute();
  await db.schema.alterTable('files').addColumn('thumb_error', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').dropColumn('thumb_error').execute();
  await db.schema.alterTable('files').dropColumn('thumb').execute();
}
