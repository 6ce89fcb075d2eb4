// Archive packs: a stored copy of an archive plan's small files with their local headers, in
// archive order (ZipPlan.pack), so that later downloads of the same archive read them as one file
// instead of opening, checking and reading each (10,000 files of 8 KiB: ~60 ms of a reader
// thread per download). A pack is made at the end of an ingestion (the dataset's whole archive)
// or after a download of an archive ends, from the mirror (each file checked against the index
// like any download), and named after the archive's
// content (its entries' names, sizes and CRC-32s), so it stands for exactly the bytes the index
// describes; a file changed on disk since indexing makes no pack. Packs are kept up to a total
// size, the least recently used deleted first.
import { createHash } from 'node:crypto';
import type { AppError } from '../domain/errors.js';
import type { ZipPlan } from '../domain/zip-plan.js';
import type { ArchivePacksRepo, PackFile } from '../repos/archive-packs.repo.js';
import type { RawFilesRepo } from '../repos/raw-files.repo.js';
import type { SmallFilesRepo } from '../repos/small-files/small-files.repo.js';
import { archiveSmallFiles, type SmallFileLimits } from './archive-small-files.js';
import { folderBytes } from './archive-stream.js';

export interface PackLimits {
  /** Files of at most this many bytes go into packs (0: no packs). */
  maxFile: number;
  /** Plans with fewer such files get none. */
  minFiles: number;
  /** Total bytes of stored packs. */
  capBytes: number;
}

// A failed pack (a file changed since indexing, say) is not tried again for this long.
const RETRY_MS = 10 * 60 * 1000;
// Free disk space a pack never takes: the larger of these.
const RESERVE_BYTES = 1024 ** 3;
const RESERVE_SHARE = 0.05;

export function createArchivePacks(deps: {
  repo: ArchivePacksRepo;
  raw: RawFilesRepo;
  small: SmallFilesRepo;
  smallLimits: SmallFileLimits;
  limits: PackLimits;
  stale: (message: string) => AppError;
  now?: () => number;
}) {
  const { repo, limits } = deps;
  const now = deps.now ?? Date.now;
  const failed = new Map<string, { atMs: number; message: string }>();
  let building: { id: string; done: Promise<void> } | null = null;
  let closed = false;
  let swept = false;

  const wanted = (plan: ZipPlan) => limits.maxFile > 0 && limits.capBytes > 0 && plan.pack.max === limits.maxFile
    && plan.pack.files >= limits.minFiles && plan.pack.bytes <= limits.capBytes;

  /** Deletes the least recently used packs until the stored ones fit in the cap (`keep` stays). */
  function evict(keep: string) {
    const packs = repo.list();
    let total = packs.reduce((n, p) => n + p.size, 0);
    for (const p of packs) {
      if (total <= limits.capBytes) break;
      if (p.id === keep) continue;
      repo.remove(p.id);
      total -= p.size;
    }
  }

  async function write(id: string, plan: ZipPlan, roots: string[]) {
    // Never at the cost of the disk the database and mirrors may be on: at least 1 GiB or 5% of it stays free.
    const { free, total } = repo.space();
    const reserve = Math.max(RESERVE_BYTES, total * RESERVE_SHARE);
    if (free - plan.pack.bytes < reserve) {
      throw new Error(`not enough free disk space for a pack of ${plan.pack.bytes} bytes (${free} bytes free, ${Math.round(reserve)} kept free)`);
    }
    const w = await repo.create(id);
    const small = archiveSmallFiles(deps.small, deps.smallLimits, folderBytes(deps.raw.folderResolver(), roots), deps.stale);
    try {
      let written = 0;
      for await (const page of plan.packPieces()) {
        const got = small.add(page);
        for (const range of got.batches) {
          if (!range) continue;
          for (let b = range[0]; b < range[1]; b++) {
            if (closed) throw new Error('the server is stopping');
            const data = await got.contents(b);
            await w.write(data);
            written += data.length;
          }
        }
      }
      if (written !== plan.pack.bytes) throw new Error(`the pack has ${written} bytes, planned ${plan.pack.bytes}`);
      await w.commit();
    } catch (err) {
      await w.abort();
      throw err;
    } finally {
      small.done();
    }
    evict(id);
  }

  /**
   * Makes the plan's pack unless it is stored, not wanted, being made, or failed recently; one
   * at a time. Resolves when done; never rejects (a failure is remembered, see lastFailure).
   */
  function build(id: string, plan: ZipPlan, roots: string[]): Promise<void> {
    if (closed || building || !wanted(plan)) return building?.done ?? Promise.resolve();
    const f = failed.get(id);
    if (f && now() - f.atMs < RETRY_MS) return Promise.resolve();
    const done = (async () => {
      if (!swept) {
        swept = true;
        repo.sweep();
      }
      const stored = repo.open(id, plan.pack.bytes);
      if (stored) stored.close();
      else await write(id, plan, roots);
    })().then(
      () => { failed.delete(id); },
      (err: Error) => {
        if (failed.size >= 64) failed.delete(failed.keys().next().value!);
        failed.set(id, { atMs: now(), message: err.message });
      },
    ).finally(() => { building = null; });
    building = { id, done };
    return done;
  }

  return {
    maxFile: limits.maxFile,
    /** The pack id of an archive whose ETag is `etag`. */
    idOf: (etag: string) => createHash('sha256').update(`${etag}\npack of files up to ${limits.maxFile} bytes`).digest('hex'),

    /** The plan's stored pack, opened for one stream, or null. */
    open(id: string, plan: ZipPlan): PackFile | null {
      return wanted(plan) ? repo.open(id, plan.pack.bytes) : null;
    },

    build,


    /**
     * Makes the plan's pack now, after the one being made if any (a pack that failed is tried
     * again), and says what is stored.
     */
    async prepare(id: string, plan: ZipPlan, roots: string[]): Promise<string> {
      const { files, bytes, max } = plan.pack;
      if (!wanted(plan)) {
        return limits.maxFile === 0 || limits.capBytes === 0 ? 'no archive pack (turned off)'
          : files < limits.minFiles ? `no archive pack (${files} files of up to ${max} bytes, fewer than ${limits.minFiles})`
          : `no archive pack (${bytes} bytes, more than the ${limits.capBytes} bytes kept for packs)`;
      }
      while (building && building.id !== id) await building.done;
      failed.delete(id);
      await build(id, plan, roots);
      const stored = repo.open(id, bytes);
      if (!stored) return `no archive pack (${failed.get(id)?.message ?? 'the server is stopping'})`;
      stored.close();
      return `archive pack of ${files} small files stored (${(bytes / 1e6).toFixed(1)} MB)`;
    },

    /** Deletes the pack `id` (an archive's previous contents), unless it is being made. */
    discard(id: string): void {
      if (building?.id === id) return;
      try {
        repo.remove(id);
      } catch {
        // Left to the cap: the least recently used packs go first.
      }
    },

    /** Why the pack `id` was last not made, if it failed. */
    lastFailure: (id: string) => failed.get(id)?.message ?? null,

    /** The pack being made, if any, is done. */
    settled: () => building?.done ?? Promise.resolve(),

    /** No new packs; the one being made stops at its next batch and is deleted. */
    async close() {
      closed = true;
      await building?.done;
    },
  };
}
export type ArchivePacks = ReturnType<typeof createArchivePacks>;
