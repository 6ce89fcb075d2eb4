import type { BlockSource } from '../domain/block-pool.js';
import type { AppError } from '../domain/errors.js';
import { type FilePiece, type RunPiece, StalePlanError, type ZipPlan } from '../domain/zip-plan.js';
import type { PackFile } from '../repos/archive-packs.repo.js';
import type { RawFilesRepo } from '../repos/raw-files.repo.js';
import type { Copy, SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { archiveSmallFiles, type FolderBytes, type SmallFileLimits } from './archive-small-files.js';

/** What the bytes of one planned archive are read from. */
export interface ArchiveSource {
  plan: ZipPlan;
  /** Each group's mirror folder, by the plan's group index. */
  roots: string[];
  raw: RawFilesRepo;
  small: SmallFilesRepo;
  smallLimits: SmallFileLimits;
  /** The error for a file that is no longer the indexed one. */
  stale: (message: string) => AppError;
  /** Opens the plan's stored pack, when there is one (null: none): runs of packed files are read from it instead of file by file. */
  pack?: () => PackFile | null;
}

/** The block being filled, and where the next ones come from. */
interface Sink { out: Buffer; len: number; blocks: BlockSource }

// Every generator here is a module-level function, never a closure made per request: a generator
// object's map comes from its function's prototype, so generators of per-request closures give
// every download new maps, and V8 threw away and recompiled the stream's code (~70 ms of JIT per
// archive on a background thread, twice per download) each time.

const setCopy: Copy = (target, targetStart, source, sourceStart, length) =>
  target.set(sourceStart === 0 && length === source.length ? source : source.subarray(sourceStart, sourceStart + length), targetStart);

/** Copies all of buf into the sink's blocks (with `copy`), handing over each one that fills up. */
async function* put(s: Sink, buf: Uint8Array, copy = setCopy): AsyncGenerator<Buffer> {
  for (let off = 0; ;) {
    const n = Math.min(buf.length - off, s.out.length - s.len);
    copy(s.out, s.len, buf, off, n);
    s.len += n;
    off += n;
    if (off === buf.length) return;
    yield s.out;
    s.out = await s.blocks.take();
    s.len = 0;
  }
}

/** The error of a file that is not (or no longer) the indexed one, named as the client knows it. */
const named = (name: string, err: unknown) => new Error(`${name} ${(err as Error).message}`);

/**
 * `length` bytes of a large file from `offset` into the sink, read straight into the blocks on the
 * thread pool, the first read filling the block its header is in (the sink's last block is left to
 * the caller). Every block but the stream's last goes out full: a block of the header alone, sent
 * first so that the file was read into whole blocks, made a short write per file, and the archive
 * of the bench (480 files of 4 MiB) 8-10% slower (30 interleaved downloads each, both ways round).
 */
async function* largeFile(s: Sink, raw: RawFilesRepo, name: string, absPath: string, size: number, mtimeMs: number, offset: number, length: number): AsyncGenerator<Buffer> {
  let f: ReturnType<RawFilesRepo['openSized']>;
  try {
    f = raw.openSized(absPath, size, mtimeMs);
  } catch (err) {
    throw named(name, err);
  }
  try {
    for (let pos = offset, left = length; left > 0;) {
      if (s.len === s.out.length) {
        yield s.out;
        s.out = await s.blocks.take();
        s.len = 0;
      }
      const n = await f.readInto(s.out, s.len, Math.min(left, s.out.length - s.len), pos).catch((err: unknown) => { throw named(name, err); });
      s.len += n;
      pos += n;
      left -= n;
    }
  } finally {
    f.close();
  }
}

/** `length` bytes of the pack from `pos` into the sink, block after block (the sink's last block is left to the caller). */
async function* packBytes(s: Sink, pack: PackFile, pos: number, length: number): AsyncGenerator<Buffer> {
  for (let left = length; left > 0;) {
    if (s.len === s.out.length) {
      yield s.out;
      s.out = await s.blocks.take();
      s.len = 0;
    }
    const n = await pack.readInto(s.out, s.len, Math.min(left, s.out.length - s.len), pos);
    s.len += n;
    pos += n;
    left -= n;
  }
}

/** Bytes of a run: its files' headers and contents. */
function runLength(r: RunPiece): number {
  let n = r.headTo - r.headFrom;
  for (let k = r.from; k < r.to; k++) n += r.files.sizes[k]!;
  return n;
}

/** A folder as the small-file reader takes it (its absolute path and a separator, as UTF-8), looked up once per stream by the resolver. */
export function folderBytes(resolve: ReturnType<RawFilesRepo['folderResolver']>, roots: string[]): (group: number, dir: string) => FolderBytes {
  return (group, dir) => {
    const d = resolve.folder(roots[group]!, dir);
    return d.status === 'ok' ? Buffer.from(d.prefix) : d.status;
  };
}

/**
 * `length` bytes of one file from `start` (still of the indexed size and modification time), read
 * straight into blocks; the file is closed before the last block is handed over. Errors name it `name`.
 */
export async function* fileBytes(raw: RawFilesRepo, name: string, absPath: string, size: number, mtimeMs: number, start: number, length: number, blocks: BlockSource): AsyncGenerator<Buffer> {
  const s: Sink = { out: await blocks.take(), len: 0, blocks };
  try {
    yield* largeFile(s, raw, name, absPath, size, mtimeMs, start, length);
  } catch (err) {
    blocks.give(s.out);
    throw err;
  }
  if (s.len > 0) yield s.out.subarray(0, s.len);
  else blocks.give(s.out);
}

/**
 * Bytes [start, end) of the archive in order, in blocks taken from `blocks` (the consumer gives
 * each back once written, so a pool of a few blocks keeps memory flat). Headers are copied into
 * the block. Small files are read by the small-file reader thread in batches, asked for ahead
 * across page boundaries (archive-small-files.ts); large files are read straight into the block
 * on the thread pool.
 */
export async function* archiveBytes(src: ArchiveSource, start: number, end: number, blocks: BlockSource): AsyncGenerator<Buffer> {
  const resolve = src.raw.folderResolver();
  const fileOf = (f: FilePiece) => {
    const c = resolve.file(src.roots[f.group]!, f.path);
    if (typeof c !== 'string') throw src.stale(`${f.name} is no longer served (${c.status}): re-ingest the dataset`);
    return c;
  };
  const s: Sink = { out: await blocks.take(), len: 0, blocks };
  // Asked once per change of folder.
  const small = archiveSmallFiles(src.small, src.smallLimits, folderBytes(resolve, src.roots), src.stale);
  let pack: PackFile | null = null;
  try {
    pack = src.pack?.() ?? null;
  } catch {
    // An unreadable pack: the files themselves are read.
  }
  // The next page is planned and its small files asked for while the current one is sent.
  const pages = src.plan.pieces(start, end, src.smallLimits.maxFile);
  const nextPage = () => {
    const p = pages.next().then((r) => (r.done ? null : { pieces: r.value, small: small.add(r.value, !pack) }));
    p.catch(() => {}); // awaited below; this only marks it handled if the stream is abandoned
    return p;
  };
  try {
    let next = nextPage();
    for (let page = await next; page; page = await next) {
      next = nextPage();
      for (let i = 0; i < page.pieces.length; i++) {
        const piece = page.pieces[i]!;
        if (piece.kind === 'bytes') yield* put(s, piece.bytes);
        else if (piece.kind === 'run' && pack && piece.packAt >= 0) yield* packBytes(s, pack, piece.packAt, runLength(piece));
        else if (piece.kind === 'run') {
          // Small files with their headers, read by the reader thread in batches.
          const [first, stop] = page.small.batches[i]!;
          for (let b = first; b < stop; b++) yield* put(s, await page.small.contents(b), src.small.copy);
        } else {
          // A large file, or part of one: checked by size and modification time, like small
          // files (a CRC-32 here would cost ~20% of the CPU of the whole stream; a change that
          // keeps both is still caught by the CRC check of every zip reader on extraction, and by
          // the SHA-256 of MANIFEST.tsv).
          if (piece.head) yield* put(s, piece.head);
          yield* largeFile(s, src.raw, piece.name, fileOf(piece), piece.size, piece.mtimeMs, piece.offset, piece.length);
        }
      }
    }
  } catch (err) {
    blocks.give(s.out);
    throw err instanceof StalePlanError ? src.stale(err.message) : err;
  } finally {
    // Also when the stream is abandoned (the client went away): the reader's memory goes back.
    small.done();
    pack?.close();
  }
  if (s.len > 0) yield s.out.subarray(0, s.len);
  else blocks.give(s.out);
}
