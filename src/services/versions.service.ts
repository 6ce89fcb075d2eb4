import { VERSION_MANIFEST_HEADER, type VersionDetail, type VersionDiffQuery, type VersionList, type VersionListQuery, type VersionSummary } from '../../contract/index.js';
import { NotFoundError } from '../domain/errors.js';
import type { VersionRow, VersionsRepo } from '../repos/versions.repo.js';

const MANIFEST_PAGE = 2000;

/**
 * A TSV field: tab, newline, carriage return and backslash escaped as \t \n \r \\ (the usual
 * "linear TSV" escapes), so that every path, whatever it contains, stays one field of one line.
 */
export const tsvField = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

export const manifestUrl = (slug: string, version: number) => `/api/v1/datasets/${slug}/versions/${version}/manifest.tsv`;

function toSummary(r: VersionRow): VersionSummary {
  return {
    version: r.version, created_at: r.created_at, files: r.files, bytes: r.bytes,
    added: { files: r.added, bytes: r.added_bytes },
    removed: { files: r.removed, bytes: r.removed_bytes },
    modified: { files: r.modified, bytes: r.modified_bytes, old_bytes: r.modified_old_bytes },
    manifest_url: manifestUrl(r.slug, r.version),
  };
}

export function createVersionsService(deps: { versions: VersionsRepo; datasetExists: (slug: string) => Promise<boolean> }) {
  async function requireVersion(slug: string, n: number): Promise<VersionRow> {
    if (!(await deps.datasetExists(slug))) throw new NotFoundError(`No dataset with slug "${slug}"`);
    const row = await deps.versions.get(slug, n);
    if (!row) throw new NotFoundError(`Dataset "${slug}" has no version ${n}`);
    return row;
  }

  return {
    /** Recorded versions of a dataset's mirror, newest first (none for a dataset never ingested). */
    async list(slug: string, q: VersionListQuery): Promise<VersionList> {
      if (!(await deps.datasetExists(slug))) throw new NotFoundError(`No dataset with slug "${slug}"`);
      const { total, rows } = await deps.versions.list(slug, q.per_page, (q.page - 1) * q.per_page);
      return { dataset: slug, total, page: q.page, per_page: q.per_page, items: rows.map(toSummary) };
    },

    /** One version: its summary and a page of its file-level diff against the version before. */
    async get(slug: string, n: number, q: VersionDiffQuery): Promise<VersionDetail> {
      const row = await requireVersion(slug, n);
      const total = q.change ? row[q.change] : row.added + row.removed + row.modified;
      const items = await deps.versions.changes(slug, n, q.change, q.per_page, (q.page - 1) * q.per_page);
      return { dataset: slug, version: toSummary(row), diff: { change: q.change ?? null, total, page: q.page, per_page: q.per_page, items } };
    },

    /**
     * The manifest of a version as TSV (path, size, sha256; path order), read from the database a
     * page at a time as the consumer asks for more: memory stays flat whatever the dataset's size.
     * Checks slug and version before returning, so that errors come before the first byte.
     */
    async manifest(slug: string, n: number): Promise<{ filename: string; lines: AsyncIterable<string> }> {
      await requireVersion(slug, n);
      async function* lines() {
        yield `${VERSION_MANIFEST_HEADER.join('\t')}\n`;
        for (let after: string | null = null; ;) {
          const page = await deps.versions.manifestPage(slug, n, after, MANIFEST_PAGE);
          if (page.length === 0) return;
          yield page.map((r) => `${tsvField(r.path)}\t${r.size}\t${r.sha256}\n`).join('');
          after = page[page.length - 1]!.path;
        }
      }
      return { filename: `${slug}-v${n}-manifest.tsv`, lines: lines() };
    },
  };
}
export type VersionsService = ReturnType<typeof createVersionsService>;
