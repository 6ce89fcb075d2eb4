import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { MirrorVersionsTable } from '../db/schema.js';

export type VersionRow = MirrorVersionsTable;
export type ChangeKind = 'added' | 'removed' | 'modified';
export interface ChangeRow {
  path: string;
  change: ChangeKind;
  old_size: number | null;
  size: number | null;
  old_sha256: string | null;
  sha256: string | null;
}
export interface ManifestRow { path: string; size: number; sha256: string }

const n = (v: unknown) => Number(v ?? 0);

/**
 * Versions of a mirror's index, kept as intervals (see migration 0008). The index a version is
 * taken from is the files table: every file of the dataset whose content could be hashed.
 */
export function createVersionsRepo(db: Db) {
  return {
    /**
     * Compares the dataset's index with its latest version and, when they differ, records a new
     * version in one transaction: the intervals of removed and modified files are closed, new ones
     * opened, and the version row written. Returns it, or null when nothing changed.
     */
    async record(slug: string, createdAt: string): Promise<VersionRow | null> {
      return db.transaction().execute(async (trx) => {
        const open = sql`m.slug = ${slug} AND m.to_version IS NULL`;
        const indexed = sql`f.slug = ${slug} AND f.sha256 IS NOT NULL`;
        const added = (await sql<{ files: number; bytes: number }>`
          SELECT count(*) AS files, sum(f.size) AS bytes FROM files f WHERE ${indexed}
          AND NOT EXISTS (SELECT 1 FROM mirror_version_files m WHERE ${open} AND m.path = f.path)`.execute(trx)).rows[0];
        const removed = (await sql<{ files: number; bytes: number }>`
          SELECT count(*) AS files, sum(m.size) AS bytes FROM mirror_version_files m WHERE ${open}
          AND NOT EXISTS (SELECT 1 FROM files f WHERE ${indexed} AND f.path = m.path)`.execute(trx)).rows[0];
        const modified = (await sql<{ files: number; bytes: number; old_bytes: number }>`
          SELECT count(*) AS files, sum(f.size) AS bytes, sum(m.size) AS old_bytes
          FROM mirror_version_files m JOIN files f ON f.slug = m.slug AND f.path = m.path
          WHERE ${open} AND f.sha256 IS NOT NULL AND (f.sha256 <> m.sha256 OR f.size <> m.size)`.execute(trx)).rows[0];
        if (n(added?.files) + n(removed?.files) + n(modified?.files) === 0) return null;

        const last = await trx.selectFrom('mirror_versions').select((eb) => eb.fn.max('version').as('v')).where('slug', '=', slug).executeTakeFirst();
        const version = n(last?.v) + 1;
        // Close what the new version no longer has as it was (removed or modified) ...
        await sql`UPDATE mirror_version_files AS m SET to_version = ${version - 1} WHERE ${open}
          AND NOT EXISTS (SELECT 1 FROM files f WHERE ${indexed} AND f.path = m.path AND f.sha256 = m.sha256 AND f.size = m.size)`.execute(trx);
        // ... and open what it has anew (added or modified).
        await sql`INSERT INTO mirror_version_files (slug, path, size, sha256, from_version, to_version)
          SELECT f.slug, f.path, f.size, f.sha256, ${version}, NULL FROM files f WHERE ${indexed}
          AND NOT EXISTS (SELECT 1 FROM mirror_version_files m WHERE ${open} AND m.path = f.path)`.execute(trx);
        const totals = (await sql<{ files: number; bytes: number }>`
          SELECT count(*) AS files, sum(m.size) AS bytes FROM mirror_version_files m WHERE ${open}`.execute(trx)).rows[0];
        const row: VersionRow = {
          slug, version, created_at: createdAt, files: n(totals?.files), bytes: n(totals?.bytes),
          added: n(added?.files), added_bytes: n(added?.bytes), removed: n(removed?.files), removed_bytes: n(removed?.bytes),
          modified: n(modified?.files), modified_bytes: n(modified?.bytes), modified_old_bytes: n(modified?.old_bytes),
        };
        await trx.insertInto('mirror_versions').values(row).execute();
        return row;
      });
    },

    async list(slug: string, limit: number, offset: number): Promise<{ total: number; rows: VersionRow[] }> {
      const { total } = await db.selectFrom('mirror_versions').select((eb) => eb.fn.countAll<number>().as('total')).where('slug', '=', slug).executeTakeFirstOrThrow();
      const rows = await db.selectFrom('mirror_versions').selectAll().where('slug', '=', slug).orderBy('version', 'desc').limit(limit).offset(offset).execute();
      return { total: Number(total), rows };
    },

    async get(slug: string, version: number): Promise<VersionRow | undefined> {
      return db.selectFrom('mirror_versions').selectAll().where('slug', '=', slug).where('version', '=', version).executeTakeFirst();
    },

    /**
     * A page of the diff of `version` against the version before, ordered by path: rows that
     * start at `version` against rows that end at `version - 1`; a path in both was modified.
     */
    async changes(slug: string, version: number, change: ChangeKind | undefined, limit: number, offset: number): Promise<ChangeRow[]> {
      const start = sql`n.slug = ${slug} AND n.from_version = ${version}`;
      const end = sql`o.slug = ${slug} AND o.to_version = ${version - 1}`;
      const parts = {
        added: sql`SELECT n.path, 'added' AS change, NULL AS old_size, n.size AS size, NULL AS old_sha256, n.sha256 AS sha256
          FROM mirror_version_files n WHERE ${start} AND NOT EXISTS (SELECT 1 FROM mirror_version_files o WHERE ${end} AND o.path = n.path)`,
        removed: sql`SELECT o.path, 'removed' AS change, o.size AS old_size, NULL AS size, o.sha256 AS old_sha256, NULL AS sha256
          FROM mirror_version_files o WHERE ${end} AND NOT EXISTS (SELECT 1 FROM mirror_version_files n WHERE ${start} AND n.path = o.path)`,
        modified: sql`SELECT n.path, 'modified' AS change, o.size AS old_size, n.size AS size, o.sha256 AS old_sha256, n.sha256 AS sha256
          FROM mirror_version_files n JOIN mirror_version_files o ON o.path = n.path AND ${end} WHERE ${start}`,
      };
      const union = change ? parts[change] : sql.join([parts.added, parts.removed, parts.modified], sql` UNION ALL `);
      const { rows } = await sql<ChangeRow>`SELECT * FROM (${union}) ORDER BY path, change LIMIT ${limit} OFFSET ${offset}`.execute(db);
      return rows;
    },

    /** Up to `limit` files of the manifest of `version` after `afterPath` (keyset paging, path order). */
    async manifestPage(slug: string, version: number, afterPath: string | null, limit: number): Promise<ManifestRow[]> {
      let qb = db.selectFrom('mirror_version_files').select(['path', 'size', 'sha256'])
        .where('slug', '=', slug).where('from_version', '<=', version)
        .where((eb) => eb.or([eb('to_version', 'is', null), eb('to_version', '>=', version)]));
      if (afterPath !== null) qb = qb.where('path', '>', afterPath);
      return qb.orderBy('path').limit(limit).execute();
    },
  };
}
export type VersionsRepo = ReturnType<typeof createVersionsRepo>;
