import type { FileItem, FileList, FileQuery, MirrorInfo, SeriesList, Tree } from '../../contract/index.js';
import type { FileMeta } from '../domain/file-meta.js';
import { orderSlices } from '../domain/series.js';
import { NotFoundError } from '../domain/errors.js';
import { viewerFor } from '../domain/viewer.js';
import type { FileLookupRepo, FileRecord, FilesRepo } from '../repos/files.repo.js';
import type { MirrorsRepo } from '../repos/mirrors.repo.js';
import type { ThumbnailsRepo } from '../repos/thumbnails.repo.js';

export function toFileItem(r: FileRecord, pairId: number | null = null): FileItem {
  const meta = r.meta ? (JSON.parse(r.meta) as Record<string, unknown>) : null;
  const viewer = viewerFor({ kind: r.kind, format: r.format, meta: meta as FileMeta | null, error: r.error });
  return {
    id: r.id, dataset: r.slug, path: r.path, size: r.size, sha256: r.sha256,
    kind: r.kind as FileItem['kind'], format: r.format, label: r.label, split: r.split,
    role: (r.role as FileItem['role']) ?? null, pair_path: r.pair_path, error: r.error,
    meta,
    // Videos have no stored thumbnail (ingestion decodes no video): their poster frame is made on demand.
    thumbnail_url: r.thumb ? `/api/v1/files/${r.id}/thumbnail` : viewer === 'video' ? `/api/v1/files/${r.id}/poster` : null,
    viewer,
    pair_id: pairId,
  };
}

export function createFilesService(deps: { files: FilesRepo; mirrors: MirrorsRepo; datasetExists: (slug: string) => Promise<boolean>; thumbnails?: ThumbnailsRepo; lookup?: FileLookupRepo }) {
  /** FileItems with pair_id resolved from pair_path (one query per page). */
  async function items(rows: FileRecord[]): Promise<FileItem[]> {
    const paired = rows.filter((r) => r.pair_path !== null);
    const ids = deps.lookup && paired.length && rows[0] ? await deps.lookup.idsByPath(rows[0].slug, [...new Set(paired.map((r) => r.pair_path!))]) : new Map<string, number>();
    return rows.map((r) => toFileItem(r, (r.pair_path !== null && r.slug === rows[0]!.slug ? ids.get(r.pair_path) : undefined) ?? null));
  }
  async function requireDataset(slug: string) {
    if (!(await deps.datasetExists(slug))) throw new NotFoundError(`No dataset with slug "${slug}"`);
  }
  return {
    items,

    async list(slug: string, q: FileQuery): Promise<FileList> {
      await requireDataset(slug);
      const { total, rows } = await deps.files.list(
        { slug, prefix: q.path, label: q.label, kind: q.kind, format: q.format, failed: q.failed },
        q.per_page, (q.page - 1) * q.per_page,
      );
      return { total, page: q.page, per_page: q.per_page, items: await items(rows) };
    },

    async tree(slug: string, path = ''): Promise<Tree> {
      await requireDataset(slug);
      const prefix = path && !path.endsWith('/') ? `${path}/` : path;
      const rows = await deps.files.tree(slug, prefix);
      return {
        path: prefix,
        folders: rows.filter((r) => r.folder !== null).map((r) => ({ name: r.folder!, path: `${prefix}${r.folder}/`, files: r.files, bytes: r.bytes })),
        files: rows.find((r) => r.folder === null)?.files ?? 0,
      };
    },

    /** DICOM slices grouped by SeriesInstanceUID and ordered by position: each series is one volume. */
    async series(slug: string): Promise<SeriesList> {
      await requireDataset(slug);
      const groups = new Map<string, { id: number; path: string; meta: FileMeta }[]>();
      for (const r of await deps.files.seriesSlices(slug)) {
        if (!r.meta || !r.series_uid) continue;
        groups.set(r.series_uid, [...(groups.get(r.series_uid) ?? []), { id: r.id, path: r.path, meta: JSON.parse(r.meta) as FileMeta }]);
      }
      return {
        series: [...groups].map(([uid, slices]) => {
          const ordered = orderSlices(slices);
          const m = ordered[0]!.meta;
          return { series_uid: uid, modality: m.dicom?.Modality ?? null, slices: ordered.length, width: m.width ?? null, height: m.height ?? null, file_ids: ordered.map((s) => s.id) };
        }),
      };
    },

    async get(id: number): Promise<FileItem> {
      const row = await deps.files.get(id);
      if (!row) throw new NotFoundError(`No file ${id}`);
      return (await items([row]))[0]!;
    },

    /** The stored WebP thumbnail of a file and its cache key; NotFoundError says why there is none. */
    async thumbnail(id: number): Promise<{ webp: Buffer; etag: string }> {
      const row = await deps.files.get(id);
      if (!row) throw new NotFoundError(`No file ${id}`);
      if (!row.thumb) throw new NotFoundError(`File ${id} has no thumbnail${row.thumb_error ? `: ${row.thumb_error}` : row.error ? `: ${row.error}` : ''}`);
      const webp = await deps.thumbnails?.read(row.thumb);
      if (!webp) throw new NotFoundError(`The thumbnail of file ${id} is missing: re-run the ingestion to make it again`);
      return { webp, etag: `"${row.thumb.split('/')[1]!.replace('.webp', '')}"` };
    },

    /** The mirror's summary for the dataset endpoints, or null when nothing is mirrored. */
    async mirror(slug: string): Promise<MirrorInfo | null> {
      const m = await deps.mirrors.get(slug);
      if (!m) return null;
      return {
        files: m.files, bytes: m.bytes, failed: m.failed, indexed_at: m.indexed_at,
        summary: m.summary ? (JSON.parse(m.summary) as Record<string, unknown>) : null,
        failures: (await deps.files.failures(slug, 20)).rows,
      };
    },
  };
}
export type FilesService = ReturnType<typeof createFilesService>;
