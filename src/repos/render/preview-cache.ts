// Rendered previews on disk (slices, images, transcoded videos) keyed by a content-derived key, bounded in
// bytes (least recently used removed first), and decoded volumes in memory, bounded in bytes too.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { join } from 'node:path';

/** File name of a cached preview: the sha256 of its key, so no key text ever reaches the filesystem. */
export function cacheName(key: string, ext: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 2)}/${h}.${ext}`;
}

/** Bytes [start, end) of a file the service resolved (a mirror file or a cached preview), as a stream. */
export function openFileRange(path: string, start: number, end: number): Readable {
  return createReadStream(path, { start, end: Math.max(start, end - 1) });
}

export function createDiskCache(dir: string, maxBytes: number) {
  let total: number | undefined;
  let pruning: Promise<void> | undefined;

  async function files(): Promise<{ path: string; size: number; mtimeMs: number }[]> {
    const out: { path: string; size: number; mtimeMs: number }[] = [];
    for (const sub of await readdir(dir).catch(() => [] as string[])) {
      for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
        const path = join(dir, sub, name);
        const st = await stat(path).catch(() => null);
        if (st?.isFile() && !name.includes('.tmp-')) out.push({ path, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    return out;
  }

  async function prune(): Promise<void> {
    const all = (await files()).sort((a, b) => a.mtimeMs - b.mtimeMs);
    let sum = all.reduce((a, f) => a + f.size, 0);
    for (const f of all) {
      if (sum <= maxBytes * 0.8) break;
      await rm(f.path, { force: true });
      sum -= f.size;
    }
    total = sum;
  }

  return {
    dir,
    /** Absolute path of a cached entry (for streaming), whether or not it exists yet. */
    pathOf: (name: string) => join(dir, name),

    async get(name: string): Promise<Buffer | null> {
      try {
        const buf = await readFile(join(dir, name));
        const now = new Date();
        await utimes(join(dir, name), now, now).catch(() => undefined); // recency for the LRU
        return buf;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },

    async size(name: string): Promise<number> {
      return (await stat(join(dir, name))).size;
    },

    async has(name: string): Promise<boolean> {
      return (await stat(join(dir, name)).catch(() => null))?.isFile() ?? false;
    },

    /** Writes atomically (temp file + rename), then removes the oldest entries when over the bound. */
    async put(name: string, data: Buffer): Promise<void> {
      await this.adopt(name, async (tmp) => writeFile(tmp, data));
    },

    /** Lets `make` write a temp file (e.g. ffmpeg output), then moves it into place and accounts for it. */
    async adopt(name: string, make: (tmpPath: string) => Promise<unknown>): Promise<void> {
      const path = join(dir, name);
      await mkdir(join(path, '..'), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        await make(tmp);
        await rename(tmp, path);
      } finally {
        await rm(tmp, { force: true });
      }
      total ??= (await files()).reduce((a, f) => a + f.size, 0);
      total += (await stat(path)).size;
      if (total > maxBytes) {
        pruning ??= prune().finally(() => { pruning = undefined; });
        await pruning;
      }
    },
  };
}
export type DiskCache = ReturnType<typeof createDiskCache>;

/** Least-recently-used values bounded by their byte size, with one shared load per key at a time. */
export function createMemoryLru<T>(maxBytes: number, sizeOf: (v: T) => number) {
  const items = new Map<string, { value: T; bytes: number }>();
  const loading = new Map<string, Promise<T>>();
  let total = 0;
  return {
    async get(key: string, load: () => Promise<T>): Promise<T> {
      const hit = items.get(key);
      if (hit) {
        items.delete(key);
        items.set(key, hit);
        return hit.value;
      }
      let p = loading.get(key);
      if (!p) {
        p = load().then((value) => {
          const bytes = sizeOf(value);
          if (bytes <= maxBytes) {
            items.set(key, { value, bytes });
            total += bytes;
            for (const [k, v] of items) {
              if (total <= maxBytes) break;
              items.delete(k);
              total -= v.bytes;
            }
          }
          return value;
        }).finally(() => loading.delete(key));
        loading.set(key, p);
      }
      return p;
    },
    get bytes() {
      return total;
    },
  };
}
