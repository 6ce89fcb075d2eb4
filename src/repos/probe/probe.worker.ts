import { parentPort } from 'node:worker_threads';
import { probeFile } from './probe-task.js';

interface ProbeMessage { id: number; absPath: string; name: string; thumbDir?: string }

// The pool sends files ahead; they are worked one at a time, in order, so that the pool
// knows which file a timeout or a crash belongs to (the first one not yet answered).
const waiting: ProbeMessage[] = [];
let working = false;

async function work() {
  working = true;
  for (let msg = waiting.shift(); msg; msg = waiting.shift()) {
    try {
      parentPort!.postMessage({ id: msg.id, result: await probeFile(msg.absPath, msg.name, msg.thumbDir) });
    } catch (err) {
      parentPort!.postMessage({ id: msg.id, failure: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    }
  }
  working = false;
}

parentPort!.on('message', (msg: ProbeMessage) => {
  waiting.push(msg);
  if (!working) void work();
});
// Loaded: from now on the pool's time limits run.
parentPort!.postMessage({ ready: true });
