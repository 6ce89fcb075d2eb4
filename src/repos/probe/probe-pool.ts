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
  /** Files sent ahead to each worker (default 64); see pump(). */
  depth?: number;
  /**
   * The workers stop after this long without work (default 10 s) and start again with the next
   * file: each holds an isolate and, once it has made thumbnails, libvips' buffers (~35 MB each).
   */
  idleMs?: number;
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
  /** Sent and not yet answered, in order: the worker works on the first, the rest wait in its queue. */
  tasks: Task[];
  timer?: NodeJS.Timeout;
  /** Being terminated: takes no more work. */
  dead?: boolean;
  /** Has loaded its code: until then no time limit runs (starting a worker can take seconds on a busy machine). */
  ready?: boolean;
  /** Stopped for want of work: its exit replaces nothing. */
  retired?: boolean;
}

const ENTRY = new URL('./probe-worker-entry.mjs', import.meta.url);
const failed = (error: string): ProbeResult => ({ sha256: '', crc32: '', meta: null, error });

/**
 * Hashing and header parsing in worker threads, off the event loop that serves
 * HTTP, with a time and memory limit per file (immich #27742 is what happens otherwise).
 */
export function createProbePool(opts: ProbePoolOptions) {
  const depth = Math.max(1, opts.depth ?? 64);
  // A FIFO with a moving head: shift() on a queue of a whole dataset's files would be quadratic.
  let queue: Task[] = [];
  let head = 0;
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  const idleMs = opts.idleMs ?? 10_000;
  let idleTimer: NodeJS.Timeout | undefined;

  const takeNext = (): Task | undefined => {
    const task = queue[head];
    if (!task) return undefined;
    queue[head++] = undefined as never;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return task;
  };
  /** Files sent to a worker that died before starting them go back to the front of the queue. */
  const requeue = (tasks: Task[]) => queue.splice(head, 0, ...tasks);

  function spawn(): Slot {
    const slot: Slot = { worker: new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb } }), tasks: [] };
    slot.worker.on('message', (msg: { id: number; result?: ProbeResult; failure?: string; ready?: true }) => {
      if (msg.ready) {
        slot.ready = true;
        arm(slot);
        return;
      }
      const task = slot.tasks[0];
      if (slot.dead || !task || task.id !== msg.id) return;
      slot.tasks.shift();
      arm(slot);
      if (msg.result) task.resolve(msg.result);
      else task.reject(Object.assign(new Error(msg.failure ?? 'probe failed'), { code: msg.failure }));
      pump();
    });
    slot.worker.on('error', () => undefined);
    slot.worker.on('exit', () => {
      clearTimeout(slot.timer);
      if (slot.retired) return;
      slot.dead = true;
      const i = slots.indexOf(slot);
      if (i >= 0) slots.splice(i, 1);
      // The worker runs its files one at a time: the first one is what killed it, the others never started.
      const [culprit, ...waiting] = slot.tasks;
      slot.tasks = [];
      if (closed) {
        for (const task of [culprit, ...waiting]) task?.reject(new Error('probe pool is closed'));
        return;
      }
      requeue(waiting);
      culprit?.resolve(failed('the reader ran out of memory or crashed on this file'));
      slots.push(spawn());
      pump();
    });
    return slot;
  }

  /** The time limit runs for the file the worker is on, from when the previous one was answered (or the worker became ready). */
  function arm(slot: Slot) {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    const task = slot.tasks[0];
    if (!task || !slot.ready) return;
    slot.timer = setTimeout(() => {
      // Answer first so the file gets this reason; terminating fires 'exit', which replaces the worker.
      slot.dead = true;
      const waiting = slot.tasks.slice(1);
      slot.tasks = [];
      requeue(waiting);
      task.resolve(failed(`reading took longer than ${opts.timeoutMs / 1000} s`));
      void slot.worker.terminate();
      pump();
    }, opts.timeoutMs);
  }

  // Each worker gets up to `depth` files ahead, so it never sits idle waiting for this thread
  // to answer a message: when other processes keep the CPUs busy, this thread may wait tens of
  // milliseconds for its turn (one file per message measured 2-3x slower under such load).
  function pump() {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (!closed && slots.length === 0 && head < queue.length) for (let i = 0; i < opts.size; i++) slots.push(spawn());
    fill: for (const slot of slots) {
      while (!slot.dead && slot.tasks.length < depth) {
        const task = takeNext();
        if (!task) break fill;
        slot.tasks.push(task);
        if (slot.tasks.length === 1) arm(slot);
        slot.worker.postMessage({ id: task.id, absPath: task.absPath, name: task.name, thumbDir: opts.thumbDir });
      }
    }
    if (!closed && slots.length > 0 && head >= queue.length && slots.every((s) => s.tasks.length === 0)) {
      idleTimer = setTimeout(retire, idleMs);
      idleTimer.unref();
    }
  }

  /** Stops every worker (none has work); the next file starts them again. */
  function retire() {
    idleTimer = undefined;
    for (const slot of slots.splice(0)) {
      slot.retired = true;
      slot.dead = true;
      clearTimeout(slot.timer);
      void slot.worker.terminate();
    }
  }

  for (let i = 0; i < opts.size; i++) slots.push(spawn());
  pump(); // no work yet: the idle clock starts now

  return {
    probe(absPath: string, name: string): Promise<ProbeResult> {
      if (closed) return Promise.reject(new Error('probe pool is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, absPath, name, resolve, reject });
        pump();
      });
    },
    /** Worker threads running now. */
    get workers() { return slots.length; },
    /** Stops the workers; files not yet answered are rejected, so that no caller waits for ever. */
    async close() {
      closed = true;
      clearTimeout(idleTimer);
      await Promise.all(slots.map((s) => s.worker.terminate()));
      for (let task = takeNext(); task; task = takeNext()) task.reject(new Error('probe pool is closed'));
    },
  };
}
export type ProbePool = ReturnType<typeof createProbePool>;
