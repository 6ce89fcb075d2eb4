import type { Kysely } from 'kysely';

// Sorting by the last upstream change (Home's "latest upstream updates") needs it as a column.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('datasets').addColumn('upstream_updated', 'text').execute();
  // Existing rows get the value on the next sync: their content hash is cleared so they count as changed.
  await db.updateTable('datasets' as never).set({ content_hash: '' } as never).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('datasets').dropColumn('upstream_updated').execute();
}
