import type { Db } from '../db/database.js';
import type { DatasetsTable } from '../db/schema.js';

export interface DatasetRecord {
  row: DatasetsTable;
  values: { facet: string; value: string }[];
  fts: { name: string; aliases: string; description: string; citation: string };
}

export interface SyncPlan {
  insert: DatasetRecord[];
  update: DatasetRecord[];
  remove: string[];
}

export function createDatasetsRepo(db: Db) {
  async function writeRecord(trx: Db, rec: DatasetRecord) {
    await trx.insertInto('dataset_values').values(rec.values.map((v) => ({ slug: rec.row.slug, ...v }))).execute();
    await trx.insertInto('datasets_fts').values({ slug: rec.row.slug, ...rec.fts }).execute();
  }
  async function clearDerived(trx: Db, slug: string) {
    await trx.deleteFrom('dataset_values').where('slug', '=', slug).execute();
    await trx.deleteFrom('datasets_fts').where('slug', '=', slug).execute();
  }

  return {
    async contentHashes(): Promise<Map<string, string>> {
      const rows = await db.selectFrom('datasets').select(['slug', 'content_hash']).execute();
      return new Map(rows.map((r) => [r.slug, r.content_hash]));
    },

    /** Applies a whole catalog sync atomically: all of it or none of it. */
    async applySync(plan: SyncPlan): Promise<void> {
      await db.transaction().execute(async (trx) => {
        for (const slug of plan.remove) {
          await clearDerived(trx, slug);
          await trx.deleteFrom('datasets').where('slug', '=', slug).execute();
        }
        for (const rec of plan.update) {
          await clearDerived(trx, rec.row.slug);
          await trx.updateTable('datasets').set(rec.row).where('slug', '=', rec.row.slug).execute();
          await writeRecord(trx, rec);
        }
        for (const rec of plan.insert) {
          await trx.insertInto('datasets').values(rec.row).execute();
          await writeRecord(trx, rec);
        }
      });
    },

    async getCardJson(slug: string): Promise<string | undefined> {
      const row = await db.selectFrom('datasets').select('card').where('slug', '=', slug).executeTakeFirst();
      return row?.card;
    },

    async allCardJson(): Promise<string[]> {
      const rows = await db.selectFrom('datasets').select('card').orderBy('slug').execute();
      return rows.map((r) => r.card);
    },
  };
}
export type DatasetsRepo = ReturnType<typeof createDatasetsRepo>;
