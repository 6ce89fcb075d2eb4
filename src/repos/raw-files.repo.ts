import { close as closeFd, closeSync, constants, open as openFd, openSync, read as readFd, readSync, realpathSync } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { crc32 } from 'node:zlib';

export type FileCheck =
  | { status: 'ok'; absPath: string }
  | { status: 'missing'; reason: string }
  | { status: 'outside' }
  | { status: 'not_file' }
  | { status: 'size'; actual: number };

const CHUNK = 512 * 1024;

/** The mirror folders on disk: resolving indexed relative paths safely and reading bytes. */
export function createRawFilesRepo() {
  const realRoots = new Map<string, Promise<string | null>>();
  const realRoot = (root: string) => {
    let p = realRoots.get(root);
    if (!p) {
      p = realpath(root).catch(() => null);
      realRoots.set(root, p);
      // A failed lookup (folder unmounted) is retried on the next request.
      void p.then((v) => { if (v === null) realRoots.delete(root); });
    }
    return p;
  };

  /** Resolves `root/relPath` through every symlink; refuses anything that ends outside the real root. */
  async function resolve(root: string, relPath: string): Promise<FileCheck> {
    const base = await realRoot(root);
    if (!base) return { status: 'missing', reason: `the mirror folder ${root} is not readable` };
    let abs: string;
    try {
      abs = await realpath(`${base}${sep}${relPath}`);
    } catch (err) {
      return { status: 'missing', reason: (err as NodeJS.ErrnoException).code ?? 'unreadable' };
    }
    if (!abs.startsWith(base.endsWith(sep) ? base : `${base}${sep}`)) return { status: 'outside' };
    return { status: 'ok', absPath: abs };
  }

  /** resolve(), then also refuses what is not a regular file or no longer has the indexed size. */
  async function check(root: string, relPath: string, expectedSize: number): Promise<FileCheck> {
    const r = await resolve(root, relPath);
    return r.status === 'ok' ? ((await sizeCheck(r.absPath, expectedSize)) ?? r) : r;
  }

  async function sizeCheck(abs: string, expectedSize: number): Promise<FileCheck | null> {
    const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
    if (!fh) return { status: 'missing', reason: 'cannot be opened' };
    try {
      const st = await fh.stat();
      if (!st.isFile()) return { status: 'not_file' };
      if (st.size !== expectedSize) return { status: 'size', actual: st.size };
      return null;
    } finally {
      await fh.close();
    }
  }

  return {
    resolve,
    check,

    /**
     * A resolver for one archive stream: each folder's real path is looked up once (and must be
     * inside the root); the file itself is then opened with O_NOFOLLOW by the readers, so a file
     * that is a symlink is refused (ELOOP) without one realpath per file. Synchronous: a folder
     * is looked up once per stream, and the answer is needed before the file is read.
     */
    folderResolver() {
      const roots = new Map<string, string | null>();
      const dirs = new Map<string, FileCheck>();
      const realRootSync = (root: string) => {
        let r = roots.get(root);
        if (r === undefined) {
          try { r = realpathSync(root); } catch { r = null; }
          roots.set(root, r);
        }
        return r;
      };
      return (root: string, relPath: string): FileCheck => {
        const i = relPath.lastIndexOf('/');
        const dir = i < 0 ? '' : relPath.slice(0, i);
        const key = `${root}\0${dir}`;
        let d = dirs.get(key);
        if (!d) {
          const base = realRootSync(root);
          if (!base) d = { status: 'missing', reason: `the mirror folder ${root} is not readable` };
          else if (!dir) d = { status: 'ok', absPath: base };
          else {
            try {
              const abs = realpathSync(`${base}${sep}${dir}`);
              d = abs.startsWith(base.endsWith(sep) ? base : `${base}${sep}`) ? { status: 'ok', absPath: abs } : { status: 'outside' };
            } catch (err) {
              d = { status: 'missing', reason: (err as NodeJS.ErrnoException).code ?? 'unreadable' };
            }
          }
          dirs.set(key, d);
        }
        return d.status === 'ok' ? { status: 'ok', absPath: `${d.absPath}${sep}${relPath.slice(i + 1)}` } : d;
      };
    },

    /**
     * A whole small file read synchronously into `into` at `at` (which has room for size + 1
     * bytes: one byte more than expected detects growth without an fstat), refused when its size
     * or CRC-32 differs from the index. For files in the page cache this is a few microseconds,
     * where the thread pool's three round trips (open, read, close) cost tens of them.
     */
    readWholeSync(absPath: string, size: number, expectCrc32: number, into: Buffer, at: number): void {
      const fd = openSync(absPath, constants.O_RDONLY | constants.O_NOFOLLOW);
      let got: number;
      try {
        got = readSync(fd, into, at, size + 1, 0);
      } finally {
        closeSync(fd);
      }
      if (got !== size) throw new Error(`${absPath} is no longer the indexed file (size differs): re-ingest the dataset`);
      if (crc32(into.subarray(at, at + size)) >>> 0 !== expectCrc32) throw new Error(`${absPath} changed since it was indexed (CRC-32 differs): re-ingest the dataset`);
    },

    /**
     * A whole small file in one buffer, refused when its size or CRC-32 differs from the index.
     * Reading one byte more than expected detects growth without an fstat (a short read of a
     * regular file is its end). Callback fs calls, and a close that is not waited for: three
     * thread-pool round trips per file instead of five promise ones.
     */
    readWhole(absPath: string, size: number, expectCrc32: number): Promise<Buffer> {
      return new Promise((ok, fail) => {
        openFd(absPath, constants.O_RDONLY | constants.O_NOFOLLOW, (err, fd) => {
          if (err) return fail(err);
          const buf = Buffer.allocUnsafe(size + 1);
          readFd(fd, buf, 0, size + 1, 0, (err2, got) => {
            closeFd(fd, () => {});
            if (err2) return fail(err2);
            if (got !== size) return fail(new Error(`${absPath} is no longer the indexed file (size differs): re-ingest the dataset`));
            const data = buf.subarray(0, size);
            if (crc32(data) >>> 0 !== expectCrc32) return fail(new Error(`${absPath} changed since it was indexed (CRC-32 differs): re-ingest the dataset`));
            ok(data);
          });
        });
      });
    },

    /**
     * A checked file (opened with O_NOFOLLOW, a regular file of `expectSize` bytes) to be read
     * into the caller's buffers; readInto() throws when the file is shorter than announced.
     */
    async openSized(absPath: string, expectSize: number) {
      const fh: FileHandle = await open(absPath, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const st = await fh.stat();
        if (!st.isFile() || st.size !== expectSize) throw new Error(`${absPath} is no longer the indexed file (size ${st.size}, indexed ${expectSize}): re-ingest the dataset`);
      } catch (err) {
        await fh.close();
        throw err;
      }
      return {
        async readInto(buf: Buffer, at: number, length: number, pos: number): Promise<number> {
          const { bytesRead } = await fh.read(buf, at, length, pos);
          if (bytesRead === 0) throw new Error(`${absPath} is shorter than indexed: re-ingest the dataset`);
          return bytesRead;
        },
        close: () => fh.close(),
      };
    },

    /** CRC-32 of a whole file, 8 lowercase hex digits (for rows indexed before files.crc32 existed). */
    async crc32File(absPath: string): Promise<string> {
      const fh = await open(absPath, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const buf = Buffer.allocUnsafe(CHUNK);
        let crc = 0;
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
          if (bytesRead === 0) break;
          crc = crc32(buf.subarray(0, bytesRead), crc);
        }
        return crc.toString(16).padStart(8, '0');
      } finally {
        await fh.close();
      }
    },
  };
}
export type RawFilesRepo = ReturnType<typeof createRawFilesRepo>;
