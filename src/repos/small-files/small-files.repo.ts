import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const utf8 = new TextEncoder();
const NO_DIR = new Uint8Array(0);

/**
 * A batch of small files for the reader thread, in the form it is sent in: the absolute paths as
 * UTF-8 bytes one after the other (pathEnds[i]: where path i ends), sizes, modification times and
 * head lengths in typed arrays, and the heads (each file's zip local header) one after the other.
 * Nothing is made per file: a folder's path is copied as bytes, a name from the text it is in.
 */
export class SmallBatch {
  length = 0;
  /** Bytes of the heads and contents. */
  total = 0;
  sizes: Float64Array;
  mtimes: Float64Array;
  headLens: Uint32Array;
  pathEnds: Uint32Array;
  pathBytes = new Uint8Array(4096);
  pathLength = 0;
  private headParts: Uint8Array[] = [];
  private headBytes = 0;

  constructor(capacity = 16) {
    this.sizes = new Float64Array(capacity);
    this.mtimes = new Float64Array(capacity);
    this.headLens = new Uint32Array(capacity);
    this.pathEnds = new Uint32Array(capacity);
  }

  /**
   * Adds a file whose absolute path is `dir` (a folder with its trailing separator, as UTF-8) then
   * text[start, end); `mtimeMs` as indexed (whole milliseconds, as fs-walk records it). Its head
   * (`headLen` bytes) goes right before its contents; the heads are given with addHeads().
   */
  add(dir: Uint8Array, text: string, start: number, end: number, size: number, mtimeMs: number, headLen: number): void {
    if (this.length === this.sizes.length) this.grow();
    // Room for the name in any encoding (at most 3 bytes per UTF-16 unit).
    this.reserve(dir.length + 3 * (end - start));
    const b = this.pathBytes;
    b.set(dir, this.pathLength);
    let at = this.pathLength + dir.length;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        at += utf8.encodeInto(text.slice(i, end), b.subarray(at)).written;
        break;
      }
      b[at++] = c;
    }
    this.pathLength = at;
    const n = this.length++;
    this.pathEnds[n] = at;
    this.sizes[n] = size;
    this.mtimes[n] = mtimeMs;
    this.headLens[n] = headLen;
    this.total += headLen + size;
  }

  /** The next heads, in order (as many bytes as the head lengths given to add()). */
  addHeads(heads: Uint8Array): void {
    this.headParts.push(heads);
    this.headBytes += heads.length;
  }

  /** Adds a file by its absolute path, with its head. */
  push(absPath: string, size: number, mtimeMs: number, head?: Uint8Array): void {
    this.add(NO_DIR, absPath, 0, absPath.length, size, mtimeMs, head?.length ?? 0);
    if (head) this.addHeads(head);
  }

  /** Path i, as a string. */
  pathAt(i: number): string {
    return Buffer.from(this.pathBytes.buffer, this.pathBytes.byteOffset, this.pathLength).toString('utf8', i === 0 ? 0 : this.pathEnds[i - 1]!, this.pathEnds[i]!);
  }

  /** The heads one after the other, in one buffer of their own. */
  heads(): Uint8Array {
    if (this.headParts.length === 1 && this.headParts[0]!.byteOffset === 0 && this.headParts[0]!.buffer.byteLength === this.headBytes) return this.headParts[0]!;
    const out = new Uint8Array(this.headBytes);
    let at = 0;
    for (const h of this.headParts) {
      out.set(h, at);
      at += h.length;
    }
    return out;
  }

  private grow(): void {
    const n = this.sizes.length * 2;
    const sizes = new Float64Array(n); sizes.set(this.sizes); this.sizes = sizes;
    const mtimes = new Float64Array(n); mtimes.set(this.mtimes); this.mtimes = mtimes;
    const headLens = new Uint32Array(n); headLens.set(this.headLens); this.headLens = headLens;
    const pathEnds = new Uint32Array(n); pathEnds.set(this.pathEnds); this.pathEnds = pathEnds;
  }

  private reserve(more: number): void {
    if (this.pathLength + more <= this.pathBytes.length) return;
    const b = new Uint8Array(Math.max(this.pathBytes.length * 2, this.pathLength + more));
    b.set(this.pathBytes.subarray(0, this.pathLength));
    this.pathBytes = b;
  }
}

/**
 * The contents of a batch: each file's head then its contents, one file after the other; `failed`
 * is the index of the first file that could not be read as indexed (-1: none), and `data` then
 * holds the files before it. Give `data` back with recycle() once it is no longer used: the
 * buffer is written again by a later batch.
 */
export interface SmallFilesBatch {
  data: Buffer;
  failed: number;
  message: string;
}

/** What the compiled reader offers the main thread. */
interface Compiled { copy(target: Uint8Array, targetStart: number, source: Uint8Array, sourceStart: number, length: number): void }

