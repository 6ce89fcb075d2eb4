import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('datasets')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('data_type', 'text', (c) => c.notNull())
    .addColumn('file_count', 'integer')
    .addColumn('file_count_unit', 'text')
    .addColumn('subjects', 'integer')
    .addColumn('labelled', 'integer')
    .addColumn('year', 'integer')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('source_url', 'text', (c) => c.notNull())
    .addColumn('license_key', 'text')
    .addColumn('demo', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('card', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('dataset_values')
    .addColumn('slug', 'text', (c) => c.notNull().references('datasets.slug').onDelete('cascade'))
    .addColumn('facet', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_values_pk', ['slug', 'facet', 'value'])
    .execute();
  await db.schema.createIndex('dataset_values_facet_value').on('dataset_values').columns(['facet', 'value', 'slug']).execute();

  // FTS5 over the text a researcher types: name, aliases, description, citation.
  // remove_diacritics so "Sjogren" finds "Sjögren".
  await sql`CREATE VIRTUAL TABLE datasets_fts USING fts5(
    slug UNINDEXED, name, aliases, description, citation,
    tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE datasets_fts`.execute(db);
  await db.schema.dropTable('dataset_values').execute();
  await db.schema.dropTable('datasets').execute();
}
