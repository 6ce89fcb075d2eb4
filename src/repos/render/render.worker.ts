import { parentPort } from 'node:worker_threads';
import { FormatError } from '../../formats/index.js';
import { runTask, type RenderTask } from './render-task.js';

// One task at a time. Volumes come back with their voxels transferred, not copied.
parentPort!.on('message', async (msg: { id: number; task: RenderTask }) => {
  try {
    const result = await runTask(msg.task);
    const data = result && typeof result === 'object' && 'data' in result ? (result as { data: unknown }).data : undefined;
    const transfer = data instanceof Float32Array ? [data.buffer as ArrayBuffer] : [];
    parentPort!.postMessage({ id: msg.id, result }, transfer);
  } catch (err) {
    const e = err as Error;
    const kind = err instanceof FormatError ? 'format' : err instanceof RangeError ? 'range' : (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'other';
    parentPort!.postMessage({ id: msg.id, failure: { kind, message: e.message, reason: err instanceof FormatError ? err.reason : undefined } });
  }
});
