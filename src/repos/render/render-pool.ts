import { Worker } from 'node:worker_threads';
import type { AudioPeaks, SignalData } from '../../../contract/index.js';
import type { DecodedVolume, ImageTask, PeaksTask, RenderTask, SignalTask, VolumeTask } from './render-task.js';

export interface RenderPoolOptions {
  size: number;
  /** Per task: a task that takes longer fails and its worker is replaced. */
  timeoutMs: number;
  /** V8 heap of each worker (typed arrays of voxels are bounded separately by MAX_VOLUME_BYTES). */
  maxHeapMb: number;
  /** A worker stops after this long without work (default 30 s); the next task starts one again. */
  idleMs?: number;
}

/** Why a render failed: 'format' (cannot decode), 'range' (bad index/range), 'missing' (file gone), 'limit' (time/memory). */
export class RenderError extends Error {
  constructor(readonly kind: 'format' | 'range' | 'missing' | 'limit' | 'other', message: string, readonly reason?: string) {
    super(message);
    this.name = 'RenderError';
  }
}

interface Job { id: number; task: RenderTask; resolve: (v: unknown) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; job?: Job; timer?: NodeJS.Timeout; idle?: NodeJS.Timeout }

const ENTRY = new URL('./render-worker-entry.mjs', import.meta.url);

/**
 * Decoding and rendering of previews in worker threads with a time and heap limit per task, so that a big or
 * hostile file never stalls the event loop that serves HTTP (immich #27742). Workers start on first use.
 */
export function createRenderPool(opts: RenderPoolOptions) {
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  const idleMs = opts.idleMs ?? 30_000;

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb } }) };
    slot.worker.on('message', (msg: { id: number; result?: unknown; failure?: { kind: RenderError['kind']; message: string; reason?: string } }) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      done(slot);
      if (msg.failure) job.reject(new RenderError(msg.failure.kind, msg.failure.message, msg.failure.reason));
      else job.resolve(msg.result);
    });
    slot.worker.on('error', () => undefined);
    slot.worker.on('exit', () => {
      const job = slot.job;
      done(slot);
      clearTimeout(slot.idle);
      forget(slot);
      job?.reject(new RenderError('limit', 'the preview ran out of memory or crashed on this file'));
      if (!closed && queue.length > 0) pump();
    });
    slots.push(slot);
    return slot;
  }

  /** Out of the pool (it exited, or is stopping for want of work). */
  function forget(slot: Slot) {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
  }

  function done(slot: Slot) {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    queueMicrotask(pump);
    queueMicrotask(() => {
      if (slot.job || closed || !slots.includes(slot)) return;
      clearTimeout(slot.idle);
      slot.idle = setTimeout(() => {
        if (slot.job) return;
        forget(slot);
        void slot.worker.terminate();
      }, idleMs);
      slot.idle.unref();
    });
  }

  function pump() {
    if (closed) return;
    while (queue.length > 0) {
      const slot = slots.find((s) => !s.job) ?? (slots.length < opts.size ? spawn() : undefined);
      if (!slot) return;
      const job = queue.shift()!;
      clearTimeout(slot.idle);
      slot.job = job;
      slot.timer = setTimeout(() => {
        slot.job = undefined;
        job.reject(new RenderError('limit', `the preview took longer than ${opts.timeoutMs / 1000} s`));
        void slot.worker.terminate();
      }, opts.timeoutMs);
      slot.worker.postMessage({ id: job.id, task: job.task });
    }
  }

  function run<T>(task: RenderTask): Promise<T> {
    if (closed) return Promise.reject(new Error('render pool is closed'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ id: nextId++, task, resolve: resolve as (v: unknown) => void, reject });
      pump();
    });
  }

  return {
    volume: (t: Omit<VolumeTask, 'type'>) => run<DecodedVolume>({ type: 'volume', ...t }),
    image: async (t: Omit<ImageTask, 'type'>) => Buffer.from(await run<Uint8Array>({ type: 'image', ...t })),
    signal: (t: Omit<SignalTask, 'type'>) => run<SignalData>({ type: 'signal', ...t }),
    peaks: (t: Omit<PeaksTask, 'type'>) => run<AudioPeaks>({ type: 'peaks', ...t }),
    /** Worker threads running now. */
    get workers() { return slots.length; },
    async close() {
      closed = true;
      for (const j of queue.splice(0)) j.reject(new Error('render pool is closed'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
export type RenderPool = ReturnType<typeof createRenderPool>;
