import { closeSync, constants, fstatSync, openSync, read as readFd, realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { ownString } from '../domain/file-page.js';

export type FileCheck =
  | { status: 'ok'; absPath: string }
  | { status: 'missing'; reason: string }
  | { status: 'outside' }
  | { status: 'not_file' }
  | { status: 'size'; actual: number };

const CHUNK = 512 * 1024;
// No symlink; O_NONBLOCK: a FIFO put where an indexed file was opens at once (and is then refused as
// not a regular file) instead of waiting for a writer, which would block the event loop or a thread
// of the pool. Reads of regular files are the same with it.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
// Why a file could not be opened or read, without its path: callers name the file as clients know it.
const cannotRead = (err: unknown) => `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): re-ingest the dataset`;

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
    const fh = await open(abs, OPEN_FLAGS).catch(() => null);
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
     * is looked up once per stream, and the answer is needed before the file is read. file()
     * gives a file's absolute path, or why its folder cannot be served; files come in path order,
     * so the folder of the previous file is checked first (no key string to make and hash per
     * file). folder() gives a folder's absolute path with a trailing separator (`prefix`).
     */
    folderResolver() {
      type Folder = { status: 'ok'; prefix: string } | Exclude<FileCheck, { status: 'ok' }>;
      const roots = new Map<string, string | null>();
      const dirs = new Map<string, Folder>();
      const realRootSync = (root: string) => {
        let r = roots.get(root);
        if (r === undefined) {
          try { r = realpathSync(root); } catch { r = null; }
          roots.set(root, r);
        }
        return r;
      };
      const lookup = (root: string, dir: string): Folder => {
        const key = `${root}\0${dir}`;
        let d = dirs.get(key);
        if (!d) {
          const base = realRootSync(root);
          if (!base) d = { status: 'missing', reason: `the mirror folder ${root} is not readable` };
          else if (!dir) d = { status: 'ok', prefix: `${base}${sep}` };
          else {
            try {
              const abs = realpathSync(`${base}${sep}${dir}`);
              d = abs.startsWith(base.endsWith(sep) ? base : `${base}${sep}`) ? { status: 'ok', prefix: `${abs}${sep}` } : { status: 'outside' };
            } catch (err) {
              d = { status: 'missing', reason: (err as NodeJS.ErrnoException).code ?? 'unreadable' };
            }
          }
          // A key of its own: `dir` is often cut from an index page's text, which a key made of the
          // slice would keep alive for the whole stream, one page per folder.
          dirs.set(ownString(key), d);
        }
        return d;
      };
      let lastRoot = '';
      let lastDir = ''; // with its trailing slash
      let last: Folder | null = null;
      const file = (root: string, relPath: string): string | Exclude<FileCheck, { status: 'ok' }> => {
        const i = relPath.lastIndexOf('/');
        let d: Folder;
        if (last && root === lastRoot && i + 1 === lastDir.length && relPath.startsWith(lastDir)) d = last;
        else {
          d = lookup(root, i < 0 ? '' : relPath.slice(0, i));
          lastRoot = root;
          lastDir = relPath.slice(0, i + 1);
          last = d;
        }
        return d.status === 'ok' ? d.prefix + relPath.slice(i + 1) : d;
      };
      return { file, folder: lookup };
    },

    /**
     * A checked file (opened with O_NOFOLLOW, a regular file of `expectSize` bytes, modified at
     * `expectMtimeMs`, whole ms: the test re-ingestion uses to decide that a file changed) to be
     * read into the caller's buffers; readInto() throws when the file is shorter than announced.
     * Errors say why without the path (the caller names the file). Opening and checking are
     * synchronous (two system calls, once per file of at least a few hundred KB), reading goes
     * through the thread pool.
     */
    openSized(absPath: string, expectSize: number, expectMtimeMs: number) {
      let fd: number;
      try {
        fd = openSync(absPath, OPEN_FLAGS);
      } catch (err) {
        throw new Error(cannotRead(err));
      }
      try {
        const st = fstatSync(fd);
        if (!st.isFile() || st.size !== expectSize) throw new Error(`is no longer the indexed file (size ${st.size}, indexed ${expectSize}): re-ingest the dataset`);
        if (Math.trunc(st.mtimeMs) !== expectMtimeMs) throw new Error('changed since it was indexed (modification time differs): re-ingest the dataset');
      } catch (err) {
        closeSync(fd);
        throw err;
      }
      let open = true;
      return {
        readInto(buf: Buffer, at: number, length: number, pos: number): Promise<number> {
          return new Promise((ok, fail) => {
            readFd(fd, buf, at, length, pos, (err, n) => {
              if (err) fail(new Error(cannotRead(err)));
              else if (n === 0) fail(new Error('is shorter than indexed: re-ingest the dataset'));
              else ok(n);
            });
          });
        },
        close(): void {
          if (open) closeSync(fd);
          open = false;
        },
      };
    },

    /** CRC-32 of a whole file, 8 lowercase hex digits (for rows indexed before files.crc32 existed). */
    async crc32File(absPath: string): Promise<string> {
      const fh = await open(absPath, OPEN_FLAGS);
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
