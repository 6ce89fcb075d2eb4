import type { Kysely } from 'kysely';

// A selection is a saved download request (dataset slugs and/or a catalog filter). Its id is
// derived from the normalised request, so creating the same selection twice keeps one row.
// The datasets it names are resolved again on every read: the catalog and mirrors may change.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('selections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('selections').execute();
}
