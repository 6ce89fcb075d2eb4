import { createHash } from 'node:crypto';
import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A network-level failure (refused, reset, DNS, stalled): worth retrying, unlike an HTTP status. */
export class NetworkError extends Error {}

export interface HttpBody {
  status: number;
  headers: Headers;
  /** The body's bytes; breaks with a NetworkError when the connection drops or stalls. */
  chunks: AsyncIterable<Uint8Array>;
  /** Releases the connection without reading the rest. */
  cancel(): Promise<void>;
}

export interface FileWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export type PathState = { kind: 'missing' } | { kind: 'file'; size: number } | { kind: 'other' };

const describe = (err: unknown) => {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
};

/**
 * GET with a stall limit: the request fails when no byte arrives for `idleMs`
 * (connection, headers or any gap in the body), so a dead peer cannot hang a download.
 */
async function get(url: string, headers: Record<string, string>, idleMs: number): Promise<HttpBody> {
  const ctrl = new AbortController();
  let timer = setTimeout(() => ctrl.abort(), idleMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(), idleMs);
  };
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: ctrl.signal, redirect: 'follow' });
  } catch (err) {
    clearTimeout(timer);
    throw new NetworkError(ctrl.signal.aborted ? `no answer in ${idleMs / 1000} s` : describe(err));
  }
  touch();
  const body = res.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (!body) return;
    const reader = body.getReader();
    try {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (err) {
          throw new NetworkError(ctrl.signal.aborted ? `stalled for ${idleMs / 1000} s` : describe(err));
        }
        if (r.done) return;
        touch();
        yield r.value;
      }
    } finally {
      clearTimeout(timer);
      reader.releaseLock();
      await body.cancel().catch(() => undefined);
    }
  }
  return {
    status: res.status,
    headers: res.headers,
    chunks: chunks(),
    async cancel() {
      clearTimeout(timer);
      await body?.cancel().catch(() => undefined);
    },
  };
}

/**
 * Calls `onChunk` with the file's bytes in order, read into one buffer of at most 1 MiB, no bigger
 * than the file: a stream with 1 MiB chunks allocated 1 MiB for every small file, and re-checking
 * 10,000 files of 8 KiB spent most of its time collecting those buffers. Each chunk is only valid
 * during its call.
 */
async function readChunks(path: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(size, 1 << 20)));
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      onChunk(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/** Outbound HTTP and the local files of a download; no rules (what to fetch, when to retry) here. */
export function createHttpDownloadRepo(opts: { idleMs?: number } = {}) {
  const idleMs = opts.idleMs ?? 60_000;
  return {
    get: (url: string, headers: Record<string, string> = {}) => get(url, headers, idleMs),

    /** Reads a whole (small) text body, at most `maxBytes`. */
    async getText(url: string, maxBytes: number): Promise<{ status: number; text: string; contentType: string }> {
      const res = await get(url, { accept: 'text/tab-separated-values, text/plain, application/json' }, idleMs);
      const parts: Uint8Array[] = [];
      let n = 0;
      for await (const c of res.chunks) {
        n += c.length;
        if (n > maxBytes) {
          await res.cancel();
          throw new NetworkError(`the answer of ${url} is larger than ${maxBytes} bytes`);
        }
        parts.push(c);
      }
      return { status: res.status, text: Buffer.concat(parts).toString('utf8'), contentType: res.headers.get('content-type') ?? '' };
    },

    /** lstat: a symlink or folder is 'other', never followed. */
    async pathState(path: string): Promise<PathState> {
      try {
        const st = await lstat(path);
        return st.isFile() ? { kind: 'file', size: st.size } : { kind: 'other' };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
        throw err;
      }
    },

    /** Feeds the file's bytes to `onChunk` (streamed, so memory stays flat). */
    readChunks,

    async sha256(path: string): Promise<string> {
      const h = createHash('sha256');
      await readChunks(path, (chunk) => h.update(chunk));
      return h.digest('hex');
    },

    /** Creates the folder of `file` and returns the real path of that folder (symlinks resolved). */
    async makeParent(file: string): Promise<string> {
      await mkdir(dirname(file), { recursive: true });
      return realpath(dirname(file));
    },

    realpath: (path: string) => realpath(path),

    /**
     * Opens `path` for writing, appending or truncating. Chunks are gathered up to 1 MiB
     * and written with one writev (one thread-pool round trip instead of one per 64 KiB
     * network chunk); a crash loses at most that buffer, and the file stays a prefix.
     */
    async openWriter(path: string, append: boolean): Promise<FileWriter> {
      const fh = await open(path, append ? 'a' : 'w');
      let pending: Uint8Array[] = [];
      let size = 0;
      const flush = async () => {
        if (size === 0) return;
        const bufs = pending;
        const total = size;
        pending = [];
        size = 0;
        const { bytesWritten } = await fh.writev(bufs);
        // A short writev (rare: disk nearly full, signals) goes on with plain writes.
        if (bytesWritten < total) {
          const rest = Buffer.concat(bufs).subarray(bytesWritten);
          let off = 0;
          while (off < rest.length) off += (await fh.write(rest, off, rest.length - off)).bytesWritten;
        }
      };
      return {
        async write(chunk) {
          pending.push(chunk);
          size += chunk.length;
          if (size >= 1 << 20) await flush();
        },
        async close() {
          try {
            await flush();
          } finally {
            await fh.close();
          }
        },
      };
    },

    rename: (from: string, to: string) => rename(from, to),
    remove: (path: string) => rm(path, { force: true }),
  };
}
export type HttpDownloadRepo = ReturnType<typeof createHttpDownloadRepo>;
