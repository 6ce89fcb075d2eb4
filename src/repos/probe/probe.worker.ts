import { parentPort } from 'node:worker_threads';
import { probeFile } from './probe-task.js';

// One file at a time: the pool sends { id, absPath, name } and waits for the answer.
parentPort!.on('message', async (msg: { id: number; absPath: string; name: string; thumbDir?: string }) => {
  try {
    parentPort!.postMessage({ id: msg.id, result: await probeFile(msg.absPath, msg.name, msg.thumbDir) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, failure: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
});
