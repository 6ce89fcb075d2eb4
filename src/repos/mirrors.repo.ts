import type { Db } from '../db/database.js';
import type { MirrorsTable } from '../db/schema.js';

export function createMirrorsRepo(db: Db) {
  return {
    async get(slug: string): Promise<MirrorsTable | undefined> {
      return db.selectFrom('mirrors').selectAll().where('slug', '=', slug).executeTakeFirst();
    },
    async all(): Promise<MirrorsTable[]> {
      return db.selectFrom('mirrors').selectAll().orderBy('slug').execute();
    },
    async upsert(row: MirrorsTable): Promise<void> {
      await db.insertInto('mirrors').values(row)
        .onConflict((oc) => oc.column('slug').doUpdateSet({
          root: row.root, labels: row.labels, files: row.files, bytes: row.bytes, failed: row.failed, summary: row.summary, indexed_at: row.indexed_at,
        }))
        .execute();
    },
  };
}
export type MirrorsRepo = ReturnType<typeof createMirrorsRepo>;
