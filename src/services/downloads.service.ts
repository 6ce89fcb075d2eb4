import { createHash } from 'node:crypto';
import type { ArchiveQuery, Card } from '../../contract/index.js';
import { contentTypeFor } from '../domain/byte-range.js';
import { toBibtex } from '../domain/citation.js';
import { toCroissant } from '../domain/croissant.js';
import { archiveManifest, type DownloadFile, licenseText, manifestTsv } from '../domain/download-lists.js';
import { type BlockSource, freshBlocks } from '../domain/block-pool.js';
import { AppError, NotFoundError } from '../domain/errors.js';
import { crc32, layoutZip, planRange, type ZipEntrySpec } from '../domain/zip.js';
import type { DownloadRow, DownloadsRepo } from '../repos/downloads.repo.js';
import type { MirrorsRepo } from '../repos/mirrors.repo.js';
import type { RawFilesRepo } from '../repos/raw-files.repo.js';

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

/** One dataset's share of an archive: its card, where its mirror is, and the files chosen. */
export interface ArchivePart {
  card: Card;
  root: string;
  indexedAt: string | null;
  files: DownloadRow[];
}

type EntryRef = { kind: 'file'; root: string; path: string } | { kind: 'bytes'; data: Uint8Array };

const META_FILES = ['MANIFEST.tsv', 'croissant.json', 'CITATION.bib', 'LICENSE.txt'] as const;
// Every chunk handed to the consumer is one block of this size (the last one may be shorter).
export const BLOCK = 1024 * 1024;
// Whole files up to this size are read in one go, several ahead of the one being sent.
const SMALL_FILE = 256 * 1024;
const READ_AHEAD_FILES = 64;
const READ_AHEAD_BYTES = 2 * 1024 * 1024;
// Bumped whenever the bytes of an archive for the same index state would change.
const ARCHIVE_FORMAT = 'medimg-zip-1';

export const staleIndex = (message: string) => new AppError('conflict', 'stale_index', message);

/** A file that no longer matches the index while streaming: a 409 if nothing was sent yet, else the response is cut. */
async function* staleOnError(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (err) {
    throw err instanceof AppError ? err : staleIndex((err as Error).message);
  }
}

/** `length` bytes of one file from `start`, read straight into blocks; the file is closed before the last one is handed over. */
async function* fileBlocks(raw: RawFilesRepo, absPath: string, size: number, start: number, length: number, blocks: BlockSource = freshBlocks(BLOCK)): AsyncGenerator<Buffer> {
  const f = await raw.openSized(absPath, size);
  let isOpen = true;
  try {
    for (let pos = start, left = length; left > 0;) {
      const out = await blocks.take();
      let len = 0;
      try {
        while (len < out.length && left > 0) {
          const n = await f.readInto(out, len, Math.min(left, out.length - len), pos);
          len += n;
          pos += n;
          left -= n;
        }
      } catch (err) {
        blocks.give(out);
        throw err;
      }
      if (left === 0) {
        isOpen = false;
        await f.close();
      }
      yield len === out.length ? out : out.subarray(0, len);
    }
  } finally {
    if (isOpen) await f.close();
  }
}

