import { createHash } from 'node:crypto';
import type { ArchiveQuery, Card } from '../../contract/index.js';
import { contentTypeFor } from '../domain/byte-range.js';
import { toBibtex } from '../domain/citation.js';
import { toCroissant } from '../domain/croissant.js';
import { ARCHIVE_MANIFEST_HEADER, archiveManifestLines, type DownloadFile, licenseText, type ListFormat, manifestFormat } from '../domain/download-lists.js';
import { type BlockSource, freshBlocks } from '../domain/block-pool.js';
import { AppError, NotFoundError } from '../domain/errors.js';
import { type FilePage, pathAt } from '../domain/file-page.js';
import { type ArchiveGroup, planZip, type ZipPlan } from '../domain/zip-plan.js';
import type { DownloadFilter, DownloadsRepo } from '../repos/downloads.repo.js';
import type { MirrorsRepo } from '../repos/mirrors.repo.js';
import type { RawFilesRepo } from '../repos/raw-files.repo.js';
import type { SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import type { ArchivePacksRepo } from '../repos/archive-packs.repo.js';
import { createArchivePacks, type PackLimits } from './archive-packs.js';
import { archiveBytes, type ArchiveSource, fileBytes } from './archive-stream.js';

/** A byte stream whose size and validators are known before the first byte, so Range works. */
export interface Download {
  size: number;
  /** Strong entity tag, quoted. */
  etag: string;
  lastModifiedMs: number | null;
  contentType: string;
  filename: string;
  /**
   * Bytes [start, end), produced as they are pulled, in blocks taken from `blocks` (fresh ones by
   * default): the consumer gives each block back once it no longer needs it.
   */
  open(start: number, end: number, blocks?: BlockSource): AsyncGenerator<Buffer>;
}

/** One dataset's share of an archive: its card, where its mirror is, and which of its files. */
export interface ArchivePart {
  card: Card;
  root: string;
  indexedAt: string | null;
  filter: DownloadFilter;
}

// Every chunk handed to the consumer is one block of this size (the last one may be shorter).
export const BLOCK = 1024 * 1024;
// Whole files up to 256 KiB are read by the small-file reader thread, in batches of at most 256
// files or 1 MiB; two batches are asked for ahead of the one being copied.
const SMALL_LIMITS = { maxFile: 256 * 1024, batchFiles: 256, batchBytes: 1024 * 1024, ahead: 2 };
// Index rows held at a time while planning or streaming an archive (a page is ~0.3 MB with its
// MANIFEST.tsv lines, for paths of ~30 bytes).
const PAGE_ROWS = 1024;
// Archive plans kept for reuse (each holds its first 16 pages).
const PLANS_KEPT = 4;
// Bumped whenever the bytes of an archive for the same index state would change.
const ARCHIVE_FORMAT = 'medimg-zip-2';

export const staleIndex = (message: string) => new AppError('conflict', 'stale_index', message);

/** A file that no longer matches the index while streaming: a 409 if nothing was sent yet, else the response is cut. */
async function* staleOnError(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (err) {
    throw err instanceof AppError ? err : staleIndex((err as Error).message);
  }
}

/** The stream, then `after()` once it has ended (not when it failed or was abandoned). */
async function* thenPack(chunks: AsyncGenerator<Buffer>, after: () => void): AsyncGenerator<Buffer> {
  yield* chunks;
  after();
}

export function createDownloadsService(deps: {
  downloads: DownloadsRepo;
  raw: RawFilesRepo;
  mirrors: MirrorsRepo;
  small: SmallFilesRepo;
  /** The card of a dataset; throws NotFoundError for an unknown slug. */
  card: (slug: string) => Promise<Card>;
  /** Where packs of archives' small files are stored, and how many (none: every file is read each time). */
  packStore?: { repo: ArchivePacksRepo; limits: PackLimits };
}) {
  const packs = deps.packStore && createArchivePacks({ ...deps.packStore, raw: deps.raw, small: deps.small, smallLimits: SMALL_LIMITS, stale: staleIndex });
  const { raw } = deps;

  /** CRC-32 of files indexed before files.crc32 existed: computed once by reading the file, then stored. */
  async function ensureCrc(slug: string, root: string, page: FilePage): Promise<void> {
    for (const k of page.noCrc) {
      const path = pathAt(page, k);
      const c = await raw.check(root, path, page.sizes[k]!);
      if (c.status !== 'ok') throw staleIndex(`${slug}/${path} is no longer the indexed file (${c.status}): re-ingest the dataset`);
      const crc = await raw.crc32File(c.absPath);
      await deps.downloads.setCrc32(page.ids[k]!, crc);
      page.crcs[k] = parseInt(crc, 16);
    }
    page.noCrc = [];
  }

  async function part(slug: string, q: ArchiveQuery = {}): Promise<ArchivePart> {
    const card = await deps.card(slug);
    const mirror = await deps.mirrors.get(slug);
    if (!mirror) throw new NotFoundError(`The dataset "${slug}" is not mirrored on this server: get it from its source, ${card.source.url}`);
    const filter = { prefix: q.path, label: q.label };
    if ((q.path || q.label) && (await deps.downloads.entriesPage(slug, filter, null, 1)).length === 0) {
      throw new NotFoundError(`No file of "${slug}" matches${q.path ? ` path=${q.path}` : ''}${q.label ? ` label=${q.label}` : ''}`);
    }
    return { card, root: mirror.root, indexedAt: mirror.indexed_at, filter };
  }

  /** The dataset's files, then MANIFEST.tsv, croissant.json, CITATION.bib and LICENSE.txt (MEDIMG-<name> if a file has that name). */
  function group(p: ArchivePart): ArchiveGroup {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    const slug = p.card.slug;
    const named = (file: string) => ({ name: `${slug}/${file}`, altName: `${slug}/MEDIMG-${file}` });
    return {
      prefix: `${slug}/`,
      page: async (after, limit) => {
        const page = await deps.downloads.filePage(slug, p.filter, after, limit);
        if (page.noCrc.length) await ensureCrc(slug, p.root, page);
        return page;
      },
      trailers: [
        { ...named('MANIFEST.tsv'), header: ARCHIVE_MANIFEST_HEADER, lines: archiveManifestLines },
        // No page URL: the archive's bytes must not depend on the Host the request came through.
        { ...named('croissant.json'), bytes: utf8(`${JSON.stringify(toCroissant(p.card), null, 2)}\n`) },
        { ...named('CITATION.bib'), bytes: utf8(toBibtex(p.card)) },
        { ...named('LICENSE.txt'), bytes: utf8(licenseText(p.card)) },
      ],
    };
  }

  /**
   * Plans are kept for the last few archives while what they are made of is unchanged: each
   * dataset's files revision (moved by triggers on every change to its files rows), its mirror
   * folder and index date, the filter, and its card (the trailers). A resumed download, the ranges
   * of a multi-connection client or the same archive again skip the planning pass (one read of
   * every index row), whatever else is written to the database meanwhile. After a change, the new
   * plan reads every row again but takes the pages whose files did not change from the old one.
   */
  const plans = new Map<string, { revs: string; plan: Promise<ZipPlan> }>();
  const keyOf = (parts: ArchivePart[]) => createHash('sha256').update(JSON.stringify(parts.map((p) =>
    [p.card.slug, p.root, p.indexedAt, p.filter.prefix ?? '', p.filter.label ?? '', p.card]))).digest('hex');
  async function planFor(parts: ArchivePart[], key: string): Promise<ZipPlan> {
    const revs = JSON.stringify([...(await deps.downloads.fileRevisions(parts.map((p) => p.card.slug))).values()]);
    const hit = plans.get(key);
    // A plan of older revisions is dropped at once (revisions only grow: it can never be used again).
    plans.delete(key);
    if (hit?.revs === revs) {
      plans.set(key, hit); // most recently used last
      return hit.plan;
    }
    // The plan of the previous revisions lends the new one its pages that did not change.
    const plan = (async () => planZip(parts.map(group), PAGE_ROWS, hit && (await hit.plan.catch(() => undefined)), packs?.maxFile ?? 0))();
    plans.set(key, { revs, plan });
    plan.catch(() => { if (plans.get(key)?.plan === plan) plans.delete(key); });
    while (plans.size > PLANS_KEPT) plans.delete(plans.keys().next().value!);
    return plan;
  }

  // The pack id each recent archive had when last asked for.
  const lastPacks = new Map<string, string>();
  /** The archive's plan, ETag and pack id; the pack of what the archive was before a change (it will not be asked for again) is deleted. */
  async function planned(parts: ArchivePart[]) {
    const key = keyOf(parts);
    let plan: ZipPlan;
    try {
      plan = await planFor(parts, key);
    } catch (err) {
      throw err instanceof AppError ? err : staleIndex((err as Error).message);
    }
    const etag = `"${createHash('sha256').update(`${ARCHIVE_FORMAT}\n${plan.fingerprint}`).digest('hex')}"`;
    const packId = packs?.idOf(etag);
    if (packs && packId) {
      const before = lastPacks.get(key);
      if (before !== undefined && before !== packId) packs.discard(before);
      lastPacks.delete(key);
      lastPacks.set(key, packId);
      if (lastPacks.size > 256) lastPacks.delete(lastPacks.keys().next().value!);
    }
    return { plan, etag, packId };
  }

  async function archive(parts: ArchivePart[], filename: string): Promise<Download> {
    const { plan, etag, packId } = await planned(parts);
    const roots = parts.map((p) => p.root);
    const source: ArchiveSource = { plan, roots, raw, small: deps.small, smallLimits: SMALL_LIMITS, stale: staleIndex };
    const dates = parts.map((p) => (p.indexedAt ? Date.parse(p.indexedAt) : NaN)).filter((d) => !Number.isNaN(d));

    return {
      size: plan.total,
      etag,
      lastModifiedMs: dates.length ? Math.max(...dates) : null,
      contentType: 'application/zip',
      filename,
      open: (start, end, blocks = freshBlocks(BLOCK)) => {
        if (!packs || !packId) return staleOnError(archiveBytes(source, start, end, blocks));
        // With its pack, if stored; without, the pack is made once a stream of the archive has ended.
        let packed = false;
        const pack = () => {
          const f = packs.open(packId, plan);
          packed = f !== null;
          return f;
        };
        return staleOnError(thenPack(archiveBytes({ ...source, pack }, start, end, blocks), () => {
          if (!packed) void packs.build(packId, plan, roots);
        }));
      },
    };
  }

  /** The files of the parts in archive order, a page at a time. */
  async function* pagesOf(parts: ArchivePart[]): AsyncGenerator<DownloadFile[]> {
    for (const p of parts) {
      for (let after: string | null = null; ;) {
        const rows = await deps.downloads.entriesPage(p.card.slug, p.filter, after, PAGE_ROWS);
        if (rows.length === 0) break;
        yield rows as DownloadFile[];
        after = rows[rows.length - 1]!.path;
      }
    }
  }

  /** A file list (manifest, aria2 input, script) as text, a page of files at a time: never one string. */
  async function* listText(format: ListFormat, parts: ArchivePart[]): AsyncGenerator<string> {
    if (format.head) yield format.head;
    for await (const rows of pagesOf(parts)) {
      let text = '';
      for (const f of rows) text += format.line(f);
      if (text) yield text;
    }
    if (format.tail) yield format.tail;
  }

  return {
    part,
    archive,
    listText,
    /** The pack being made, if any, is done. */
    packsSettled: () => packs?.settled() ?? Promise.resolve(),
    /** Makes the pack of a dataset's whole archive now (after its ingestion); says what is stored. Never throws. */
    async preparePack(slug: string): Promise<string> {
      if (!packs) return 'no archive pack (turned off)';
      try {
        const parts = [await part(slug)];
        const { plan, packId } = await planned(parts);
        return await packs.prepare(packId!, plan, parts.map((p) => p.root));
      } catch (err) {
        return `no archive pack (${(err as Error).message})`;
      }
    },
    /** Stops making packs (the one being made is deleted). */
    close: () => packs?.close() ?? Promise.resolve(),

    /** The original bytes of one indexed file, after checking it is still the file that was indexed. */
    async raw(id: number): Promise<Download> {
      const row = await deps.downloads.rawFile(id);
      if (!row) throw new NotFoundError(`No mirrored file ${id}`);
      if (!row.sha256) throw new NotFoundError(`File ${id} (${row.slug}/${row.path}) could not be read when it was indexed, so it is not served`);
      const c = await raw.check(row.root, row.path, row.size);
      if (c.status === 'outside') {
        throw new AppError('forbidden', 'outside_mirror', `File ${id} (${row.slug}/${row.path}) now resolves outside its dataset folder (a symlink?): it is never served`);
      }
      if (c.status === 'size') throw staleIndex(`File ${id} (${row.slug}/${row.path}) has ${c.actual} bytes on disk but ${row.size} in the index: re-ingest the dataset`);
      if (c.status !== 'ok') throw staleIndex(`File ${id} (${row.slug}/${row.path}) is no longer readable on disk (${c.status === 'missing' ? c.reason : 'not a regular file'}): re-ingest the dataset`);
      const absPath = c.absPath;
      return {
        size: row.size,
        etag: `"${row.sha256}"`,
        lastModifiedMs: row.mtime_ms,
        contentType: contentTypeFor(row.format),
        filename: row.path,
        open: (start, end, blocks = freshBlocks(BLOCK)) => staleOnError(fileBytes(raw, `File ${id} (${row.slug}/${row.path})`, absPath, row.size, row.mtime_ms, start, end - start, blocks)),
      };
    },

    async datasetArchive(slug: string, q: ArchiveQuery): Promise<Download> {
      return archive([await part(slug, q)], `${slug}.zip`);
    },

    async datasetManifest(slug: string, q: ArchiveQuery, baseUrl: string): Promise<AsyncIterable<string>> {
      return listText(manifestFormat(baseUrl), [await part(slug, q)]);
    },
  };
}
export type DownloadsService = ReturnType<typeof createDownloadsService>;
