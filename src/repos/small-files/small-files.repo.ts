import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { writeUtf8 } from '../../domain/zip-fingerprint.js';

/** Copies `length` bytes of `source` from `sourceStart` into `target` at `targetStart`. */
export type Copy = (target: Uint8Array, targetStart: number, source: Uint8Array, sourceStart: number, length: number) => void;

/**
 * A batch of small files as the reader thread needs it: file i's absolute path, size, modification
 * time (whole ms, as indexed) and head length (its zip local header, which goes right before its
 * contents), and the heads one after the other. read() writes it straight into memory shared with
 * the thread, so a batch costs no buffer of its own on either side.
 */
export interface SmallBatchSource {
  readonly length: number;
  /** Bytes of the heads and contents. */
  readonly total: number;
  /** Bytes of the heads. */
  readonly headBytes: number;
  /** Bytes the paths take at most (UTF-8). */
  readonly pathRoom: number;
  size(i: number): number;
  mtime(i: number): number;
  headLen(i: number): number;
  /** Writes path i as UTF-8 into b at p; returns its byte length. */
  writePath(i: number, b: Uint8Array, p: number): number;
  /** Copies the heads, one after the other, into b at p. */
  writeHeads(b: Uint8Array, p: number, copy: Copy): void;
}

/** A batch listed file by file (absolute paths as strings): for callers that have no page of an index. */
export class SmallBatch implements SmallBatchSource {
  private readonly paths: string[] = [];
  private readonly sizes: number[] = [];
  private readonly mtimes: number[] = [];
  private readonly heads: (Uint8Array | undefined)[] = [];
  total = 0;
  headBytes = 0;
  pathRoom = 0;

  get length(): number { return this.paths.length; }

  /** Adds a file by its absolute path; `head` goes right before its contents. */
  push(absPath: string, size: number, mtimeMs: number, head?: Uint8Array): void {
    this.paths.push(absPath);
    this.sizes.push(size);
    this.mtimes.push(mtimeMs);
    this.heads.push(head);
    this.total += (head?.length ?? 0) + size;
    this.headBytes += head?.length ?? 0;
    this.pathRoom += 3 * absPath.length;
  }