export function createDownloadsService(deps: {
  downloads: DownloadsRepo;
  raw: RawFilesRepo;
  mirrors: MirrorsRepo;
  /** The card of a dataset; throws NotFoundError for an unknown slug. */
  card: (slug: string) => Promise<Card>;
}) {
  const { raw } = deps;

  /** CRC-32 of rows indexed before files.crc32 existed: computed once by reading the file, then stored. */
  async function ensureCrc(root: string, rows: DownloadRow[]): Promise<void> {
    for (const r of rows) {
      if (r.crc32) continue;
      const c = await raw.check(root, r.path, r.size);
      if (c.status !== 'ok') throw staleIndex(`${r.slug}/${r.path} is no longer the indexed file (${c.status}): re-ingest the dataset`);
      r.crc32 = await raw.crc32File(c.absPath);
      await deps.downloads.setCrc32(r.id, r.crc32);
    }
  }

  async function part(slug: string, q: ArchiveQuery = {}): Promise<ArchivePart> {
    const card = await deps.card(slug);
    const mirror = await deps.mirrors.get(slug);
    if (!mirror) throw new NotFoundError(`The dataset "${slug}" is not mirrored on this server: get it from its source, ${card.source.url}`);
    const files = await deps.downloads.entries(slug, { prefix: q.path, label: q.label });
    if (files.length === 0 && (q.path || q.label)) {
      throw new NotFoundError(`No file of "${slug}" matches${q.path ? ` path=${q.path}` : ''}${q.label ? ` label=${q.label}` : ''}`);
    }
    return { card, root: mirror.root, indexedAt: mirror.indexed_at, files };
  }

  function metaEntries(p: ArchivePart): ZipEntrySpec<EntryRef>[] {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    const contents: Record<(typeof META_FILES)[number], Uint8Array> = {
      'MANIFEST.tsv': utf8(archiveManifest(p.files as DownloadFile[])),
      // No page URL: the archive's bytes must not depend on the Host the request came through.
      'croissant.json': utf8(`${JSON.stringify(toCroissant(p.card), null, 2)}\n`),
      'CITATION.bib': utf8(toBibtex(p.card)),
      'LICENSE.txt': utf8(licenseText(p.card)),
    };
    const taken = new Set(p.files.map((f) => f.path));
    return META_FILES.map((name) => {
      const data = contents[name];
      // A mirrored file of that very name keeps it; ours steps aside.
      const file = taken.has(name) ? `MEDIMG-${name}` : name;
      return { name: `${p.card.slug}/${file}`, size: data.length, crc32: crc32(data), ref: { kind: 'bytes', data } };
    });
  }

  async function archive(parts: ArchivePart[], filename: string): Promise<Download> {
    const specs: ZipEntrySpec<EntryRef>[] = [];
    for (const p of parts) {
      await ensureCrc(p.root, p.files);
      specs.push(...metaEntries(p));
      for (const f of p.files) {
        specs.push({ name: `${p.card.slug}/${f.path}`, size: f.size, crc32: parseInt(f.crc32!, 16), ref: { kind: 'file', root: p.root, path: f.path } });
      }
    }
    const layout = layoutZip(specs);
    const hash = createHash('sha256').update(`${ARCHIVE_FORMAT}\n`);
    for (const s of specs) hash.update(`${s.name}\t${s.size}\t${s.crc32}\n`);
    const dates = parts.map((p) => (p.indexedAt ? Date.parse(p.indexedAt) : NaN)).filter((d) => !Number.isNaN(d));

    /**
     * Bytes [start, end) in order, in blocks of BLOCK bytes taken from `blocks` (the consumer gives
     * each back once written, so a pool of a few blocks keeps memory flat). Whole small files are
     * read ahead (a few at a time, bounded bytes) so that the per-file open/read latency overlaps
     * the sending; large files are read straight into the block; headers and small files are copied
     * into it, so the socket sees few large writes.
     */
    async function* bytes(start: number, end: number, blocks: BlockSource = freshBlocks(BLOCK)): AsyncGenerator<Buffer> {
      const resolveFile = raw.folderResolver();
      type Big = { big: true; index: number; offset: number; length: number };
      type Item = Buffer | Promise<Buffer> | Big;
      const queue: Item[] = [];
      let queued = 0;
      const plan = planRange(layout, start, end);
      let planDone = false;
      const fill = () => {
        while (!planDone && queue.length < READ_AHEAD_FILES && queued < READ_AHEAD_BYTES) {
          const next = plan.next();
          if (next.done) {
            planDone = true;
            return;
          }
          const p = next.value;
          if (p.kind === 'bytes') {
            queue.push(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.length));
            continue;
          }
          const e = layout.entries[p.index]!;
          const ref = e.ref;
          if (ref.kind === 'bytes') {
            queue.push(Buffer.from(ref.data.buffer, ref.data.byteOffset + p.offset, p.length));
          } else if (p.offset === 0 && p.length === e.size && e.size <= SMALL_FILE) {
            const read = resolveFile(ref.root, ref.path).then((r) => {
              if (r.status !== 'ok') throw staleIndex(`${e.name} is no longer served (${r.status}): re-ingest the dataset`);
              return raw.readWhole(r.absPath, e.size, e.crc32);
            }).catch((err: unknown) => {
              throw err instanceof AppError ? err : staleIndex(`${e.name}: ${(err as Error).message}`);
            });
            read.catch(() => {}); // awaited in order below; this only marks it handled if the stream is abandoned
            queue.push(read);
            queued += e.size;
          } else {
            queue.push({ big: true, index: p.index, offset: p.offset, length: p.length });
          }
        }
      };

      let out = await blocks.take();
      let len = 0;
      try {
        for (;;) {
          fill();
          const item = queue.shift();
          if (item === undefined) break;
          if (!('big' in item)) {
            const buf = item instanceof Promise ? await item : item;
            if (item instanceof Promise) queued -= buf.length;
            for (let off = 0; off < buf.length;) {
              if (len === out.length) {
                yield out;
                out = await blocks.take();
                len = 0;
              }
              const n = Math.min(buf.length - off, out.length - len);
              buf.copy(out, len, off, off + n);
              len += n;
              off += n;
            }
            continue;
          }
          // Large files are checked by size only: a CRC-32 here would cost ~20% of the CPU of the
          // whole stream, and a file changed in place is still caught by the CRC check of every
          // zip reader on extraction (and by the SHA-256 of MANIFEST.tsv).
          const e = layout.entries[item.index]!;
          const ref = e.ref as Extract<EntryRef, { kind: 'file' }>;
          const r = await resolveFile(ref.root, ref.path);
          if (r.status !== 'ok') throw staleIndex(`${e.name} is no longer served (${r.status}): re-ingest the dataset`);
          const f = await raw.openSized(r.absPath, e.size);
          try {
            for (let pos = item.offset, left = item.length; left > 0;) {
              if (len === out.length) {
                yield out;
                out = await blocks.take();
                len = 0;
              }
              const n = await f.readInto(out, len, Math.min(left, out.length - len), pos);
              len += n;
              pos += n;
              left -= n;
            }
          } finally {
            await f.close();
          }
        }
      } catch (err) {
        blocks.give(out);
        throw err;
      }
      if (len > 0) yield out.subarray(0, len);
      else blocks.give(out);
    }

    return {
      size: layout.total,
      etag: `"${hash.digest('hex')}"`,
      lastModifiedMs: dates.length ? Math.max(...dates) : null,
      contentType: 'application/zip',
      filename,
      open: (start, end, blocks) => staleOnError(bytes(start, end, blocks)),
    };
  }

  const filesOf = (parts: ArchivePart[]): DownloadFile[] => parts.flatMap((p) => p.files as DownloadFile[]);

  return {
    part,
    archive,
    filesOf,

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
        open: (start, end, blocks) => staleOnError(fileBlocks(raw, absPath, row.size, start, end - start, blocks)),
      };
    },

    async datasetArchive(slug: string, q: ArchiveQuery): Promise<Download> {
      return archive([await part(slug, q)], `${slug}.zip`);
    },

    async datasetManifest(slug: string, q: ArchiveQuery, baseUrl: string): Promise<string> {
      return manifestTsv(filesOf([await part(slug, q)]), baseUrl);
    },
  };
}
export type DownloadsService = ReturnType<typeof createDownloadsService>;
