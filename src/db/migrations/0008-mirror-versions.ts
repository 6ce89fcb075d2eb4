import { sql, type Kysely } from 'kysely';

// Versions of a mirror's index. Each ingestion run that changes the set of files (path, size,
// SHA-256) records one version. Manifests are kept as intervals rather than one copy per version:
// a row says "this path had this content from version `from_version` to `to_version`" (NULL: still
// has). The manifest of version v is every row with from_version <= v <= coalesce(to_version, inf),
// and the diff of v is the rows starting at v against the rows ending at v - 1: a version costs
// one row per changed file, whatever the size of the dataset.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('mirror_versions')
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('files', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('added', 'integer', (c) => c.notNull())
    .addColumn('removed', 'integer', (c) => c.notNull())
    .addColumn('modified', 'integer', (c) => c.notNull())
    .addColumn('added_bytes', 'integer', (c) => c.notNull())
    .addColumn('removed_bytes', 'integer', (c) => c.notNull())
    // Sizes of the modified files after the change, and before it.
    .addColumn('modified_bytes', 'integer', (c) => c.notNull())
    .addColumn('modified_old_bytes', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('mirror_versions_pk', ['slug', 'version'])
    .execute();

  await db.schema.createTable('mirror_version_files')
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('from_version', 'integer', (c) => c.notNull())
    .addColumn('to_version', 'integer')
    .execute();
  // Manifests are read in path order (keyset pages); diffs by the version where rows start or end.
  await db.schema.createIndex('mirror_version_files_path').on('mirror_version_files').columns(['slug', 'path', 'from_version']).execute();
  await db.schema.createIndex('mirror_version_files_from').on('mirror_version_files').columns(['slug', 'from_version', 'path']).execute();
  await db.schema.createIndex('mirror_version_files_to').on('mirror_version_files').columns(['slug', 'to_version', 'path']).execute();
  // At most one open interval per path: what the latest version holds.
  await sql`CREATE UNIQUE INDEX mirror_version_files_open ON mirror_version_files (slug, path) WHERE to_version IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mirror_version_files').execute();
  await db.schema.dropTable('mirror_versions').execute();
}
