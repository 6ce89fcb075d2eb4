import { Worker } from 'node:worker_threads';
import type { ProbeResult } from './probe-task.js';

export interface ProbePoolOptions {
  size: number;
  /** Per file: a file that takes longer is recorded as failed and its worker replaced. */
  timeoutMs: number;
  /** Heap of each worker; a file that needs more is recorded as failed. */
  maxHeapMb: number;
  /** Where thumbnails are stored; without it none are made. */
  thumbDir?: string;
}

interface Task {
  id: number;
  absPath: string;
  name: string;
  resolve: (r: ProbeResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  timer?: NodeJS.Timeout;
}

const ENTRY = new URL('./probe-worker-entry.mjs', import.meta.url);

/**
 * Hashing and header parsing in worker threads, off the event loop that serves
 * HTTP, with a time and memory limit per file (immich #27742 is what happens otherwise).
 */
export function createProbePool(opts: ProbePoolOptions) {
  const queue: Task[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb } }) };
    slot.worker.on('message', (msg: { id: number; result?: ProbeResult; failure?: string }) => {
      const task = slot.task;
      if (!task || task.id !== msg.id) return;
      finish(slot);
      if (msg.result) task.resolve(msg.result);
      else task.reject(Object.assign(new Error(msg.failure ?? 'probe failed'), { code: msg.failure }));
    });
    slot.worker.on('error', () => undefined);
    slot.worker.on('exit', () => {
      const task = slot.task;
      finish(slot);
      const i = slots.indexOf(slot);
      if (i >= 0) slots.splice(i, 1);
      if (task) task.resolve({ sha256: '', meta: null, error: 'the reader ran out of memory or crashed on this file' });
      if (!closed) {
        slots.push(spawn());
        pump();
      }
    });
    return slot;
  }

  function finish(slot: Slot) {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.task = undefined;
    queueMicrotask(pump);
  }

  function pump() {
    for (const slot of slots) {
      if (slot.task || queue.length === 0) continue;
      const task = queue.shift()!;
      slot.task = task;
      slot.timer = setTimeout(() => {
        // Terminating fires 'exit', which replaces the worker; answer first so the file gets this reason.
        slot.task = undefined;
        task.resolve({ sha256: '', meta: null, error: `reading took longer than ${opts.timeoutMs / 1000} s` });
        void slot.worker.terminate();
      }, opts.timeoutMs);
      slot.worker.postMessage({ id: task.id, absPath: task.absPath, name: task.name, thumbDir: opts.thumbDir });
    }
  }

  for (let i = 0; i < opts.size; i++) slots.push(spawn());

  return {
    probe(absPath: string, name: string): Promise<ProbeResult> {
      if (closed) return Promise.reject(new Error('probe pool is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, absPath, name, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
export type ProbePool = ReturnType<typeof createProbePool>;
