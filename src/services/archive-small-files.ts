import { AppError } from '../domain/errors.js';
import type { FilePiece, PlanPiece } from '../domain/zip-plan.js';
import { SmallBatch, type SmallFilesBatch, type SmallFilesRepo } from '../repos/small-files/small-files.repo.js';

/** Pieces [first, end) of a page, read as one stretch of `length` bytes at `offset` of a batch whose files from `index` they are. */
interface Run { batch: number; index: number; offset: number; length: number; end: number }

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
export function archiveSmallFiles(small: SmallFilesRepo, limits: SmallFileLimits, fileOf: (f: FilePiece) => string, stale: (message: string) => AppError) {
  const batches: (SmallBatch | null)[] = [];
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
    /**
     * Adds a page's whole small files. Consecutive ones in the same batch form a run, read by the
     * reader thread with their local headers as one stretch of bytes: at[i] is set for the first
     * piece of each run, and contents(i) gives the run's bytes and the index of the piece after it.
     */
    add(page: PlanPiece[]) {
      const at: (Run | undefined)[] = [];
      let cur = new SmallBatch();
      let run: Run | undefined;
      for (let i = 0; i < page.length; i++) {
        const p = page[i]!;
        if (p.kind !== 'file' || p.length !== p.size || p.size > limits.maxFile) {
          run = undefined;
          continue;
        }
        // Batch bytes count the heads, so that recycled buffers fit any batch.
        const length = (p.head?.length ?? 0) + p.size;
        if (cur.length === limits.batchFiles || (cur.length > 0 && cur.total + length > limits.batchBytes)) {
          batches.push(cur);
          cur = new SmallBatch();
          run = undefined;
        }
        if (!run) {
          run = { batch: batches.length, index: cur.length, offset: cur.total, length: 0, end: i };
          at[i] = run;
        }
        cur.push(fileOf(p), p.size, p.mtimeMs, p.head);
        run.length += length;
        run.end = i + 1;
      }
      if (cur.length) batches.push(cur);
      fill();
      return {
        at,
        /** The bytes of the run that starts at piece i (heads and contents), and the piece after it. */
        async contents(i: number): Promise<{ bytes: Uint8Array; next: number }> {
          const w = at[i]!;
          if (w.batch > inUse) {
            release(w.batch);
            inUse = w.batch;
            fill();
          }
          const got = await reads[w.batch]!;
          received.set(w.batch, got);
          if (got.failed >= w.index && got.failed < w.index + (w.end - i)) {
            const p = page[i + got.failed - w.index] as FilePiece;
            throw stale(`${p.name}: ${got.message}`);
          }
          return { bytes: got.data.subarray(w.offset, w.offset + w.length), next: w.end };
        },
      };
    },
    /** The stream is done: every buffer goes back to the reader. */
    done: () => release(reads.length),
  };
}
