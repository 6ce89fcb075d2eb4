import type { AppError } from '../domain/errors.js';
import { pathAt } from '../domain/file-page.js';
import { localHeaderLen } from '../domain/zip.js';
import type { PlanPiece, RunPiece } from '../domain/zip-plan.js';
import { SmallBatch, type SmallFilesBatch, type SmallFilesRepo } from '../repos/small-files/small-files.repo.js';

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

/** A batch and the files of its run it holds (from, from + batch.length). */
interface Planned { batch: SmallBatch; run: RunPiece; from: number }

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
  const planned: (Planned | null)[] = [];
  const reads: (Promise<SmallFilesBatch> | null)[] = [];
  // Batches already received: given back at once when released (the others when they arrive).
  const received = new Map<number, SmallFilesBatch>();
  let inUse = 0;
  const fill = () => {
    while (reads.length < planned.length && reads.length <= inUse + limits.ahead) {
      const r = small.read(planned[reads.length]!.batch);
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
      lastDir = text.slice(start, start + dirLen);
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
     * gives batch b's bytes (the heads and contents of its files, one after the other).
     */
    add(page: PlanPiece[]) {
      const batches: ([number, number] | undefined)[] = [];
      for (let i = 0; i < page.length; i++) {
        const r = page[i]!;
        if (r.kind !== 'run') continue;
        const first = planned.length;
        const { files, nameLens } = r;
        let cur: Planned | null = null;
        let headAt = r.headFrom;
        let batchHeads = headAt;
        for (let k = r.from; k < r.to; k++) {
          const size = files.sizes[k]!;
          const headLen = localHeaderLen(nameLens[k]!, size);
          if (!cur || cur.batch.length === limits.batchFiles || (cur.batch.length > 0 && cur.batch.total + headLen + size > limits.batchBytes)) {
            if (cur) cur.batch.addHeads(r.heads.subarray(batchHeads, headAt));
            cur = { batch: new SmallBatch(Math.min(limits.batchFiles, r.to - k)), run: r, from: k };
            planned.push(cur);
            batchHeads = headAt;
          }
          const end = files.pathEnd[k]!;
          const slash = files.text.lastIndexOf('/', end - 1);
          const dir = folderOf(r, k, slash);
          cur.batch.add(dir, files.text, Math.max(slash + 1, files.pathStart[k]!), end, size, files.mtimes[k]!, headLen);
          headAt += headLen;
        }
        cur?.batch.addHeads(r.heads.subarray(batchHeads, headAt));
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
          if (got.failed >= 0) throw stale(`${run.prefix}${pathAt(run.files, from + got.failed)}: ${got.message}`);
          return got.data;
        },
      };
    },
    /** The stream is done: every buffer goes back to the reader. */
    done: () => release(reads.length),
  };
}