  size(i: number): number { return this.sizes[i]!; }
  mtime(i: number): number { return this.mtimes[i]!; }
  headLen(i: number): number { return this.heads[i]?.length ?? 0; }
  writePath(i: number, b: Uint8Array, p: number): number { return writeUtf8(b, p, this.paths[i]!); }
  writeHeads(b: Uint8Array, p: number, copy: Copy): void {
    for (const h of this.heads) {
      if (!h) continue;
      copy(b, p, h, 0, h.length);
      p += h.length;
    }
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
interface Compiled {
  copy(target: Uint8Array, targetStart: number, source: Uint8Array, sourceStart: number, length: number): void;
  /** Whether this thread reads batches through io_uring from now on: '' when it does, else why not. */
  useRing(wanted: boolean): string;
}

/** The compiled reader when it loads here (the threads load the same file), else why not. */
function loadable(addon: string | null): { path: string | null; module: Compiled | null; why: string } {
  if (!addon) return { path: null, module: null, why: 'MEDIMG_NATIVE_READER=0' };
  if (!existsSync(addon)) return { path: null, module: null, why: `${addon} is not built: see scripts/build-native.mjs` };
  try {
    const m = createRequire(import.meta.url)(addon) as { readBatch?: unknown; copy?: unknown; useRing?: unknown };
    if (typeof m.readBatch !== 'function' || typeof m.copy !== 'function' || typeof m.useRing !== 'function') return { path: null, module: null, why: `${addon} has no readBatch, copy or useRing` };
    return { path: addon, module: m as Compiled, why: '' };
  } catch (err) {
    return { path: null, module: null, why: `${addon} does not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

const ENTRY = new URL('./small-files-worker.mjs', import.meta.url);
// Buffers are at least this big (a batch's bytes and a spare one), so that any batch of the default limits fits one.
const MIN_BUFFER = 1024 * 1024 + 1;
// The part that describes a batch (paths, numbers, heads) starts at this size and grows when a batch needs it.
const MIN_META = 64 * 1024;

/**
 * Memory shared with the reader threads, reused batch after batch (never transferred): `data`, what
 * the thread writes (heads and contents), and `meta`, what the main thread writes (the batch).
 */
interface Slot { id: number; data: Buffer; meta: Uint8Array; dataSent: Set<number>; metaSent: Set<number> }

const align8 = (n: number) => (n + 7) & ~7;
const shared = (size: number) => new Uint8Array(new SharedArrayBuffer(size));

/**
 * Small files read in batches by `threads` worker threads shared by every download (started on
 * first use, never keeping the process alive), batches handed out in turn: the reader thread reads
 * a batch's files into memory shared with the main thread, so reading 10,000 files costs the main
 * thread 10,000 / batch messages instead of 30,000 thread-pool round trips.
 *
 * Each batch goes through a slot of SharedArrayBuffers, sent to a thread once and reused (at most
 * `threads` * 4 kept idle): the main thread writes the batch's paths, numbers and heads into the
 * slot's `meta` and sends a message of a few numbers; the thread writes the heads and contents into
 * its `data`. No buffer is made, copied or transferred per batch on either side. Transferring a
 * 1 MiB ArrayBuffer each way per batch counted as new external memory every time until a full
 * collection swept the old ones (one mark-compact per ~64 MB of small files); sending the batch as
 * typed arrays made six buffers per batch on each side, garbage that grew the reader's and the
 * server's memory by tens of MB over repeated downloads.
 */
export function createSmallFilesRepo({ threads = 1, addon = null, ring = true }: { threads?: number; addon?: string | null; ring?: boolean } = {}) {
  const native = loadable(addon);
  // Why the reader threads will not have io_uring ('' when they will): a ring tried on this thread
  // and let go, when first asked (the server's log; other commands never ask).
  let noRing: string | undefined;
  const whyNoRing = (m: Compiled) => {
    if (noRing === undefined) {
      noRing = ring ? m.useRing(true) : 'MEDIMG_IO_URING=0';
      m.useRing(false);
    }
    return noRing;
  };
  const copy: Copy = native.module
    ? native.module.copy
    : (target, targetStart, source, sourceStart, length) => target.set(source.subarray(sourceStart, sourceStart + length), targetStart);
  const workers: (Worker | null)[] = Array.from({ length: threads }, () => null);
  let turn = 0;
  let nextId = 0;
  let nextSlot = 0;
  const pending = new Map<number, { total: number; slot: Slot; ok: (b: SmallFilesBatch) => void; fail: (e: Error) => void }>();
  const idle: Slot[] = [];
  const slotOf = new Map<ArrayBufferLike, Slot>();

  /** Forgets a slot here and in every thread that has it. */
  const drop = (slot: Slot) => {
    slotOf.delete(slot.data.buffer);
    workers.forEach((w, i) => {
      if (w && (slot.dataSent.has(i) || slot.metaSent.has(i))) w.postMessage({ forget: slot.id });
    });
  };
  /** A slot whose data and meta fit `total` + 1 and `metaBytes` bytes. */
  const slotFor = (total: number, metaBytes: number): Slot => {
    let slot = idle.pop();
    if (slot && slot.data.length < total + 1) {
      drop(slot);
      slot = undefined;
    }
    if (!slot) {
      slot = { id: nextSlot++, data: Buffer.from(shared(Math.max(total + 1, MIN_BUFFER)).buffer), meta: shared(MIN_META), dataSent: new Set(), metaSent: new Set() };
      slotOf.set(slot.data.buffer, slot);
    }
    if (slot.meta.length < metaBytes) {
      slot.meta = shared(Math.max(metaBytes, 2 * slot.meta.length));
      slot.metaSent.clear();
    }
    return slot;
  };

  const start = (index: number) => {
    // Its heap holds a message at a time; the batches are outside it (shared buffers).
    const w = new Worker(ENTRY, { workerData: { addon: native.path, ring }, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } });
    w.unref();
    w.on('message', (m: { id: number; failed: number; message: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      // The buffer may be larger than the batch (reused), and holds a spare byte to see growth.
      if (p) p.ok({ data: p.slot.data.subarray(0, p.total), failed: m.failed, message: m.message });
    });
    const down = (err: Error) => {
      if (workers[index] === w) workers[index] = null;
      for (const slot of slotOf.values()) {
        slot.dataSent.delete(index);
        slot.metaSent.delete(index);
      }
      for (const p of pending.values()) p.fail(err);
      pending.clear();
    };
    w.on('error', down);
    w.on('exit', (code) => down(new Error(`the small-file reader stopped (exit code ${code})`)));
    return w;
  };

  return {
    read(batch: SmallBatchSource): Promise<SmallFilesBatch> {
      const index = turn++ % threads;
      const w = (workers[index] ??= start(index));
      const id = nextId++;
      const n = batch.length;
      // The batch in the slot's meta: path ends (u32), sizes and times (f64), head lengths (u32), paths, heads.
      const sizesAt = align8(4 * n);
      const mtimesAt = sizesAt + 8 * n;
      const headLensAt = mtimesAt + 8 * n;
      const pathsAt = headLensAt + 4 * n;
      const slot = slotFor(batch.total, pathsAt + batch.pathRoom + batch.headBytes);
      const { meta } = slot;
      const ends = new Uint32Array(meta.buffer, 0, n);
      const sizes = new Float64Array(meta.buffer, sizesAt, n);
      const mtimes = new Float64Array(meta.buffer, mtimesAt, n);
      const headLens = new Uint32Array(meta.buffer, headLensAt, n);
      let p = 0;
      for (let i = 0; i < n; i++) {
        p += batch.writePath(i, meta, pathsAt + p);
        ends[i] = p;
        sizes[i] = batch.size(i);
        mtimes[i] = batch.mtime(i);
        headLens[i] = batch.headLen(i);
      }
      const headsAt = pathsAt + p;
      batch.writeHeads(meta, headsAt, copy);
      const msg = {
        id, slot: slot.id, n, sizesAt, mtimesAt, headLensAt, pathsAt, pathBytes: p, headsAt, headBytes: batch.headBytes,
        data: slot.dataSent.has(index) ? undefined : slot.data.buffer, meta: slot.metaSent.has(index) ? undefined : meta.buffer,
      };
      slot.dataSent.add(index);
      slot.metaSent.add(index);
      return new Promise((ok, fail) => {
        pending.set(id, { total: batch.total, slot, ok, fail });
        w.postMessage(msg);
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
    copy,

    /** How files are read: the compiled reader (scripts/build-native.mjs), or JavaScript and why. */
    get reader(): string {
      if (!native.module) return `JavaScript (${native.why})`;
      const why = whyNoRing(native.module);
      return why ? `native (one system call at a time: ${why})` : 'native (io_uring)';
    },

    async close(): Promise<void> {
      const all = workers.splice(0, threads, ...workers.map(() => null));
      await Promise.all(all.map((w) => w?.terminate()));
    },
  };
}
export type SmallFilesRepo = ReturnType<typeof createSmallFilesRepo>;
