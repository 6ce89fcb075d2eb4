import type { AppError } from '../domain/errors.js';
import { ownString, pathAt } from '../domain/file-page.js';
import { localHeaderLen } from '../domain/zip.js';
import type { PlanPiece, RunPiece } from '../domain/zip-plan.js';
import type { Copy, SmallBatchSource, SmallFilesBatch, SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { writeUtf8 } from '../domain/zip-fingerprint.js';

export interface SmallFileLimits {
  /** Whole files up to this size go through the reader thread. */
  maxFile: number;
  batchFiles: number;
  batchBytes: number;
  /** Batches asked for beyond the one being copied. */
  ahead: number;
}

/** Where a folder's files are: its absolute path with a trailing separator (UTF-8), or why none of them may be read. */
export type FolderBytes = Uint8Array | string;

/**
 * Files [from, from + length) of a run as a batch for the reader: each path is its folder's bytes
 * then its name, copied from the page's text when the batch is sent; nothing is kept per file but
 * a reference to its folder.
 */
class RunBatch implements SmallBatchSource {
  readonly dirs: Uint8Array[] = [];
  total = 0;
  headBytes = 0;
  pathRoom = 0;
  constructor(readonly run: RunPiece, readonly from: number, readonly headFrom: number) {}
  get length(): number { return this.dirs.length; }
  /** Adds the run's next file (folder `dir`, name of `nameLen` UTF-16 units, head of `headLen` bytes). */
  push(dir: Uint8Array, nameLen: number, size: number, headLen: number): void {
    this.dirs.push(dir);
    this.total += headLen + size;
    this.headBytes += headLen;
    this.pathRoom += dir.length + 3 * nameLen;
  }
  size(i: number): number { return this.run.files.sizes[this.from + i]!; }
  mtime(i: number): number { return this.run.files.mtimes[this.from + i]!; }
  headLen(i: number): number { return localHeaderLen(this.run.nameLens[this.from + i]!, this.size(i)); }
  writePath(i: number, b: Uint8Array, p: number): number {
    const dir = this.dirs[i]!;
    for (let j = 0; j < dir.length; j++) b[p + j] = dir[j]!;
    const { text, pathStart, pathEnd } = this.run.files;
    const end = pathEnd[this.from + i]!;
    const name = Math.max(text.lastIndexOf('/', end - 1) + 1, pathStart[this.from + i]!);
    return dir.length + writeUtf8(b, p + dir.length, text, name, end);
  }
  writeHeads(b: Uint8Array, p: number, copy: Copy): void {
    copy(b, p, this.run.heads, this.headFrom, this.headBytes);
  }
}

/**
 * The small files of one archive stream, in stream order, grouped into batches for the reader
 * thread. Pages are added as soon as they are planned (the stream adds the next page while it
 * still sends the current one), so the reader is asked for the next page's first batches before
 * the current page's last one is used and never waits at a page boundary. A batch's buffer goes
 * back to the reader once a later batch is used: at most `ahead` + 1 are held.
 *
 * `folder(group, dir)` gives the folder of a group's files under `dir` (a relative path, '' for
 * the root); it is asked once per folder change, and no string is made per file.
 */
export function archiveSmallFiles(small: SmallFilesRepo, limits: SmallFileLimits, folder: (group: number, dir: string) => FolderBytes, stale: (message: string) => AppError) {
  const planned: (RunBatch | null)[] = [];
  const reads: (Promise<SmallFilesBatch> | null)[] = [];
  // Batches already received: given back at once when released (the others when they arrive).
  const received = new Map<number, SmallFilesBatch>();
  let inUse = 0;
  const fill = () => {
    while (reads.length < planned.length && reads.length <= inUse + limits.ahead) {
      const r = small.read(planned[reads.length]!);
      r.catch(() => {}); // awaited in order; this only marks it handled if the stream is abandoned
      reads.push(r);
    }
  };
  let releasedUpTo = 0;
  const release = (upTo: number) => {
    for (let k = releasedUpTo; k < upTo; k++) {
      const got = received.get(k);
      if (got) small.recycle(got.data);
      else void reads[k]?.then((late) => small.recycle(late.data), () => {});
      received.delete(k);
      reads[k] = null;
      planned[k] = null;
    }
    releasedUpTo = Math.max(releasedUpTo, upTo);
  };
  // The folder of the last file seen: its group, its path relative to the root ('' for the root) and where it is.
  let lastGroup = -1;
  let lastDir = '';
  let lastFolder: FolderBytes = '';
  /** The folder of file k of a run, whose path's last '/' is at `slash` in the page text (before its start: none). */
  const folderOf = (r: RunPiece, k: number, slash: number): Uint8Array => {
    const { text, pathStart } = r.files;
    const start = pathStart[k]!;
    const dirLen = slash < start ? 0 : slash - start;
    if (r.group !== lastGroup || dirLen !== lastDir.length || !text.startsWith(lastDir, start)) {
      lastDir = ownString(text.slice(start, start + dirLen)); // kept past its page: not a slice of the page's text
      lastGroup = r.group;
      lastFolder = folder(r.group, lastDir);
    }
    if (typeof lastFolder === 'string') throw stale(`${r.prefix}${pathAt(r.files, k)} is no longer served (${lastFolder}): re-ingest the dataset`);
    return lastFolder;
  };
  return {
    /**
     * Adds a page's runs of small files, each split into batches (by files and by bytes, heads
     * included): batches[i] is the first and end batch of the run at piece i, and contents(b)
     * gives batch b's bytes (the heads and contents of its files, one after the other). With
     * `packed` false, runs of packed files are left out (they are read from a stored pack).
     */
    add(page: PlanPiece[], packed = true) {
      const batches: ([number, number] | undefined)[] = [];
      for (let i = 0; i < page.length; i++) {
        const r = page[i]!;
        if (r.kind !== 'run' || (!packed && r.packAt >= 0)) continue;
        const first = planned.length;
        const { files, nameLens } = r;
        let cur: RunBatch | null = null;
        let headAt = r.headFrom;
        for (let k = r.from; k < r.to; k++) {
          const size = files.sizes[k]!;
          const headLen = localHeaderLen(nameLens[k]!, size);
          if (!cur || cur.length === limits.batchFiles || (cur.length > 0 && cur.total + headLen + size > limits.batchBytes)) {
            cur = new RunBatch(r, k, headAt);
            planned.push(cur);
          }
          const end = files.pathEnd[k]!;
          const slash = files.text.lastIndexOf('/', end - 1);
          cur.push(folderOf(r, k, slash), end - Math.max(slash + 1, files.pathStart[k]!), size, headLen);
          headAt += headLen;
        }
        batches[i] = [first, planned.length];
      }
      fill();
      return {
        batches,
        /** The bytes of batch b (heads and contents of its files). */
        async contents(b: number): Promise<Uint8Array> {
          const { run, from } = planned[b]!;
          if (b > inUse) {
            release(b);
            inUse = b;
            fill();
          }
          const got = await reads[b]!;
          received.set(b, got);
          if (got.failed >= 0) throw stale(`${run.prefix}${pathAt(run.files, from + got.failed)} ${got.message}`);
          return got.data;
        },
      };
    },
    /** The stream is done: every buffer goes back to the reader. */
    done: () => release(reads.length),
  };
}
