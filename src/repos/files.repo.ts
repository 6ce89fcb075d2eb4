import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { FilesTable } from '../db/schema.js';

export type FileRow = Omit<FilesTable, 'id'>;
export interface FileRecord extends FileRow { id: number }
export interface FileFilters {
  slug: string;
  prefix?: string;
  label?: string;
  kind?: string;
  format?: string;
  failed?: boolean;
}

// SQLite allows at most 32766 bound parameters per statement: write in chunks.
const CHUNK = 500;

export function createFilesRepo(db: Db) {
  const filtered = (f: FileFilters) => {
    let qb = db.selectFrom('files').where('files.slug', '=', f.slug);
    // LIKE with an escaped prefix: % and _ in folder names are literal.
    if (f.prefix) qb = qb.where(sql<boolean>`files.path LIKE ${`${f.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`);
    if (f.label) qb = qb.where('files.label', '=', f.label);
    if (f.kind) qb = qb.where('files.kind', '=', f.kind);
    if (f.format) qb = qb.where('files.format', '=', f.format);
    if (f.failed !== undefined) qb = qb.where('files.error', f.failed ? 'is not' : 'is', null);
    return qb;
  };

  return {
    /** What the index holds for a dataset: path -> size and mtime, to diff against the folder. */
    async indexState(slug: string): Promise<Map<string, { size: number; mtime_ms: number; error: string | null }>> {
      const rows = await db.selectFrom('files').select(['path', 'size', 'mtime_ms', 'error']).where('slug', '=', slug).execute();
      return new Map(rows.map((r) => [r.path, { size: r.size, mtime_ms: r.mtime_ms, error: r.error }]));
    },

    async upsert(rows: FileRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          await trx.insertInto('files').values(rows.slice(i, i + CHUNK))
            .onConflict((oc) => oc.columns(['slug', 'path']).doUpdateSet((eb) => ({
              size: eb.ref('excluded.size'), mtime_ms: eb.ref('excluded.mtime_ms'), sha256: eb.ref('excluded.sha256'),
              kind: eb.ref('excluded.kind'), format: eb.ref('excluded.format'), meta: eb.ref('excluded.meta'),
              error: eb.ref('excluded.error'), label: eb.ref('excluded.label'), split: eb.ref('excluded.split'),
              series_uid: eb.ref('excluded.series_uid'), role: eb.ref('excluded.role'), pair_path: eb.ref('excluded.pair_path'),
              thumb: eb.ref('excluded.thumb'), thumb_error: eb.ref('excluded.thumb_error'), crc32: eb.ref('excluded.crc32'),
            })))
            .execute();
        }
      });
    },

    async remove(slug: string, paths: string[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < paths.length; i += CHUNK) {
          await trx.deleteFrom('files').where('slug', '=', slug).where('path', 'in', paths.slice(i, i + CHUNK)).execute();
        }
      });
    },

    async setPairs(slug: string, pairs: Map<string, string>): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('files').set({ role: null, pair_path: null }).where('slug', '=', slug).execute();
        for (const [mask, image] of pairs) {
          await trx.updateTable('files').set({ role: 'mask', pair_path: image }).where('slug', '=', slug).where('path', '=', mask).execute();
          await trx.updateTable('files').set({ role: 'image', pair_path: mask }).where('slug', '=', slug).where('path', '=', image).execute();
        }
      });
    },

    async setLabels(slug: string, labels: [string, string | null][]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        for (const [path, label] of labels) {
          await trx.updateTable('files').set({ label }).where('slug', '=', slug).where('path', '=', path).execute();
        }
      });
    },

    async allPaths(slug: string): Promise<string[]> {
      return (await db.selectFrom('files').select('path').where('slug', '=', slug).orderBy('path').execute()).map((r) => r.path);
    },

    async list(f: FileFilters, limit: number, offset: number): Promise<{ total: number; rows: FileRecord[] }> {
      const { total } = await filtered(f).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      const rows = await filtered(f).selectAll().orderBy('path').limit(limit).offset(offset).execute();
      return { total: Number(total), rows };
    },

    /** Sub-folders right under `prefix` (which ends with / or is empty) with counts, and the files directly in it. */
    async tree(slug: string, prefix: string): Promise<{ folder: string | null; files: number; bytes: number }[]> {
      const n = prefix.length;
      const rest = sql<string>`substr(path, ${n + 1})`;
      const folder = sql<string | null>`CASE WHEN instr(${rest}, '/') > 0 THEN substr(${rest}, 1, instr(${rest}, '/') - 1) ELSE NULL END`;
      const rows = await filtered({ slug, prefix })
        .select([folder.as('folder'), (eb) => eb.fn.countAll<number>().as('files'), (eb) => eb.fn.sum<number>('size').as('bytes')])
        .groupBy('folder').orderBy('folder').execute();
      return rows.map((r) => ({ folder: r.folder, files: Number(r.files), bytes: Number(r.bytes) }));
    },

    async seriesSlices(slug: string): Promise<{ id: number; path: string; meta: string | null; series_uid: string | null }[]> {
      return db.selectFrom('files').select(['id', 'path', 'meta', 'series_uid']).where('slug', '=', slug)
        .where('series_uid', 'is not', null).where('error', 'is', null).orderBy('series_uid').execute();
    },

    async get(id: number): Promise<FileRecord | undefined> {
      return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Counts per value of one column, for the dataset summary. */
    async countBy(slug: string, column: 'kind' | 'format' | 'label' | 'split'): Promise<{ value: string | null; files: number; bytes: number }[]> {
      const rows = await db.selectFrom('files').select([`${column} as value`, (eb) => eb.fn.countAll<number>().as('files'), (eb) => eb.fn.sum<number>('size').as('bytes')])
        .where('slug', '=', slug).where('error', 'is', null).groupBy(column).execute();
      return rows.map((r) => ({ value: r.value as string | null, files: Number(r.files), bytes: Number(r.bytes) }));
    },

    async failures(slug: string, limit: number): Promise<{ total: number; rows: { path: string; error: string }[] }> {
      const { total } = await db.selectFrom('files').select((eb) => eb.fn.countAll<number>().as('total')).where('slug', '=', slug).where('error', 'is not', null).executeTakeFirstOrThrow();
      const rows = await db.selectFrom('files').select(['path', 'error']).where('slug', '=', slug).where('error', 'is not', null).orderBy('path').limit(limit).execute();
      return { total: Number(total), rows: rows.map((r) => ({ path: r.path, error: r.error ?? '' })) };
    },

    async metaOf(slug: string): Promise<{ kind: string; format: string; meta: string | null; series_uid: string | null; label: string | null; split: string | null }[]> {
      return db.selectFrom('files').select(['kind', 'format', 'meta', 'series_uid', 'label', 'split']).where('slug', '=', slug).where('error', 'is', null).execute();
    },
  };
}
export type FilesRepo = ReturnType<typeof createFilesRepo>;

// Look-ups for the viewers (issue 5): pair ids, the files of a DICOM series, sample candidates.
export function createFileLookupRepo(db: Db) {
  return {
    /** Ids of files of `slug` by path (for FileItem.pair_id). */
    async idsByPath(slug: string, paths: string[]): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (let i = 0; i < paths.length; i += CHUNK) {
        const rows = await db.selectFrom('files').select(['id', 'path']).where('slug', '=', slug).where('path', 'in', paths.slice(i, i + CHUNK)).execute();
        for (const r of rows) out.set(r.path, r.id);
      }
      return out;
    },

    /** Readable slices of one DICOM series in a dataset. */
    async seriesFiles(slug: string, seriesUid: string): Promise<FileRecord[]> {
      return db.selectFrom('files').selectAll().where('slug', '=', slug).where('series_uid', '=', seriesUid).where('error', 'is', null).execute();
    },

    /**
     * Up to `limit` files of one label (or kind) for the sample picker: readable ones with a thumbnail first, then
     * by content hash (a stable spread over folders); only the lowest id of each DICOM series.
     */
    async sampleCandidates(slug: string, by: { label?: string; kind?: string }, limit: number): Promise<FileRecord[]> {
      let qb = db.selectFrom('files').selectAll().where('slug', '=', slug)
        .where((eb) => eb.or([
          eb('series_uid', 'is', null),
          eb('id', 'in', db.selectFrom('files as s').select((e) => e.fn.min<number>('s.id').as('id')).where('s.slug', '=', slug).where('s.series_uid', 'is not', null).groupBy('s.series_uid')),
        ]));
      if (by.label !== undefined) qb = qb.where('label', '=', by.label);
      if (by.kind !== undefined) qb = qb.where('kind', '=', by.kind);
      return qb.orderBy(sql`error IS NOT NULL`).orderBy(sql`thumb IS NULL`).orderBy(sql`role = 'mask'`).orderBy('sha256').orderBy('path').limit(limit).execute();
    },
  };
}
export type FileLookupRepo = ReturnType<typeof createFileLookupRepo>;
