import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, futimesSync, mkdirSync, openSync, read as readFd, readdirSync, renameSync, statfsSync, statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

// Packs are read only by their id (a SHA-256 in hex, made by the server), never by a name that
// came from a client.
const ID = /^[0-9a-f]{64}$/;
const PACK = /^([0-9a-f]{64})\.pack$/;
const PART = /^[0-9a-f]{64}\.part-/;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
// An unfinished pack older than this was left by a process that stopped while writing it.
const PART_MAX_AGE_MS = 60 * 60 * 1000;

/** A stored pack opened for reading: `length` bytes into buf at `at` from `pos`. */
export interface PackFile {
  readInto(buf: Buffer, at: number, length: number, pos: number): Promise<number>;
  close(): void;
}

export interface PackWriter {
  write(data: Uint8Array): Promise<void>;
  /** Flushed to disk, then put in place under its id in one rename. */
  commit(): Promise<void>;
  /** Closed and deleted (also after a failed write or commit). */
  abort(): Promise<void>;
}

function checkId(id: string): string {
  if (!ID.test(id)) throw new Error(`not a pack id: ${JSON.stringify(id)}`);
  return id;
}

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Archive packs stored in `dir` (see ZipPlan.pack): immutable files named by their id. */
export function createArchivePacksRepo(dir: string) {
  const path = (id: string) => join(dir, `${checkId(id)}.pack`);
  /** The names in the folder (none before the first pack). */
  const names = (): string[] => {
    try {
      return readdirSync(dir);
    } catch (err) {
      if (missing(err)) return [];
      throw err;
    }
  };
  return {
    dir,

    /** The pack `id` if it is stored with exactly `size` bytes, marked as just used; else null (one of another size is deleted). */
    open(id: string, size: number): PackFile | null {
      let fd: number;
      try {
        fd = openSync(path(id), READ_FLAGS);
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
      try {
        const st = fstatSync(fd);
        if (!st.isFile() || st.size !== size) {
          closeSync(fd);
          if (st.isFile()) unlinkSync(path(id));
          return null;
        }
        const now = new Date();
        futimesSync(fd, now, now); // last used: the least recently used packs go first
      } catch (err) {
        closeSync(fd);
        throw err;
      }
      let isOpen = true;
      return {
        readInto: (buf, at, length, pos) => new Promise((ok, fail) => {
          readFd(fd, buf, at, length, pos, (err, n) => {
            if (err) fail(err);
            else if (n === 0) fail(new Error(`archive pack ${id} is shorter than planned`));
            else ok(n);
          });
        }),
        close() {
          if (isOpen) closeSync(fd);
          isOpen = false;
        },
      };
    },

    /** A new pack `id`, written in order under a temporary name. */
    async create(id: string): Promise<PackWriter> {
      mkdirSync(dir, { recursive: true });
      const part = join(dir, `${checkId(id)}.part-${process.pid}-${randomBytes(6).toString('hex')}`);
      const fh = await open(part, 'wx', 0o644);
      let closed = false;
      const close = async () => {
        if (!closed) await fh.close();
        closed = true;
      };
      return {
        async write(data) {
          for (let off = 0; off < data.length;) off += (await fh.write(data, off, data.length - off)).bytesWritten;
        },
        async commit() {
          await fh.datasync();
          await close();
          renameSync(part, path(id));
        },
        async abort() {
          await close().catch(() => {});
          try {
            unlinkSync(part);
          } catch (err) {
            if (!missing(err)) throw err;
          }
        },
      };
    },

    /** Free and total bytes of the file system the packs are stored on. */
    space(): { free: number; total: number } {
      mkdirSync(dir, { recursive: true });
      const st = statfsSync(dir);
      return { free: st.bavail * st.bsize, total: st.blocks * st.bsize };
    },

    /** The stored packs, least recently used first. */
    list(): { id: string; size: number; usedMs: number }[] {
      const out: { id: string; size: number; usedMs: number }[] = [];
      for (const name of names()) {
        const m = PACK.exec(name);
        if (!m) continue;
        try {
          const st = statSync(join(dir, name));
          out.push({ id: m[1]!, size: st.size, usedMs: st.mtimeMs });
        } catch (err) {
          if (!missing(err)) throw err; // removed meanwhile
        }
      }
      return out.sort((a, b) => a.usedMs - b.usedMs);
    },

    /** Deletes a stored pack (a stream that has it open still reads it to the end). */
    remove(id: string): void {
      try {
        unlinkSync(path(id));
      } catch (err) {
        if (!missing(err)) throw err;
      }
    },

    /** Deletes the unfinished packs that no process is still writing (older than an hour). */
    sweep(nowMs = Date.now()): number {
      let removed = 0;
      for (const name of names()) {
        if (!PART.test(name)) continue;
        try {
          if (nowMs - statSync(join(dir, name)).mtimeMs > PART_MAX_AGE_MS) {
            unlinkSync(join(dir, name));
            removed++;
          }
        } catch (err) {
          if (!missing(err)) throw err;
        }
      }
      return removed;
    },
  };
}
export type ArchivePacksRepo = ReturnType<typeof createArchivePacksRepo>;
