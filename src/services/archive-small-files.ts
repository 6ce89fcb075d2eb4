import { AppError } from '../domain/errors.js';
import type { PlanPiece } from '../domain/zip-plan.js';
import type { DownloadRow } from '../repos/downloads.repo.js';
import type { SmallFile, SmallFilesBatch, SmallFilesRepo } from '../repos/small-files/small-files.repo.js';

type RowPiece = Extract<PlanPiece<DownloadRow>, { kind: 'row' }>;

export interface SmallFileLimits {
  /** Whole files up to this size go through the reader thread. */
  maxFile: number;
  batchFiles: number;
  batchBytes: number;
  /** Batches asked for beyond the one being copied. */
  ahead: number;
}

/**
 * The small files of one archive stream, in stream order, grouped into batches for the reader
 * thread. Pages are added as soon as they are planned (the stream adds the next page while it
 * still sends the current one), so the reader is asked for the next page's first batches before
 * the current page's last one is used and never waits at a page boundary. A batch's buffer goes
 * back to the reader once a later batch is used: at most `ahead` + 1 are held.
 */
export function archiveSmallFiles(small: SmallFilesRepo, limits: SmallFileLimits, fileOf: (r: DownloadRow, name: string) => string, stale: (message: string) => AppError) {
  const batches: (SmallFile[] | null)[] = [];
  const reads: (Promise<SmallFilesBatch> | null)[] = [];
  // Batches already received: given back at once when released (the others when they arrive).
  const received = new Map<number, SmallFilesBatch>();
  let inUse = 0;
  const fill = () => {
    while (reads.length < batches.length && reads.length <= inUse + limits.ahead) {
      const r = small.read(batches[reads.length]!);
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
      batches[k] = null;
    }
    releasedUpTo = Math.max(releasedUpTo, upTo);
  };
  return {
    /** Adds a page's whole small files; the accessor gives piece i's bytes (at[i] set for those pieces). */
    add(page: PlanPiece<DownloadRow>[]) {
      const at: ({ batch: number; index: number; offset: number } | undefined)[] = [];
      let cur: SmallFile[] = [];
      let bytes = 0;
      page.forEach((p, i) => {
        if (p.kind !== 'row' || p.length !== p.entry.size || p.entry.size > limits.maxFile) return;
        if (cur.length === limits.batchFiles || (cur.length > 0 && bytes + p.entry.size > limits.batchBytes)) {
          batches.push(cur);
          cur = [];
          bytes = 0;
        }
        at[i] = { batch: batches.length, index: cur.length, offset: bytes };
        cur.push({ absPath: fileOf(p.row, p.entry.name), size: p.entry.size, crc32: p.entry.crc32 });
        bytes += p.entry.size;
      });
      if (cur.length) batches.push(cur);
      fill();
      return {
        at,
        async contents(i: number): Promise<Uint8Array> {
          const w = at[i]!;
          const p = page[i] as RowPiece;
          if (w.batch > inUse) {
            release(w.batch);
            inUse = w.batch;
            fill();
          }
          const got = await reads[w.batch]!;
          received.set(w.batch, got);
          if (got.failed === w.index) throw stale(`${p.entry.name}: ${got.message}`);
          return got.data.subarray(w.offset, w.offset + p.entry.size);
        },
      };
    },
    /** The stream is done: every buffer goes back to the reader. */
    done: () => release(reads.length),
  };
}
