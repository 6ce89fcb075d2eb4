import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface DownloadRow {
  id: number;
  slug: string;
  path: string;
  size: number;
  sha256: string;
  crc32: string | null;
}

export interface RawFileRow extends DownloadRow {
  format: string;
  mtime_ms: number;
  root: string;
}

/** Index queries of the download endpoints, and the saved selections. */
export function createDownloadsRepo(db: Db) {
  return {
    /**
     * Files of a dataset that were read whole (they have a SHA-256), in path byte order
     * (SQLite's BINARY collation compares UTF-8 bytes): the order of archives and manifests.
     */
    async entries(slug: string, f: { prefix?: string; label?: string } = {}): Promise<DownloadRow[]> {
      let qb = db.selectFrom('files').select(['id', 'slug', 'path', 'size', 'sha256', 'crc32'])
        .where('slug', '=', slug).where('sha256', 'is not', null).where('sha256', '!=', '');
      // LIKE with an escaped prefix: % and _ in folder names are literal.
      if (f.prefix) qb = qb.where(sql<boolean>`path LIKE ${`${f.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`);
      if (f.label) qb = qb.where('label', '=', f.label);
      const rows = await qb.orderBy('path').execute();
      return rows as DownloadRow[];
    },

    /** One file with the root of its mirror, or undefined when the id is not indexed. */
    async rawFile(id: number): Promise<RawFileRow | undefined> {
      const row = await db.selectFrom('files').innerJoin('mirrors', 'mirrors.slug', 'files.slug')
        .select(['files.id', 'files.slug', 'files.path', 'files.size', 'files.sha256', 'files.crc32', 'files.format', 'files.mtime_ms', 'mirrors.root'])
        .where('files.id', '=', id).executeTakeFirst();
      return row as RawFileRow | undefined;
    },

    async setCrc32(id: number, crc32: string): Promise<void> {
      await db.updateTable('files').set({ crc32 }).where('id', '=', id).execute();
    },

    async saveSelection(id: string, request: string, createdAt: string): Promise<void> {
      await db.insertInto('selections').values({ id, request, created_at: createdAt })
        .onConflict((oc) => oc.column('id').doNothing()).execute();
    },

    async getSelection(id: string): Promise<{ id: string; request: string; created_at: string } | undefined> {
      return db.selectFrom('selections').selectAll().where('id', '=', id).executeTakeFirst();
    },
  };
}
export type DownloadsRepo = ReturnType<typeof createDownloadsRepo>;
