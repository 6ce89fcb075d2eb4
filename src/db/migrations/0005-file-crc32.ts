import type { Kysely } from 'kysely';

// CRC-32 (ISO-HDLC, as in zip and gzip) of the whole file, 8 lowercase hex digits,
// computed in the same read as the SHA-256 so that zip archives can be streamed
// without reading each file twice. Rows indexed before this migration hold NULL
// until their file is re-ingested.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').addColumn('crc32', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').dropColumn('crc32').execute();
}
