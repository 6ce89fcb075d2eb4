import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A batch of small files for the reader thread, made file by file straight into the form it is sent in. */
export class SmallBatch {
  readonly paths: string[] = [];
  readonly sizes: number[] = [];
  readonly mtimes: number[] = [];
  readonly headLens: number[] = [];
  readonly heads: (Uint8Array | undefined)[] = [];
  headBytes = 0;
  /** Bytes of the heads and contents. */
  total = 0;

  get length(): number { return this.paths.length; }

  /** `mtimeMs` as indexed (whole milliseconds, as fs-walk records it); `head` goes right before the contents (the file's zip local header). */
  push(absPath: string, size: number, mtimeMs: number, head?: Uint8Array): void {
    const headLen = head?.length ?? 0;
    this.paths.push(absPath);
    this.sizes.push(size);
    this.mtimes.push(mtimeMs);
    this.headLens.push(headLen);
    this.heads.push(head);
    this.headBytes += headLen;
    this.total += headLen + size;
  }
}

/**
 * The contents of a batch: each file's head then its contents, one file after the other; `failed`
 * is the index of the first file that could not be read as indexed (-1: none), and `data` then
 * holds the files before it. Give `data` back with recycle() once it is no longer used.
 */
export interface SmallFilesBatch {
  data: Buffer;
  failed: number;
  message: string;
}

/** The compiled reader when it loads here (the threads load the same file), else why not. */
function loadable(addon: string | null): { path: string | null; why: string } {
  if (!addon) return { path: null, why: 'MEDIMG_NATIVE_READER=0' };
  if (!existsSync(addon)) return { path: null, why: `${addon} is not built: see scripts/build-native.mjs` };
  try {
    const m = createRequire(import.meta.url)(addon) as { readFile?: unknown };
    if (typeof m.readFile !== 'function') return { path: null, why: `${addon} has no readFile` };
    return { path: addon, why: '' };
  } catch (err) {
    return { path: null, why: `${addon} does not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

const ENTRY = new URL('./small-files-worker.mjs', import.meta.url);

/**
 * Small files read in batches by `threads` worker threads shared by every download (started on
 * first use, never keeping the process alive), batches handed out in turn: the main thread sends
 * a list and gets the contents back in one transferred buffer, so reading 10,000 files costs it
 * 10,000 / batch messages instead of 30,000 thread-pool round trips. Buffers given back are sent
 * again with later batches (at most `threads` * 4 kept), so a download allocates none once started.
 */
export function createSmallFilesRepo({ threads = 1, addon = null }: { threads?: number; addon?: string | null } = {}) {
  const native = loadable(addon);
  const workers: (Worker | null)[] = Array.from({ length: threads }, () => null);
  let turn = 0;
  let nextId = 0;
  const pending = new Map<number, { total: number; ok: (b: SmallFilesBatch) => void; fail: (e: Error) => void }>();
  const spare: ArrayBuffer[] = [];

  const start = (slot: number) => {
    // Its heap holds a batch's paths at a time; the file contents are outside it (ArrayBuffers).
    const w = new Worker(ENTRY, { workerData: { addon: native.path }, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } });
    w.unref();
    w.on('message', (m: { id: number; data: ArrayBuffer; failed: number; message: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      // The buffer may be larger than the batch (reused), and holds a spare byte to see growth.
      if (p) p.ok({ data: Buffer.from(m.data, 0, p.total), failed: m.failed, message: m.message });
    });
    const down = (err: Error) => {
      if (workers[slot] === w) workers[slot] = null;
      for (const p of pending.values()) p.fail(err);
      pending.clear();
    };
    w.on('error', down);
    w.on('exit', (code) => down(new Error(`the small-file reader stopped (exit code ${code})`)));
    return w;
  };

  return {
    read(batch: SmallBatch): Promise<SmallFilesBatch> {
      const slot = turn++ % threads;
      const w = (workers[slot] ??= start(slot));
      const id = nextId++;
      const reuse = spare.pop();
      // The heads one after the other, in one small buffer copied into the message.
      const heads = new Uint8Array(batch.headBytes);
      for (let i = 0, at = 0; i < batch.heads.length; i++) {
        const h = batch.heads[i];
        if (h) heads.set(h, at);
        at += batch.headLens[i]!;
      }
      return new Promise((ok, fail) => {
        pending.set(id, { total: batch.total, ok, fail });
        const msg = { id, paths: batch.paths, sizes: batch.sizes, mtimes: batch.mtimes, heads, headLens: batch.headLens, reuse };
        w.postMessage(msg, reuse ? [reuse] : []);
      });
    },

    /** Takes back the buffer of a batch whose contents are no longer used (nothing may read it after). */
    recycle(data: Buffer): void {
      if (spare.length < threads * 4 && data.buffer.byteLength > 0) spare.push(data.buffer as ArrayBuffer);
    },

    /** How files are read: the compiled reader (scripts/build-native.mjs), or JavaScript and why. */
    reader: native.path ? 'native' : `JavaScript (${native.why})`,

    async close(): Promise<void> {
      const all = workers.splice(0, threads, ...workers.map(() => null));
      await Promise.all(all.map((w) => w?.terminate()));
    },
  };
}
export type SmallFilesRepo = ReturnType<typeof createSmallFilesRepo>;