/** The compiled reader when it loads here (the threads load the same file), else why not. */
function loadable(addon: string | null): { path: string | null; module: Compiled | null; why: string } {
  if (!addon) return { path: null, module: null, why: 'MEDIMG_NATIVE_READER=0' };
  if (!existsSync(addon)) return { path: null, module: null, why: `${addon} is not built: see scripts/build-native.mjs` };
  try {
    const m = createRequire(import.meta.url)(addon) as { readBatch?: unknown; copy?: unknown };
    if (typeof m.readBatch !== 'function' || typeof m.copy !== 'function') return { path: null, module: null, why: `${addon} has no readBatch or copy` };
    return { path: addon, module: m as Compiled, why: '' };
  } catch (err) {
    return { path: null, module: null, why: `${addon} does not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

const ENTRY = new URL('./small-files-worker.mjs', import.meta.url);
// Buffers are at least this big (a batch's bytes and a spare one), so that any batch of the default limits fits one.
const MIN_BUFFER = 1024 * 1024 + 1;

/** A buffer the reader threads write batches into, shared with them (never transferred). */
interface Slot { id: number; buf: Buffer }

/**
 * Small files read in batches by `threads` worker threads shared by every download (started on
 * first use, never keeping the process alive), batches handed out in turn: the main thread sends
 * a list and the reader writes the contents into a buffer shared with it, so reading 10,000 files
 * costs the main thread 10,000 / batch messages instead of 30,000 thread-pool round trips.
 *
 * The buffers are SharedArrayBuffers, each sent to a thread once and reused (at most `threads` * 4
 * kept idle): a download allocates none once started, and none is transferred. Transferring a
 * 1 MiB ArrayBuffer each way per batch counted as new external memory every time until a full
 * collection swept the old ones: one mark-compact per ~64 MB of small files, which cost about as
 * much CPU as reading them.
 */
export function createSmallFilesRepo({ threads = 1, addon = null }: { threads?: number; addon?: string | null } = {}) {
  const native = loadable(addon);
  const workers: ({ w: Worker; known: Set<number> } | null)[] = Array.from({ length: threads }, () => null);
  let turn = 0;
  let nextId = 0;
  let nextSlot = 0;
  const pending = new Map<number, { total: number; slot: Slot; ok: (b: SmallFilesBatch) => void; fail: (e: Error) => void }>();
  const idle: Slot[] = [];
  const slotOf = new Map<ArrayBufferLike, Slot>();

  const newSlot = (size: number): Slot => {
    const slot = { id: nextSlot++, buf: Buffer.from(new SharedArrayBuffer(size)) };
    slotOf.set(slot.buf.buffer, slot);
    return slot;
  };
  /** Forgets a buffer here and in every thread that has it. */
  const drop = (slot: Slot) => {
    slotOf.delete(slot.buf.buffer);
    for (const t of workers) {
      if (t?.known.delete(slot.id)) t.w.postMessage({ forget: slot.id });
    }
  };

  const start = (index: number) => {
    // Its heap holds a batch's paths at a time; the file contents are outside it (shared buffers).
    const w = new Worker(ENTRY, { workerData: { addon: native.path }, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } });
    w.unref();
    w.on('message', (m: { id: number; failed: number; message: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      // The buffer may be larger than the batch (reused), and holds a spare byte to see growth.
      if (p) p.ok({ data: p.slot.buf.subarray(0, p.total), failed: m.failed, message: m.message });
    });
    const down = (err: Error) => {
      if (workers[index]?.w === w) workers[index] = null;
      for (const p of pending.values()) p.fail(err);
      pending.clear();
    };
    w.on('error', down);
    w.on('exit', (code) => down(new Error(`the small-file reader stopped (exit code ${code})`)));
    return { w, known: new Set<number>() };
  };

  return {
    read(batch: SmallBatch): Promise<SmallFilesBatch> {
      const index = turn++ % threads;
      const t = (workers[index] ??= start(index));
      const id = nextId++;
      let slot = idle.pop();
      if (slot && slot.buf.length < batch.total + 1) {
        drop(slot);
        slot = undefined;
      }
      slot ??= newSlot(Math.max(batch.total + 1, MIN_BUFFER));
      const sab = t.known.has(slot.id) ? undefined : slot.buf.buffer;
      t.known.add(slot.id);
      const n = batch.length;
      return new Promise((ok, fail) => {
        pending.set(id, { total: batch.total, slot: slot!, ok, fail });
        // Exact copies: a view would send its whole underlying buffer.
        t.w.postMessage({
          id, slot: slot!.id, sab, paths: batch.pathBytes.slice(0, batch.pathLength), pathEnds: batch.pathEnds.slice(0, n),
          sizes: batch.sizes.slice(0, n), mtimes: batch.mtimes.slice(0, n), headLens: batch.headLens.slice(0, n), heads: batch.heads(),
        });
      });
    },

    /** Takes back the buffer of a batch whose contents are no longer used (nothing may read it after). */
    recycle(data: Buffer): void {
      const slot = slotOf.get(data.buffer);
      if (!slot || idle.includes(slot)) return;
      if (idle.length < threads * 4) idle.push(slot);
      else drop(slot);
    },

    /**
     * Copies `length` bytes of a batch's data from `sourceStart` into `target`: a memcpy with the
     * compiled reader (V8 copies out of a SharedArrayBuffer a byte at a time when the offsets are
     * not equally aligned, ~20x slower), else TypedArray.set.
     */
    copy: native.module
      ? native.module.copy
      : (target: Uint8Array, targetStart: number, source: Uint8Array, sourceStart: number, length: number) => target.set(source.subarray(sourceStart, sourceStart + length), targetStart),

    /** How files are read: the compiled reader (scripts/build-native.mjs), or JavaScript and why. */
    reader: native.path ? 'native' : `JavaScript (${native.why})`,

    async close(): Promise<void> {
      const all = workers.splice(0, threads, ...workers.map(() => null));
      await Promise.all(all.map((t) => t?.w.terminate()));
    },
  };
}
export type SmallFilesRepo = ReturnType<typeof createSmallFilesRepo>;
